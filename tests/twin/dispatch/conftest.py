"""A small synthetic city and flood results for the dispatch tests.

A 800 m x 800 m grid of named streets 200 m apart, split at every crossing, with house
numbers 10 m apart; Lê Văn Hưu (y = 400) has an alley, kiệt 32, going north from x = 300;
Lê Lợi (y = 200) runs through both wards. Ward W01 "Thuận Lộc" is x < 400, W02 "Vĩnh Ninh"
x >= 400. Coordinates are offset into EPSG:32648 near Huế.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import LineString, Point, box

X0, Y0 = 750_000.0, 1_830_000.0
CRS = "EPSG:32648"
ROWS = {0: "Nguyễn Huệ", 200: "Lê Lợi", 400: "Lê Văn Hưu", 600: "Hùng Vương", 800: "Trần Hưng Đạo"}
COLS = {
    0: "Phạm Văn Đồng",
    200: "Bà Triệu",
    400: "Đống Đa",
    600: "Lý Thường Kiệt",
    800: "Điện Biên Phủ",
}


def _fold_ascii(s: str) -> str:
    from twin.dispatch import fold

    return fold(s).title()


def make_city() -> SimpleNamespace:
    """The synthetic city (see the module docstring)."""
    roads: list[dict[str, Any]] = []

    def add(
        rid: str,
        name: str,
        p: tuple[float, float],
        q: tuple[float, float],
        lo: int | None,
        hi: int | None,
        cls: str = "street",
        parent: str | None = None,
        alley: int | None = None,
    ) -> None:
        mid_x = (p[0] + q[0]) / 2
        roads.append(
            {
                "road_id": rid,
                "name": name,
                "name_ascii": _fold_ascii(name),
                "road_class": cls,
                "bridge": False,
                "house_from": lo,
                "house_to": hi,
                "parent_road_id": parent,
                "alley_number": alley,
                "free_speed_kmh": 15.0 if cls == "alley" else 30.0,
                "ward_id": "W01" if mid_x < 400 else "W02",
                "geometry": LineString([(X0 + p[0], Y0 + p[1]), (X0 + q[0], Y0 + q[1])]),
            }
        )

    for y, name in ROWS.items():
        for k, x in enumerate(range(0, 800, 200)):
            if name == "Lê Văn Hưu" and x == 200:
                add(f"R{y}-{k}a", name, (200, y), (300, y), 21, 31)
                add(f"R{y}-{k}b", name, (300, y), (400, y), 32, 40)
            else:
                add(f"R{y}-{k}", name, (x, y), (x + 200, y), 20 * k + 1, 20 * k + 20)
    for x, name in COLS.items():
        for k, y in enumerate(range(0, 800, 200)):
            add(f"C{x}-{k}", name, (x, y), (x, y + 200), 20 * k + 1, 20 * k + 20)
    add("A-LVH-32", "Kiệt 32 Lê Văn Hưu", (300, 400), (300, 500), 1, 20, "alley", "R400-1a", 32)
    df = pd.DataFrame(roads)
    for c in ("house_from", "house_to", "alley_number"):
        df[c] = df[c].astype("Int64")
    roads_gdf = gpd.GeoDataFrame(df, geometry="geometry", crs=CRS)
    wards = gpd.GeoDataFrame(
        {
            "ward_id": ["W01", "W02"],
            "name": ["Thuận Lộc", "Vĩnh Ninh"],
            "name_ascii": ["Thuan Loc", "Vinh Ninh"],
            "kind": ["phuong", "phuong"],
            "population": [10000, 8000],
            "area_km2": [0.5, 0.5],
        },
        geometry=[
            box(X0 - 100, Y0 - 100, X0 + 400, Y0 + 900),
            box(X0 + 400, Y0 - 100, X0 + 900, Y0 + 900),
        ],
        crs=CRS,
    )
    stations = gpd.GeoDataFrame(
        {
            "team_id": ["T1", "T2", "B1", "A1", "B2"],
            "name": ["Truck west", "Truck east", "Boat north-west", "Ambulance", "Boat spare"],
            "vehicle": ["truck", "truck", "boat", "ambulance", "boat"],
            "capacity_persons": [10, 10, 6, 3, 6],
            "status": ["available", "available", "available", "available", "off duty"],
        },
        geometry=[
            Point(X0, Y0),
            Point(X0 + 800, Y0 + 800),
            Point(X0, Y0 + 800),
            Point(X0 + 800, Y0),
            Point(X0 + 800, Y0 + 400),
        ],
        crs=CRS,
    )
    households = gpd.GeoDataFrame(
        {
            "household_id": ["H1", "H2", "H3"],
            "ward_id": ["W02", "W02", "W01"],
            "persons": [2, 4, 3],
            "vulnerable": ["elderly", "children,elderly", "disabled"],
            "phone": ["0905000001", "0905000002", "0905000003"],
        },
        geometry=[Point(X0 + 500, Y0 + 400), Point(X0 + 600, Y0 + 450), Point(X0 + 100, Y0 + 100)],
        crs=CRS,
    )
    import pyproj

    return SimpleNamespace(
        name="synthetic",
        crs=pyproj.CRS(CRS),
        meta={},
        roads=roads_gdf,
        wards=wards,
        stations=stations,
        households=households,
    )


def make_flood(
    depth_fn: Callable[[np.ndarray, np.ndarray, float], np.ndarray],
    *,
    hours: int = 6,
    speed: float = 0.2,
    cell: float = 10.0,
) -> xr.Dataset:
    """A flood result on a 10 m grid over the city; ``depth_fn(x, y, t_s)`` in local metres."""
    xs = np.arange(-100 + cell / 2, 900, cell)
    ys = np.arange(900 - cell / 2, -100, -cell)
    times = np.arange(hours + 1) * 3600.0
    xx, yy = np.meshgrid(xs, ys)
    depth = np.stack([np.clip(depth_fn(xx, yy, t), 0, None) for t in times]).astype("float32")
    return xr.Dataset(
        {
            "depth": (("time", "y", "x"), depth, {"units": "m"}),
            "speed": (
                ("time", "y", "x"),
                np.where(depth > 0, speed, 0).astype("float32"),
                {"units": "m s-1"},
            ),
        },
        coords={"time": times, "y": ys + Y0, "x": xs + X0},
    )


@pytest.fixture(scope="session")
def city() -> SimpleNamespace:
    return make_city()


@pytest.fixture(scope="session")
def network(city: SimpleNamespace) -> Any:
    from twin.dispatch import RoadNetwork

    return RoadNetwork(city.roads)


@pytest.fixture(scope="session")
def index(city: SimpleNamespace) -> Any:
    from twin.dispatch import GeocodeIndex

    return GeocodeIndex(city.roads, city.wards)


@pytest.fixture
def rising_east() -> xr.Dataset:
    """East of x = 400 the water rises 0.4 m/h from t = 0 (1.2 m at 3 h); the west stays dry."""
    return make_flood(lambda x, y, t: np.where(x > 420, 0.4 * t / 3600.0, 0.0))


@pytest.fixture(scope="session")
def flood_factory() -> Callable[..., xr.Dataset]:
    """:func:`make_flood`: ``flood_factory(depth_fn, hours=6, speed=0.2)``."""
    return make_flood


@pytest.fixture(scope="session")
def at() -> Callable[[float, float], tuple[float, float]]:
    """Local metres of the synthetic city -> EPSG:32648 coordinates."""
    return lambda x, y: (X0 + x, Y0 + y)


@pytest.fixture(params=["sqlite", "postgresql"])
def dispatcher_factory(
    request: pytest.FixtureRequest, city: SimpleNamespace, tmp_path: Any
) -> Iterator[Callable[..., Any]]:
    """Dispatchers on one fresh database (keyword arguments go to them), every test twice:
    on a SQLite file in tmp_path and on a PostgreSQL database of its own (skipped, with the
    reason, where there is no PostgreSQL; see tests/conftest.py)."""
    from datetime import UTC, datetime

    from twin.db import make_engine
    from twin.dispatch import Dispatcher

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'twin.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engines: list[Any] = []

    def make(**kw: Any) -> Any:
        if "engine" not in kw:
            engines.append(make_engine(url))
            kw["engine"] = engines[-1]
        kw.setdefault("clock", lambda: datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
        return Dispatcher(city, **kw)

    yield make
    for engine in engines:
        engine.dispose()
