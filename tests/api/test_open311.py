"""Citizen reports over Open311 GeoReport v2: JSON and XML as the spec writes them.

A standard client (``georeport`` from PyPI) reads the services and requests unchanged; POST is
sent form-encoded, as a GeoReport v2 client sends it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pyproj import Transformer

from twin import TwinError
from twin.reports import city_service, get_service

X0, Y0, CELL, N = 776000.0, 1822200.0, 20.0, 60
_TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_LONLAT.transform(x, y)
    return float(lon), float(lat)


def light_point(i: int) -> tuple[float, float]:
    """Lon/lat 5 m from light L00i of the test city (lights sit on road R1)."""
    return lonlat(X0 + 60 + 120 * i + 5, Y0 - CELL * N / 2 + 8)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(client: TestClient, data: dict[str, Any], fmt: str = "json") -> Any:
    return client.post(f"/open311/v2/requests.{fmt}", data=data)


def light_status(client: TestClient, light_id: str) -> str:
    feature = client.get(f"/collections/lights/items/{light_id}").json()
    return str(feature["properties"]["status"])


def test_discovery(client: TestClient) -> None:
    doc = client.get("/open311/v2/discovery.json").json()
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    xml = etree.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert xml.tag == "discovery"
    assert xml.findtext("endpoints/endpoint/formats/format") == "text/xml"


def test_services_json_and_xml(client: TestClient) -> None:
    services = client.get("/open311/v2/services.json").json()
    codes = [s["service_code"] for s in services]
    assert codes == ["street_light", "blocked_drain", "flooded_street", "fallen_tree"]
    assert set(services[0]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert services[0]["metadata"] is True and services[1]["metadata"] is False
    response = client.get("/open311/v2/services.xml")
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(response.content)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert root.find("service/metadata").text == "true"


def test_service_definition(client: TestClient) -> None:
    definition = client.get("/open311/v2/services/street_light.json").json()
    assert definition["service_code"] == "street_light"
    problem = next(a for a in definition["attributes"] if a["code"] == "problem")
    assert problem["datatype"] == "singlevaluelist" and problem["required"] is True
    assert {"key": "out", "name": "Does not light"} in problem["values"]
    root = etree.fromstring(client.get("/open311/v2/services/flooded_street.xml").content)
    assert root.tag == "service_definition"
    assert root.findtext("attributes/attribute/code") == "depth"
    assert len(root.findall("attributes/attribute/values/value")) == 3


def test_street_light_report_breaks_the_nearest_light_and_closing_repairs_it(
    client: TestClient, tokens: dict[str, str]
) -> None:
    lon, lat = light_point(3)
    assert light_status(client, "L003") == "working"
    response = post(
        client,
        {
            "service_code": "street_light",
            "lat": f"{lat:.7f}",
            "long": f"{lon:.7f}",
            "description": "Đèn không sáng",
            "attribute[problem]": "out",
            "email": "dan@example.vn",
            "phone": "0905123456",
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert isinstance(created, list) and len(created) == 1
    assert set(created[0]) == {"service_request_id", "service_notice", "account_id"}
    request_id = created[0]["service_request_id"]
    assert light_status(client, "L003") == "broken"

    got = client.get(f"/open311/v2/requests/{request_id}.json").json()
    assert len(got) == 1 and got[0]["status"] == "open"
    assert got[0]["lat"] == pytest.approx(lat) and got[0]["long"] == pytest.approx(lon)
    assert got[0]["requested_datetime"].endswith("+07:00")
    assert "email" not in got[0] and "phone" not in got[0]  # never public

    note = "Đã thay bóng đèn. Cảm ơn bạn đã phản ánh."
    public = client.patch(
        f"/open311/v2/requests/{request_id}.json", json={"status": "closed", "status_notes": note}
    )
    assert public.status_code == 401
    wrong = client.patch(
        f"/open311/v2/requests/{request_id}.json",
        json={"status": "closed", "status_notes": ""},
        headers=bearer(tokens["dispatcher"]),
    )
    assert wrong.status_code == 400
    closed = client.patch(
        f"/open311/v2/requests/{request_id}.json",
        json={"status": "closed", "status_notes": note},
        headers=bearer(tokens["dispatcher"]),
    )
    assert closed.status_code == 200
    assert closed.json()[0]["status"] == "closed"
    assert closed.json()[0]["status_notes"] == note
    assert light_status(client, "L003") == "working"
    again = client.patch(
        f"/open311/v2/requests/{request_id}.json",
        json={"status": "closed", "status_notes": note},
        headers=bearer(tokens["operator"]),
    )
    assert again.status_code == 409


def test_light_by_pole_number_and_xml_answer(client: TestClient) -> None:
    response = post(
        client,
        {
            "service_code": "street_light",
            "address_string": "38 Lê Lợi",
            "attribute[light_id]": "L007",
            "attribute[problem]": "flicker",
            "account_id": "u42",
        },
        fmt="xml",
    )
    assert response.status_code == 201
    root = etree.fromstring(response.content)
    assert root.tag == "service_requests"
    assert root.findtext("request/account_id") == "u42"
    assert root.findtext("request/service_request_id").isdigit()
    assert light_status(client, "L007") == "broken"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"service_code": "pothole", "lat": "16.46", "long": "107.59"}, "no service"),
        ({"service_code": "blocked_drain"}, "location is required"),
        ({"service_code": "blocked_drain", "lat": "107.59", "long": "16.46"}, "lat"),
        ({"service_code": "flooded_street", "address_string": "Lê Lợi"}, "attribute[depth]"),
        (
            {"service_code": "flooded_street", "address_string": "x", "attribute[depth]": "neck"},
            "not one of",
        ),
        (
            {
                "service_code": "street_light",
                "lat": "16.0",
                "long": "107.0",
                "attribute[problem]": "out",
            },
            "outside",
        ),
        (
            {
                "service_code": "street_light",
                "address_string": "Lê Lợi",
                "attribute[problem]": "out",
            },
            "lat/long",
        ),
        (
            {
                "service_code": "street_light",
                "address_string": "Lê Lợi",
                "attribute[problem]": "out",
                "attribute[light_id]": "L999",
            },
            "not a light",
        ),
        ({"lat": "16.46", "long": "107.59"}, "service_code"),
    ],
)
def test_bad_reports_get_open311_errors(
    client: TestClient, data: dict[str, str], needle: str
) -> None:
    response = post(client, data)
    assert response.status_code == 400
    errors = response.json()
    assert isinstance(errors, list)
    assert all(set(e) == {"code", "description"} and e["code"] == 400 for e in errors)
    assert any(needle in e["description"] for e in errors), errors


def test_light_report_far_from_any_light(client: TestClient) -> None:
    lon, lat = lonlat(X0 + 100, Y0 - 100)
    response = post(
        client,
        {"service_code": "street_light", "lat": lat, "long": lon, "attribute[problem]": "out"},
    )
    assert response.status_code == 400
    assert "no street light within" in response.json()[0]["description"]


def test_invalid_api_key_is_403(client: TestClient) -> None:
    response = post(
        client,
        {
            "service_code": "blocked_drain",
            "address_string": "Lê Lợi",
            "api_key": "twin_00000000_wrongwrongwrongwrongwrong",
        },
    )
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403


def test_errors_in_xml(client: TestClient) -> None:
    response = client.get("/open311/v2/requests/999999.xml")
    assert response.status_code == 404
    root = etree.fromstring(response.content)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert "999999" in root.findtext("error/description")


def test_list_filters_and_paging(client: TestClient) -> None:
    ids = []
    for _ in range(3):
        created = post(
            client, {"service_code": "fallen_tree", "address_string": "Kiệt 32 Lê Văn Hưu"}
        )
        ids.append(created.json()[0]["service_request_id"])
    trees = client.get("/open311/v2/requests.json", params={"service_code": "fallen_tree"})
    assert [r["service_request_id"] for r in trees.json()][:3] == ids[::-1]  # newest first
    assert trees.headers["x-total-count"] == "3"
    page = client.get(
        "/open311/v2/requests.json",
        params={"service_code": "fallen_tree", "page": 2, "page_size": 2},
    ).json()
    assert [r["service_request_id"] for r in page] == [ids[0]]
    picked = client.get(
        "/open311/v2/requests.json",
        params={"service_request_id": f"{ids[0]},{ids[2]},nope", "service_code": "street_light"},
    ).json()
    assert sorted(r["service_request_id"] for r in picked) == sorted([ids[0], ids[2]])
    assert (
        client.get(
            "/open311/v2/requests.json", params={"status": "closed", "service_code": "fallen_tree"}
        ).json()
        == []
    )
    old = client.get(
        "/open311/v2/requests.json",
        params={"start_date": "2010-01-01T00:00:00Z", "end_date": "2010-02-01T00:00:00Z"},
    ).json()
    assert old == []
    xml = etree.fromstring(
        client.get("/open311/v2/requests.xml", params={"service_code": "fallen_tree"}).content
    )
    assert xml.tag == "service_requests"
    assert len(xml.findall("request")) == 3
    assert xml.find("request/status").text == "open"


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"service_code": "pothole"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"page_size": "5000"},
        {"start_date": "0001-01-01T00:00:00+14:00"},
        {"end_date": "9999-12-31T23:59:59-23:59"},
        {"start_date": "0001-01-01T00:00:00+14:00", "end_date": "9999-12-31T23:59:59-23:59"},
    ],
)
@pytest.mark.parametrize("form", ["json", "xml"])
def test_bad_list_queries_are_400(client: TestClient, params: dict[str, str], form: str) -> None:
    response = client.get(f"/open311/v2/requests.{form}", params=params)
    assert response.status_code == 400
    if form == "json":
        assert response.json()[0]["code"] == 400
        assert response.json()[0]["description"]


def test_unknown_format_is_400(client: TestClient) -> None:
    assert client.get("/open311/v2/services.yaml").status_code == 400


def test_standard_client_reads_everything(live_server: str, client: TestClient) -> None:
    georeport = pytest.importorskip("georeport")
    created = post(
        client,
        {
            "service_code": "blocked_drain",
            "address_string": "Lê Lợi",
            "description": "Cống bị rác lấp",
        },
    )
    request_id = created.json()[0]["service_request_id"]
    for output_format in ("json", "xml"):
        api = georeport.GeoReport(f"{live_server}/open311/v2", output_format=output_format)
        services = api.get_service_list()
        assert [s["service_code"] for s in services][:2] == ["street_light", "blocked_drain"]
        definition = api.get_service_definition("flooded_street")
        assert definition["service_code"] == "flooded_street"
        listed = api.get_service_requests(service_code="blocked_drain", status="open")
        listed = listed if isinstance(listed, list) else [listed]
        assert request_id in [str(r["service_request_id"]) for r in listed]
        one = api.get_service_request(request_id)
        assert one["description"] == "Cống bị rác lấp"
        assert one["status"] == "open"


def test_multivaluelist_answers_are_all_kept(client: TestClient) -> None:
    from twin import reports

    definition = client.get("/open311/v2/services/fallen_tree.json").json()
    blocking = next(a for a in definition["attributes"] if a["code"] == "blocking")
    assert blocking["datatype"] == "multivaluelist"
    response = post(
        client,
        {
            "service_code": "fallen_tree",
            "address_string": "Lê Lợi",
            "attribute[blocking][]": ["road", "power_lines"],
            "attribute[trunk_cm]": "35",
        },
    )
    assert response.status_code == 201, response.text
    request_id = response.json()[0]["service_request_id"]
    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    stored = reports.get_request(engine, request_id).attributes
    assert stored == {"blocking": ["road", "power_lines"], "trunk_cm": "35"}


@pytest.mark.parametrize(
    ("attributes", "needle"),
    [
        ({"attribute[trunk_cm]": ["30", "40"]}, "given twice"),
        ({"attribute[blocking]": "road", "attribute[blocking][]": "drain"}, "both given"),
        ({"attribute[blocking][]": ["road", "river"]}, "'river' is not one of"),
        ({"attribute[trunk_cm][]": ["30", "40"]}, "takes one value"),
        ({"attribute[trunk_cm]": "nan"}, "finite number"),
        ({"attribute[trunk_cm]": "inf"}, "finite number"),
        ({"attribute[trunk_cm]": "-Infinity"}, "finite number"),
        ({"attribute[trunk_cm]": "thick"}, "finite number"),
        ({"attribute[x][y]": "1"}, "not a valid attribute field"),
    ],
)
def test_bad_attribute_answers_are_400(
    client: TestClient, attributes: dict[str, Any], needle: str
) -> None:
    data = {"service_code": "fallen_tree", "address_string": "Lê Lợi", **attributes}
    response = post(client, data)
    assert response.status_code == 400
    errors = response.json()
    assert all(e["code"] == 400 for e in errors)
    assert any(needle in e["description"] for e in errors), errors


def test_agencies_notices_and_contact_come_from_the_city(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the test city's city.toml has no [open311]: the catalogue's (Huế's) values
    assert client.get("/open311/v2/discovery.json").json()["contact"] == (
        "Huế city hotline 1900 1075"
    )
    lon, lat = light_point(4)
    form = {
        "service_code": "street_light",
        "lat": f"{lat:.7f}",
        "long": f"{lon:.7f}",
        "attribute[problem]": "out",
    }
    created = post(client, form).json()[0]
    got = client.get(f"/open311/v2/requests/{created['service_request_id']}.json").json()[0]
    assert got["agency_responsible"] == "Công ty Chiếu sáng công cộng Huế"
    # a city whose city.toml [open311] differs gets its own
    city = client.app.state.twin.city()  # type: ignore[attr-defined]
    open311 = {
        "contact": "Helsinki city hotline 09 310 01",
        "agencies": {"street_light": "Helen Oy"},
        "notices": {"street_light": "Lights are fixed within a week."},
    }
    monkeypatch.setitem(city.meta, "open311", open311)
    assert client.get("/open311/v2/discovery.json").json()["contact"] == open311["contact"]
    got = client.get(f"/open311/v2/requests/{created['service_request_id']}.json").json()[0]
    assert got["agency_responsible"] == "Helen Oy"
    assert got["service_notice"] == "Lights are fixed within a week."
    form["attribute[problem]"] = "flicker"
    again = post(client, form).json()[0]
    assert again["service_notice"] == "Lights are fixed within a week."
    # services it does not name keep the catalogue's
    flooded = get_service("flooded_street")
    assert city_service(flooded, open311) == flooded
    with pytest.raises(TwinError, match=r"agencies must map .*notices must map"):
        city_service(flooded, {"agencies": ["x"], "notices": {"x": 1}})
