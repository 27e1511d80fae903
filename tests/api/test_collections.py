"""City layers as OGC API – Features: collections, items with bbox/limit/offset, GeoJSON lon/lat."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient


def test_collections_list_public_layers(client: TestClient) -> None:
    body = client.get("/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == ["wards", "roads", "lights", "dams", "gauges", "stations", "shelters"]
    assert "households" not in ids  # phones and vulnerabilities are never public
    wards = body["collections"][0]
    minlon, minlat, maxlon, maxlat = wards["extent"]["spatial"]["bbox"][0]
    # The test city lies just south-east of Huế's citadel: lon ~107.6, lat ~16.46.
    assert 107.5 < minlon < maxlon < 107.7
    assert 16.4 < minlat < maxlat < 16.5
    assert {link["rel"] for link in wards["links"]} == {"self", "items"}


def test_items_are_geojson_lon_lat_with_counts(client: TestClient) -> None:
    response = client.get("/collections/wards/items")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    fc = response.json()
    assert fc["type"] == "FeatureCollection"
    assert fc["numberMatched"] == 4 and fc["numberReturned"] == 4
    first = fc["features"][0]
    assert first["id"] == "W01"
    assert first["properties"]["name"] == "Phú Hội"
    lon, lat = first["geometry"]["coordinates"][0][0]
    assert 107.5 < lon < 107.7 and 16.4 < lat < 16.5  # lon first (RFC 7946)


def test_paging_with_links(client: TestClient) -> None:
    page = client.get("/collections/lights/items", params={"limit": 4, "offset": 4}).json()
    assert page["numberMatched"] == 10
    assert page["numberReturned"] == 4
    assert [f["id"] for f in page["features"]] == ["L004", "L005", "L006", "L007"]
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert "offset=8" in rels["next"] and "offset=0" in rels["prev"]
    last = client.get("/collections/lights/items", params={"limit": 4, "offset": 8}).json()
    assert last["numberReturned"] == 2
    assert "next" not in {link["rel"] for link in last["links"]}


def test_bbox_filters(client: TestClient) -> None:
    everything = client.get("/collections/wards/items").json()
    lons = [c[0] for f in everything["features"] for c in f["geometry"]["coordinates"][0]]
    lats = [c[1] for f in everything["features"] for c in f["geometry"]["coordinates"][0]]
    west = (min(lons) + max(lons)) / 2 - 0.001
    north = (min(lats) + max(lats)) / 2 + 0.001
    bbox = f"{min(lons)},{north},{west},{max(lats)}"
    hit = client.get("/collections/wards/items", params={"bbox": bbox}).json()
    assert [f["id"] for f in hit["features"]] == ["W01"]
    far = client.get("/collections/wards/items", params={"bbox": "100,10,100.1,10.1"}).json()
    assert far["numberMatched"] == 0 and far["features"] == []
    spaced = client.get("/collections/wards/items", params={"bbox": bbox.replace(",", ", ")})
    self_link = next(link for link in spaced.json()["links"] if link["rel"] == "self")
    assert " " not in self_link["href"] and "bbox=" in self_link["href"]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "107.6,16.5,107.5,16.4", "0,95,1,96"])
def test_bad_bbox_is_400(client: TestClient, bbox: str) -> None:
    response = client.get("/collections/wards/items", params={"bbox": bbox})
    assert response.status_code == 400
    assert "minlon,minlat,maxlon,maxlat" in response.json()["detail"]


def test_one_feature_and_unknowns(client: TestClient) -> None:
    road = client.get("/collections/roads/items/R2").json()
    assert road["properties"]["name"] == "Lê Văn Hưu"
    assert road["geometry"]["type"] == "LineString"
    assert client.get("/collections/roads/items/R99").status_code == 404
    assert client.get("/collections/households/items").status_code == 404
    assert client.get("/collections/wards").json()["id"] == "wards"


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": "abc"}, {"limit": 20000}, {"offset": -1}, {"offset": "x"}],
)
def test_invalid_parameters_are_400_problems(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/collections/wards/items", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["errors"][0]["pointer"] == f"query.{next(iter(params))}"


def test_unknown_query_parameters_are_400(client: TestClient) -> None:
    response = client.get("/collections/wards/items", params={"limt": 5})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "limt" in response.json()["detail"]
    one = client.get("/collections/wards/items/W01", params={"limit": 5})
    assert one.status_code == 400
    # the known ones still pass, all together
    ok = client.get("/collections/wards/items", params={"limit": 2, "offset": 1, "bbox": "0,0,1,1"})
    assert ok.status_code == 200


def test_the_ogc_format_parameter_is_understood(client: TestClient) -> None:
    # OGC API clients add f=json; it means GeoJSON here, on the list and on one feature
    page = client.get("/collections/wards/items", params={"f": "json", "limit": 3})
    assert page.status_code == 200
    assert page.headers["content-type"] == "application/geo+json"
    assert page.json()["numberReturned"] == 3
    one = client.get("/collections/wards/items/W01", params={"f": "geojson"})
    assert one.status_code == 200
    assert one.json()["id"] == "W01"
    # a format not offered is a 400 that says what to use
    html = client.get("/collections/wards/items", params={"f": "html"})
    assert html.status_code == 400
    assert "f=json" in html.json()["detail"]


def test_one_feature_has_self_and_collection_links(client: TestClient) -> None:
    response = client.get("/collections/wards/items/W01")
    assert response.headers["content-type"] == "application/geo+json"
    links = {link["rel"]: link for link in response.json()["links"]}
    assert links["self"]["href"].endswith("/collections/wards/items/W01")
    assert links["self"]["type"] == "application/geo+json"
    assert links["collection"]["href"].endswith("/collections/wards")


def test_links_never_carry_null_members(client: TestClient) -> None:
    for path in ("/collections", "/collections/wards", "/collections/wards/items"):
        text = client.get(path).text
        assert "null" not in text.split('"links"', 1)[1], path


def _signed_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))


def test_ward_polygons_are_rfc7946_right_hand_and_rounded(client: TestClient) -> None:
    fc = client.get("/collections/wards/items").json()
    assert "crs" not in fc
    for feature in fc["features"]:
        exterior = feature["geometry"]["coordinates"][0]
        assert _signed_area(exterior) > 0  # counter-clockwise exterior
        assert all(round(v, 7) == v for point in exterior for v in point)


@pytest.mark.parametrize(
    "when",
    [
        "2025-10-27T07:00:00Z",  # an instant
        "2025-10-27T14:00:00+07:00",
        "2025-10-27",  # a date
        "2025-10-26T00:00:00Z/2025-10-28T00:00:00Z",  # closed interval
        "../2025-10-28T00:00:00Z",  # open start
        "2025-10-26T00:00:00Z/..",  # open end
        "/2025-10-28T00:00:00Z",  # open start, empty form
        "2025-10-26T00:00:00Z/",
    ],
)
def test_items_take_datetime_in_every_form(client: TestClient, when: str) -> None:
    """/req/core/fc-time-definition: the items operation supports ``datetime``; the city's
    layers have no temporal geometry, and such features match any time."""
    every = client.get("/collections/wards/items", params={"limit": 1}).json()
    response = client.get("/collections/wards/items", params={"datetime": when, "limit": 1})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["numberMatched"] == every["numberMatched"]
    nxt = next(link["href"] for link in doc["links"] if link["rel"] == "next")
    assert "datetime=" in nxt
    again = client.get(nxt.removeprefix("http://testserver"))
    assert again.status_code == 200 and again.json()["numberReturned"] == 1


@pytest.mark.parametrize(
    "when",
    [
        "yesterday",
        "2025-10-27T07:00:00",  # no time zone
        "2025-10-28T00:00:00Z/2025-10-26T00:00:00Z",  # ends before it starts
        "a/b/c",
        "..",
        "2025-13-01",
    ],
)
def test_bad_datetime_is_400(client: TestClient, when: str) -> None:
    response = client.get("/collections/wards/items", params={"datetime": when})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "datetime" in response.json()["detail"]
