"""Fixtures of the layers tests: a small hand-made city, and the Huế demo city (built once)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS
from shapely import LineString, Point, box

import layers
from layers import City, new_grid, ward_index_grid
from layers.grids import LANDUSE, LANDUSE_ATTRS, manning_grid

X0, Y0, CELL, ROWS, COLS = 776000.0, 1822200.0, 30.0, 30, 40
CRS_UTM = CRS.from_epsg(32648)


def _frame(rows: list[dict[str, Any]], geoms: list[Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=CRS_UTM)


def small_city() -> City:
    """A 1.2 x 0.9 km city: two wards, a street with an alley, a bridge, one of each point.

    Coordinates are near Huế (EPSG:32648); the DEM falls from west to east with a channel
    along row 20.
    """
    width, height = COLS * CELL, ROWS * CELL
    mid = X0 + width / 2
    wards = _frame(
        [
            {
                "ward_id": "W01",
                "name": "Phú Hội",
                "name_ascii": "Phu Hoi",
                "kind": "phuong",
                "population": 9000,
                "area_km2": 0.54,
            },
            {
                "ward_id": "W02",
                "name": "Vĩnh Ninh",
                "name_ascii": "Vinh Ninh",
                "kind": "xa",
                "population": 7000,
                "area_km2": 0.54,
            },
        ],
        [box(X0, Y0 - height, mid, Y0), box(mid, Y0 - height, X0 + width, Y0)],
    )
    y_street = Y0 - 300.0
    road_rows = [
        ("R1", "Lê Lợi", "street", False, 1, 100, None, None, "W01"),
        ("R2", "Lê Lợi", "street", False, 100, 250, None, None, "W02"),
        ("R3", "Kiệt 32 Lê Lợi", "alley", False, None, None, "R1", 32, "W01"),
        ("R4", "Cầu Trường Tiền", "arterial", True, None, None, None, None, "W02"),
    ]
    roads = _frame(
        [
            {
                "road_id": r,
                "name": n,
                "name_ascii": layers.to_ascii(n),
                "road_class": c,
                "bridge": b,
                "house_from": hf,
                "house_to": ht,
                "parent_road_id": p,
                "alley_number": a,
                "free_speed_kmh": {"street": 30.0, "alley": 15.0}.get(c, 50.0),
                "ward_id": w,
            }
            for r, n, c, b, hf, ht, p, a, w in road_rows
        ],
        [
            LineString([(X0 + 30, y_street), (mid, y_street)]),
            LineString([(mid, y_street), (X0 + width - 30, y_street)]),
            LineString([(X0 + 124, y_street), (X0 + 124, y_street - 80)]),
            LineString([(mid, y_street), (mid, Y0 - 800)]),
        ],
    )
    for col in ("house_from", "house_to", "alley_number"):
        roads[col] = roads[col].astype("Int64")
    lights = _frame(
        [
            {
                "light_id": f"L{i}",
                "road_id": "R1" if i < 3 else "R2",
                "ward_id": "W01" if i < 3 else "W02",
                "circuit_id": "C1",
                "status": "broken" if i == 4 else "working",
            }
            for i in range(6)
        ],
        [Point(X0 + 100 + 180 * i, y_street) for i in range(6)],
    )
    dams = _frame(
        [
            {
                "dam_id": "ta-trach",
                "name": "Tả Trạch",
                "river": "Tả Trạch",
                "normal_level_m": 45.0,
                "spillway_crest_m": 35.0,
                "spillway_width_m": 65.0,
                "discharge_coeff": 2.0,
                "gate_count": 5,
                "storage_levels_m": "[10.0, 45.0, 51.0]",
                "storage_volumes_m3": "[0.0, 646000000.0, 900000000.0]",
                "entry_x": X0 + 45.0,
                "entry_y": Y0 - 615.0,
            }
        ],
        [Point(X0 - 20000, Y0 - 30000)],
    )
    gauges = _frame(
        [
            {
                "gauge_id": "kim-long",
                "name": "Kim Long",
                "kind": "river",
                "river": "Hương",
                "alarm1_m": 1.0,
                "alarm2_m": 2.0,
                "alarm3_m": 3.5,
            },
            {
                "gauge_id": "rain-hue",
                "name": "Huế",
                "kind": "rain",
                "river": None,
                "alarm1_m": np.nan,
                "alarm2_m": np.nan,
                "alarm3_m": np.nan,
            },
        ],
        [Point(X0 + 600, Y0 - 615), Point(X0 + 300, Y0 - 100)],
    )
    stations = _frame(
        [
            {
                "team_id": "T1",
                "name": "Đội xuồng 1",
                "vehicle": "boat",
                "capacity_persons": 8,
                "status": "available",
            },
            {
                "team_id": "T2",
                "name": "Đội xe 2",
                "vehicle": "truck",
                "capacity_persons": 20,
                "status": "off duty",
            },
        ],
        [Point(X0 + 30, y_street), Point(X0 + width - 30, y_street)],
    )
    shelters = _frame(
        [
            {
                "shelter_id": "S1",
                "name": "Trường Quốc Học",
                "capacity_persons": 500,
                "ward_id": "W02",
            }
        ],
        [Point(X0 + 900, Y0 - 200)],
    )
    households = _frame(
        [
            {
                "household_id": "H1",
                "ward_id": "W01",
                "persons": 3,
                "vulnerable": "elderly",
                "phone": "+84000000001",
            },
            {
                "household_id": "H2",
                "ward_id": "W02",
                "persons": 5,
                "vulnerable": "children,ill",
                "phone": "+84000000002",
            },
        ],
        [Point(X0 + 130, y_street - 50), Point(X0 + 1000, y_street - 10)],
    )
    cols = np.arange(COLS)[None, :]
    rows = np.arange(ROWS)[:, None]
    z = 5.0 - 0.05 * cols + 0.1 * np.abs(rows - 20) - 2.0 * (rows == 20)
    grid = {"x0": X0, "y0": Y0, "cell_m": CELL, "crs": CRS_UTM}
    dem = new_grid(z.astype("float32"), name="elevation", attrs={"units": "m"}, **grid)
    codes = np.where(rows == 20, LANDUSE["water"], LANDUSE["urban"]) * np.ones_like(cols)
    landuse = new_grid(codes.astype("int8"), name="landuse", attrs=LANDUSE_ATTRS, **grid)
    return City(
        name="Small city",
        crs=CRS_UTM,
        meta={"name": "Small city", "crs": "EPSG:32648", "sources": {"all": "made up"}},
        wards=wards,
        roads=roads,
        lights=lights,
        dams=dams,
        gauges=gauges,
        stations=stations,
        shelters=shelters,
        households=households,
        dem=dem,
        manning=manning_grid(dem, landuse=landuse, roads=roads),
        ward_index=ward_index_grid(dem, wards),
        landuse=landuse,
    )


@pytest.fixture
def fresh_city() -> City:
    """A new small city, free to change."""
    return small_city()


@pytest.fixture(scope="session")
def small_city_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small city written once as a package (do not modify: copy it)."""
    return layers.write_city(small_city(), tmp_path_factory.mktemp("small") / "city")


@pytest.fixture
def city_copy(small_city_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of the small city package, free to break."""
    return Path(shutil.copytree(small_city_dir, tmp_path / "city"))


@pytest.fixture
def write_bad(tmp_path: Path) -> Callable[[Callable[[City], None]], Path]:
    """Write the small city after a change that breaks it; return the package folder."""

    def make(change: Callable[[City], None]) -> Path:
        city = small_city()
        change(city)
        return layers.write_city(city, tmp_path / "bad")

    return make


@pytest.fixture(scope="session")
def demo_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """The Huế demo city built twice into two folders, and the seconds one build took."""
    root = tmp_path_factory.mktemp("demo")
    start = time.perf_counter()
    first = layers.build_demo_city(root / "one")
    seconds = time.perf_counter() - start
    second = layers.build_demo_city(root / "two")
    return first, second, seconds


@pytest.fixture(scope="session")
def demo_city(demo_builds: tuple[Path, Path, float]) -> City:
    """The Huế demo city, loaded."""
    return layers.load_city(demo_builds[0])


@pytest.fixture(scope="session")
def make_small_city() -> Callable[[], City]:
    """The small city's builder, for tests that build many broken cities from it."""
    return small_city
