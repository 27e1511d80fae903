"""Warnings over HTTP: list with filters, CAP 1.2 XML (schema-valid), GeoJSON, Atom."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from twin.alerts import WardImpact, issue_alerts, validate_cap_xml

RING = [(107.581, 16.458), (107.587, 16.458), (107.587, 16.463), (107.581, 16.463)]


@pytest.fixture(scope="module")
def issued(client: TestClient) -> list[str]:
    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    now = datetime.now(UTC) - timedelta(minutes=5)
    ward = WardImpact(
        "W01",
        "Phú Hội",
        RING,
        people_by_hazard_class=(6000, 2000, 900, 100),
        max_hazard_class=3,
        arrival=now + timedelta(hours=2),
        shelter="Trường Quốc Học",
    )
    return [m.identifier for m in issue_alerts(engine, [ward], now=now)]


def test_list_and_filter(client: TestClient, issued: list[str]) -> None:
    listed = client.get("/alerts").json()
    assert [a["identifier"] for a in listed] == issued
    first = listed[0]
    assert first["state"] == "active" and first["msg_type"] == "Alert"
    assert "W01" in first["wards"]
    assert first["cap_url"].endswith(f"/alerts/{issued[0]}.xml")
    assert client.get("/alerts", params={"ward": "W01"}).json() == listed
    assert client.get("/alerts", params={"ward": "W04"}).json() == []
    assert client.get("/alerts", params={"status": "cancelled"}).json() == []
    assert client.get("/alerts", params={"status": "gone"}).status_code == 422


def test_cap_xml_is_valid_and_lat_lon(client: TestClient, issued: list[str]) -> None:
    response = client.get(f"/alerts/{issued[0]}.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/cap+xml")
    validate_cap_xml(response.content)
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    polygon = etree.fromstring(response.content).findtext(".//cap:polygon", namespaces=ns)
    lat, lon = (float(v) for v in polygon.split()[0].split(","))
    assert 16 < lat < 17 and 107 < lon < 108  # CAP writes "lat,lon"


def test_geojson_swaps_back_to_lon_lat(client: TestClient, issued: list[str]) -> None:
    response = client.get("/alerts/active.geojson")
    assert response.headers["content-type"] == "application/geo+json"
    features = response.json()["features"]
    assert features and features[0]["properties"]["identifier"] == issued[0]
    lon, lat = features[0]["geometry"]["coordinates"][0][0][0]
    assert 107 < lon < 108 and 16 < lat < 17


def test_json_and_atom(client: TestClient, issued: list[str]) -> None:
    doc = client.get(f"/alerts/{issued[0]}.json").json()
    assert doc["identifier"] == issued[0]
    assert {i["language"] for i in doc["info"]} == {"vi-VN", "en-US"}
    atom = client.get("/alerts/feed.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(atom.content)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1
    link = entries[0].find("{http://www.w3.org/2005/Atom}link[@type='application/cap+xml']")
    assert link is not None and link.get("href").endswith(f"{issued[0]}.xml")


def test_unknown_alert_is_404(client: TestClient) -> None:
    response = client.get("/alerts/nope.xml")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
