"""Fixtures of the twin's map, export and bulletin tests: impact layers over the example result."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from hydro.accessor import example_result

CRS = "EPSG:32648"


@pytest.fixture
def impact_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    ds = example_result()
    x0, x1 = float(ds.x.min()) - 10, float(ds.x.max()) + 10
    y0, y1 = float(ds.y.min()) - 10, float(ds.y.max()) + 10
    mid = (x0 + x1) / 2
    wards = gpd.GeoDataFrame(
        {
            "ward_id": ["W01", "W02"],
            "name": ["Phú Xuân", "Vỹ Dạ"],
            "population": [12345, 500],
            "people_depth_gt_0_5m": [1234, 0],
            "people_hazard_all": [10, 0],
            "max_depth_m": [3.5672919750213623, 0.0],
            "arrival_time": [pd.Timestamp("2025-10-27T01:30:00Z"), pd.NaT],
        },
        geometry=[box(x0, y0, mid, y1), box(mid, y0, x1, y1)],
        crs=CRS,
    )
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["R1"],
            "name": ["Lê Lợi"],
            "cut_car": [True],
            "max_depth_m": [0.41234],
            "impassable_car_time": [pd.Timestamp("2025-10-27T02:00:00Z")],
        },
        geometry=[LineString([(x0, y0 + 5), (x1, y0 + 5)])],
        crs=CRS,
    )
    lights = gpd.GeoDataFrame(
        {"light_id": ["L1"], "circuit_id": ["C1"], "max_depth_m": [0.7], "in_water": [True]},
        geometry=[Point(mid, (y0 + y1) / 2)],
        crs=CRS,
    )
    return wards, roads, lights
