"""RFC 7946 GeoJSON from a layer: lon/lat WGS 84, right-hand rings, rounding, no crs member."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.polygon import LinearRing

from layers import LayerError, orient_rfc7946, to_geojson_dict, write_geojson

X0, Y0 = 776000.0, 1822200.0  # EPSG:32648, near Huế


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring)
    return 0.5 * float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))


def _clockwise_with_hole() -> Polygon:
    outer = [(X0, Y0), (X0, Y0 + 500), (X0 + 500, Y0 + 500), (X0 + 500, Y0)]  # clockwise
    hole = [(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 100), (X0 + 200, Y0 + 200), (X0 + 100, Y0 + 200)]
    assert not LinearRing(outer).is_ccw and LinearRing(hole).is_ccw
    return Polygon(outer, [hole])


@pytest.fixture
def utm_layer() -> gpd.GeoDataFrame:
    geoms = [
        _clockwise_with_hole(),
        MultiPolygon([box(X0 + 600, Y0, X0 + 700, Y0 + 100, ccw=False)]),
        LineString([(X0, Y0), (X0 + 1000, Y0 + 10)]),
        Point(X0 + 1.23456789, Y0),
    ]
    return gpd.GeoDataFrame(
        {
            "id": ["A", "B", "C", "D"],
            "depth_m": [0.5, np.nan, np.inf, -np.inf],
            "arrival": pd.to_datetime(
                [datetime(2025, 10, 27, 2, 10, tzinfo=UTC), None, None, None], utc=True
            ),
        },
        geometry=geoms,
        crs="EPSG:32648",
    )


def test_polygons_follow_the_right_hand_rule(utm_layer: gpd.GeoDataFrame) -> None:
    doc = to_geojson_dict(utm_layer)
    polygon = doc["features"][0]["geometry"]
    assert polygon["type"] == "Polygon"
    exterior, hole = polygon["coordinates"]
    assert _signed_area(exterior) > 0  # counter-clockwise
    assert _signed_area(hole) < 0  # clockwise
    multi = doc["features"][1]["geometry"]["coordinates"]
    assert _signed_area(multi[0][0]) > 0


def test_lon_lat_wgs84_rounded_and_no_crs_member(utm_layer: gpd.GeoDataFrame) -> None:
    doc = to_geojson_dict(utm_layer)
    assert "crs" not in doc
    lon, lat = doc["features"][3]["geometry"]["coordinates"]
    assert 107.5 < lon < 107.7 and 16.4 < lat < 16.5
    for value in (lon, lat):
        assert round(value, 7) == value
        assert len(repr(value).split(".")[1]) <= 7
    coarse = to_geojson_dict(utm_layer, precision=3)
    lon3, lat3 = coarse["features"][3]["geometry"]["coordinates"]
    assert (lon3, lat3) == (round(lon, 3), round(lat, 3))


def test_values_are_json_null_or_iso_times(utm_layer: gpd.GeoDataFrame) -> None:
    doc = to_geojson_dict(utm_layer, id_column="id")
    props = [f["properties"] for f in doc["features"]]
    assert [p["depth_m"] for p in props] == [0.5, None, None, None]
    assert props[0]["arrival"] == "2025-10-27T02:10:00+00:00"
    assert props[1]["arrival"] is None
    assert [f["id"] for f in doc["features"]] == ["A", "B", "C", "D"]
    json.dumps(doc, allow_nan=False)  # strictly valid JSON


def test_write_geojson_keeps_diacritics(tmp_path: Path, utm_layer: gpd.GeoDataFrame) -> None:
    utm_layer["name"] = ["Phú Hội", "Vĩnh Ninh", "Lê Lợi", "Đèn"]
    path = write_geojson(utm_layer, tmp_path / "out.geojson")
    text = path.read_text(encoding="utf-8")
    assert "Phú Hội" in text
    doc = json.loads(text)
    assert doc == to_geojson_dict(utm_layer)
    # the input frame is not changed
    assert utm_layer.crs.to_epsg() == 32648
    assert not utm_layer.geometry.iloc[0].exterior.is_ccw


def test_empty_layer_and_wgs84_input() -> None:
    empty = gpd.GeoDataFrame({"a": []}, geometry=[], crs="EPSG:32648")
    assert to_geojson_dict(empty) == {"type": "FeatureCollection", "features": []}
    lonlat = gpd.GeoDataFrame(geometry=[Point(107.123456789, 16.5)], crs="EPSG:4326")
    assert to_geojson_dict(lonlat)["features"][0]["geometry"]["coordinates"] == [107.1234568, 16.5]


def test_orient_without_orient_polygons(monkeypatch: pytest.MonkeyPatch) -> None:
    import shapely

    expected = orient_rfc7946([_clockwise_with_hole()])[0]
    monkeypatch.delattr(shapely, "orient_polygons", raising=False)
    (polygon,) = orient_rfc7946([_clockwise_with_hole()])
    assert polygon.exterior.is_ccw and not polygon.interiors[0].is_ccw
    assert polygon.equals(expected)
    multi = orient_rfc7946([MultiPolygon([box(0, 0, 1, 1, ccw=False)]), None])
    assert multi[0].geoms[0].exterior.is_ccw and multi[1] is None


def test_bad_inputs() -> None:
    no_crs = gpd.GeoDataFrame(geometry=[Point(0, 0)])
    with pytest.raises(LayerError, match="no CRS"):
        to_geojson_dict(no_crs)
    layer = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(LayerError, match="precision"):
        to_geojson_dict(layer, precision=-1)
    with pytest.raises(LayerError, match="id_column"):
        to_geojson_dict(layer, id_column="nope")
    with pytest.raises(LayerError, match="GeoDataFrame"):
        to_geojson_dict(pd.DataFrame({"a": [1]}))  # type: ignore[arg-type]
