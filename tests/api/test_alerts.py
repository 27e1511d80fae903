"""Warnings over HTTP: list with filters, CAP 1.2 XML (schema-valid), GeoJSON, Atom."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from twin.alerts import AlertRules, WardImpact, issue_alerts, validate_cap_xml

# clockwise, as CAP senders may write it; GeoJSON out must be counter-clockwise (RFC 7946)
RING = [(107.581, 16.458), (107.581, 16.463), (107.587, 16.463), (107.587, 16.458)]
ATOM = {"a": "http://www.w3.org/2005/Atom"}


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


def _signed_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))


def test_geojson_rings_are_counter_clockwise(client: TestClient, issued: list[str]) -> None:
    (feature,) = client.get("/alerts/active.geojson").json()["features"]
    assert feature["geometry"]["type"] == "MultiPolygon"
    for polygon in feature["geometry"]["coordinates"]:
        assert _signed_area(polygon[0]) > 0
        assert polygon[0][0] == polygon[0][-1]


def test_atom_feed_id_is_permanent(client: TestClient, issued: list[str]) -> None:
    settings = client.app.state.twin.settings  # type: ignore[attr-defined]
    here = etree.fromstring(client.get("/alerts/feed.atom").content)
    elsewhere = etree.fromstring(
        client.get("/alerts/feed.atom", headers={"host": "proxy.internal:8080"}).content
    )
    feed_id = here.findtext("a:id", namespaces=ATOM)
    assert feed_id == elsewhere.findtext("a:id", namespaces=ATOM)
    expected = uuid.uuid5(
        uuid.NAMESPACE_URL, f"{settings.public_base_url}/alerts/feed.atom?lang=vi-VN"
    )
    assert feed_id == expected.urn
    english = etree.fromstring(client.get("/alerts/feed.atom", params={"lang": "en-US"}).content)
    assert english.findtext("a:id", namespaces=ATOM) != feed_id  # another feed


def test_expired_messages_are_left_out(client: TestClient, issued: list[str]) -> None:
    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    # a scenario replayed on an old flood: an Exercise message that expired long ago
    then = datetime(2025, 10, 27, tzinfo=UTC)
    old_ward = WardImpact(
        "W02",
        "Vĩnh Ninh",
        RING,
        people_by_hazard_class=(6000, 2000, 900, 100),
        max_hazard_class=3,
        arrival=then + timedelta(hours=2),
        shelter="Trường Quốc Học",
    )
    (old,) = issue_alerts(engine, [old_ward], now=then, rules=AlertRules(status="Exercise"))
    features = client.get("/alerts/active.geojson").json()["features"]
    assert [f["properties"]["identifier"] for f in features] == issued
    atom = etree.fromstring(client.get("/alerts/feed.atom").content)
    links = [e.find("a:link", ATOM).get("href") for e in atom.findall("a:entry", ATOM)]
    assert len(links) == 1 and links[0].endswith(f"{issued[0]}.xml")
    listed = {a["identifier"]: a["state"] for a in client.get("/alerts").json()}
    assert listed[old.identifier] == "expired"
    expired = client.get("/alerts", params={"status": "expired"}).json()
    assert [a["identifier"] for a in expired] == [old.identifier]


def test_feed_carries_a_recent_cancel(client: TestClient, issued: list[str]) -> None:
    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    (cancel,) = issue_alerts(engine, [], now=datetime.now(UTC) - timedelta(minutes=1))
    assert cancel.msg_type == "Cancel"
    assert client.get("/alerts/active.geojson").json()["features"] == []
    atom = etree.fromstring(client.get("/alerts/feed.atom").content)
    (entry,) = atom.findall("a:entry", ATOM)
    assert entry.find("a:link", ATOM).get("href").endswith(f"{cancel.identifier}.xml")
    assert entry.findtext("a:updated", namespaces=ATOM) == cancel.to_dict()["sent"]
