"""Grids on the DEM (Manning's n, ward index) and the road network graph."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, box

import layers
from layers import City
from layers.grids import LANDUSE, MANNING_N, ROAD_MANNING_N, grid_transform
from layers.network import node_lines


def test_new_grid_coordinates_and_transform() -> None:
    grid = layers.new_grid(
        np.zeros((3, 4)), x0=100.0, y0=900.0, cell_m=30.0, crs="EPSG:32648", name="z"
    )
    assert grid.x.values.tolist() == [115.0, 145.0, 175.0, 205.0]
    assert grid.y.values.tolist() == [885.0, 855.0, 825.0]
    assert tuple(grid_transform(grid))[:6] == (30.0, 0.0, 100.0, 0.0, -30.0, 900.0)
    assert grid.rio.crs.to_epsg() == 32648


def test_manning_by_land_use_and_roads(fresh_city: City) -> None:
    n = fresh_city.manning.values
    lu = fresh_city.landuse.values
    assert n[lu == LANDUSE["water"]] == pytest.approx(MANNING_N["water"])
    # Lê Lợi runs along row 10 (y = Y0 - 300 m lies on the edge of rows 9 and 10).
    street_row = n[10, 2:38]
    assert street_row == pytest.approx(ROAD_MANNING_N)
    assert n[5, 5] == pytest.approx(MANNING_N["urban"])
    # The bridge (column 20, down to row 26) leaves the river's n as it is.
    assert n[20, 20] == pytest.approx(MANNING_N["water"])
    plain = layers.manning_grid(fresh_city.dem)
    assert np.unique(plain.values).tolist() == pytest.approx([MANNING_N["unknown"]])
    assert plain.attrs["units"] == "s m-1/3"


def test_ward_index(fresh_city: City) -> None:
    index = fresh_city.ward_index.values
    assert index.dtype == np.int32
    assert (index[:, :20] == 0).all() and (index[:, 20:] == 1).all()
    one_ward = fresh_city.wards.iloc[[0]]
    assert (layers.ward_index_grid(fresh_city.dem, one_ward).values[:, 20:] == -1).all()


def test_node_lines_crossing_and_t_junction() -> None:
    cross = [LineString([(0, 0), (10, 0)]), LineString([(4, -5), (4, 5)])]
    pieces, source = layers.node_lines(cross)
    assert source == [0, 0, 1, 1]
    assert [p.coords[-1] for p in pieces[::2]] == [(4.0, 0.0), (4.0, 0.0)]
    t_junction = [LineString([(0, 0), (10, 0)]), LineString([(3.3, 0.6), (3.3, 9)])]
    pieces, source = layers.node_lines(t_junction, snap_m=1.0)
    assert pieces[2].coords[0] == (3.3, 0.0) == pieces[0].coords[-1]
    far = [LineString([(0, 0), (10, 0)]), LineString([(3, 2), (3, 9)])]
    assert len(layers.node_lines(far, snap_m=1.0)[0]) == 2  # 2 m away: not a junction


def test_node_roads_shares_house_numbers() -> None:
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["a", "b"],
            "name": ["Lê Lợi", "Hùng Vương"],
            "house_from": pd.array([1, pd.NA], dtype="Int64"),
            "house_to": pd.array([101, pd.NA], dtype="Int64"),
            "free_speed_kmh": [30.0, 30.0],
            "road_class": ["street", "street"],
            "bridge": [False, False],
        },
        geometry=[LineString([(0, 0), (400, 0)]), LineString([(100, -50), (100, 50)])],
        crs="EPSG:32648",
    )
    noded = layers.node_roads(roads)
    assert noded["road_id"].tolist() == ["a-1", "a-2", "b-1", "b-2"]
    assert noded["house_from"].tolist()[:2] == [1, 26]
    assert noded["house_to"].tolist()[:2] == [26, 101]
    assert noded["house_from"].isna().tolist()[2:] == [True, True]
    graph = layers.road_graph(noded)
    assert nx.is_connected(graph) and graph.degree[(100.0, 0.0)] == 4


def test_city_summary(fresh_city: City) -> None:
    summary = fresh_city.summary()
    assert summary["population"] == 16000
    assert summary["counts"]["roads"] == 4 and summary["bridges"] == 1
    assert summary["dem"]["rows"] == 30 and summary["dem"]["cols"] == 40
    assert summary["extent_m"] == [776000.0, 1821300.0, 777200.0, 1822200.0]
    assert summary["broken_lights"] == 1
    assert box(*summary["extent_m"]).area == pytest.approx(1200 * 900)


def test_empty_layer_and_ascii() -> None:
    empty = layers.empty_layer("roads", "EPSG:32648")
    assert len(empty) == 0 and empty.crs.to_epsg() == 32648
    assert empty["bridge"].dtype == bool and empty["house_from"].dtype == "Int64"
    assert layers.to_ascii("Đường Lê Văn Hưu, Thừa Thiên Huế") == "Duong Le Van Huu, Thua Thien Hue"


def test_a_way_of_one_repeated_node_near_a_road_does_not_crash() -> None:
    # OSM has ways whose nodes all sit on one point; snapped onto a road, such a way meets it
    # in an empty line (this raised IndexError).
    road = LineString([(0, 0), (10, 0)])
    stub = LineString([(5, 0.5), (5, 0.5)])
    pieces, source = node_lines([road, stub])
    assert [p.wkt for p in pieces] == ["LINESTRING (0 0, 5 0)", "LINESTRING (5 0, 10 0)"]
    assert source == [0, 0]
