"""Fixtures of the API tests: a tiny city near Huế, an app over it, keys of every role.

The city is 1.2 km square (60 x 60 cells of 20 m, EPSG:32648) with four wards, three roads,
ten street lights, a gauge, two rescue teams, a shelter and two households; it is written as
a city package with ``layers.write_city`` and served through ``TWIN_CITY_PATH``-style settings.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from pyproj import CRS
from shapely.geometry import LineString, Point, box

X0, Y0, CELL, N = 776000.0, 1822200.0, 20.0, 60
"""Top-left corner (m, EPSG:32648), cell size (m) and cells per side of the test city."""


def _frame(rows: list[dict[str, Any]], geoms: list[Any], crs: CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=crs)


def build_test_city() -> Any:
    """A tiny, complete :class:`layers.City` (deterministic)."""
    from layers.city import City
    from layers.grids import new_grid, ward_index_grid

    crs = CRS.from_epsg(32648)
    side = CELL * N
    half = side / 2
    wards = _frame(
        [
            {
                "ward_id": f"W0{i + 1}",
                "name": name,
                "name_ascii": ascii_,
                "kind": "phuong",
                "population": pop,
                "area_km2": (half / 1000) ** 2,
            }
            for i, (name, ascii_, pop) in enumerate(
                [
                    ("Phú Hội", "Phu Hoi", 9000),
                    ("Vĩnh Ninh", "Vinh Ninh", 7000),
                    ("Phước Vĩnh", "Phuoc Vinh", 12000),
                    ("Xuân Phú", "Xuan Phu", 8000),
                ]
            )
        ],
        [
            box(X0, Y0 - half, X0 + half, Y0),
            box(X0 + half, Y0 - half, X0 + side, Y0),
            box(X0, Y0 - side, X0 + half, Y0 - half),
            # clockwise, as some GIS files have it: GeoJSON out must still be counter-clockwise
            box(X0 + half, Y0 - side, X0 + side, Y0 - half, ccw=False),
        ],
        crs,
    )
    ymid = Y0 - half
    roads = _frame(
        [
            {
                "road_id": "R1",
                "name": "Lê Lợi",
                "name_ascii": "Le Loi",
                "road_class": "arterial",
                "bridge": False,
                "house_from": 1,
                "house_to": 99,
                "parent_road_id": None,
                "alley_number": None,
                "free_speed_kmh": 40.0,
                "ward_id": "W01",
            },
            {
                "road_id": "R2",
                "name": "Lê Văn Hưu",
                "name_ascii": "Le Van Huu",
                "road_class": "street",
                "bridge": False,
                "house_from": 1,
                "house_to": 60,
                "parent_road_id": None,
                "alley_number": None,
                "free_speed_kmh": 30.0,
                "ward_id": "W02",
            },
            {
                "road_id": "R3",
                "name": "Kiệt 32 Lê Văn Hưu",
                "name_ascii": "Kiet 32 Le Van Huu",
                "road_class": "alley",
                "bridge": False,
                "house_from": None,
                "house_to": None,
                "parent_road_id": "R2",
                "alley_number": 32,
                "free_speed_kmh": 15.0,
                "ward_id": "W04",
            },
        ],
        [
            LineString([(X0 + 10, ymid), (X0 + side - 10, ymid)]),
            LineString([(X0 + half, Y0 - 10), (X0 + half, Y0 - side + 10)]),
            LineString([(X0 + half, ymid - 200), (X0 + half + 300, ymid - 200)]),
        ],
        crs,
    )
    for col in ("house_from", "house_to", "alley_number"):
        roads[col] = roads[col].astype("Int64")
    lights = _frame(
        [
            {
                "light_id": f"L{i:03d}",
                "road_id": "R1",
                "ward_id": "W01" if i < 5 else "W02",
                "circuit_id": "C1",
                "status": "off" if i == 9 else "working",
            }
            for i in range(10)
        ],
        [Point(X0 + 60 + 120 * i, ymid + 8) for i in range(10)],
        crs,
    )
    dams = _frame(
        [
            {
                "dam_id": "binh_dien",
                "name": "Bình Điền",
                "river": "Hương",
                "normal_level_m": 80.0,
                "spillway_crest_m": 70.0,
                "spillway_width_m": 60.0,
                "discharge_coeff": 2.0,
                "gate_count": 5,
                "storage_levels_m": "[60, 80, 90]",
                "storage_volumes_m3": "[1e8, 3e8, 4.5e8]",
                "entry_x": X0 + 10,
                "entry_y": ymid,
            }
        ],
        [Point(X0 - 5000, ymid)],
        crs,
    )
    gauges = _frame(
        [
            {
                "gauge_id": "kim_long",
                "name": "Kim Long",
                "kind": "river",
                "river": "Hương",
                "alarm1_m": 1.0,
                "alarm2_m": 2.0,
                "alarm3_m": 3.5,
            }
        ],
        [Point(X0 + 100, ymid + 100)],
        crs,
    )
    stations = _frame(
        [
            {
                "team_id": "T1",
                "name": "Đội cứu hộ 1",
                "vehicle": "boat",
                "capacity_persons": 8,
                "status": "available",
            },
            {
                "team_id": "T2",
                "name": "Đội cứu hộ 2",
                "vehicle": "truck",
                "capacity_persons": 12,
                "status": "available",
            },
        ],
        [Point(X0 + 200, Y0 - 200), Point(X0 + side - 200, Y0 - side + 200)],
        crs,
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
        [Point(X0 + side - 300, Y0 - 300)],
        crs,
    )
    households = _frame(
        [
            {
                "household_id": "H1",
                "ward_id": "W03",
                "persons": 3,
                "vulnerable": "elderly",
                "phone": "0905000001",
            },
            {
                "household_id": "H2",
                "ward_id": "W04",
                "persons": 5,
                "vulnerable": "children,ill",
                "phone": "0905000002",
            },
        ],
        [Point(X0 + 300, Y0 - side + 300), Point(X0 + side - 300, Y0 - side + 250)],
        crs,
    )
    cols = np.arange(N)[None, :]
    rows = np.arange(N)[:, None]
    elevation = (1.0 + 0.05 * cols + 0.4 * np.abs(rows - N / 2) / N * 10).astype("float32")
    dem = new_grid(
        elevation, x0=X0, y0=Y0, cell_m=CELL, crs=crs, name="elevation", attrs={"units": "m"}
    )
    manning = new_grid(
        np.full((N, N), 0.03, dtype="float32"),
        x0=X0,
        y0=Y0,
        cell_m=CELL,
        crs=crs,
        name="manning",
        attrs={"units": "s m-1/3"},
    )
    return City(
        name="Test city",
        crs=crs,
        meta={"name": "Test city"},
        wards=wards,
        roads=roads,
        lights=lights,
        dams=dams,
        gauges=gauges,
        stations=stations,
        shelters=shelters,
        households=households,
        dem=dem,
        manning=manning,
        ward_index=ward_index_grid(dem, wards),
    )


@pytest.fixture(scope="session")
def city_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test city written as a city package."""
    from layers.io import write_city

    return write_city(build_test_city(), tmp_path_factory.mktemp("city") / "city")


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory, city_path: Path) -> Any:
    """Settings over the test city and a fresh SQLite database per test module."""
    from api.settings import Settings

    folder = tmp_path_factory.mktemp("data")
    return Settings(
        city_path=city_path,
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'twin.db'}",
        max_body_bytes=64 * 1024,
    )


@pytest.fixture(scope="module")
def client(app_settings: Any) -> Iterator[TestClient]:
    """A TestClient over the app (module-scoped: one app and database per test module)."""
    from api import create_app

    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tokens(client: TestClient) -> dict[str, str]:
    """One API token per role."""
    from twin.keys import create_key

    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    return {role: create_key(engine, role=role)[1] for role in ("dispatcher", "operator", "admin")}


@pytest.fixture(scope="module")
def live_server(app_settings: Any) -> Iterator[str]:
    """The app under uvicorn on a free loopback port (for real HTTP clients); its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    from api import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(app_settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def synthetic_result() -> xr.Dataset:
    """A flood result on the test city's grid: water in the west, deepening over 4 outputs."""
    cols = np.arange(N)[None, None, :]
    k = np.arange(4)[:, None, None]
    depth = np.clip(1.5 - 0.05 * cols, 0, None) * k / 3 * np.ones((1, N, 1))
    speed = np.where(depth > 0, 0.4, 0.0)
    arrival = np.where(depth[-1] > 0, 600.0 + 30 * cols[0], np.nan) * np.ones((N, 1))
    x = X0 + CELL * (np.arange(N) + 0.5)
    y = Y0 - CELL * (np.arange(N) + 0.5)
    times = pd.date_range("2025-10-27T00:00:00", periods=4, freq="30min").values
    dims = ("time", "y", "x")
    ds = xr.Dataset(
        {
            "depth": (dims, depth.astype("float32"), {"units": "m"}),
            "wse": (dims, (depth + 1).astype("float32"), {"units": "m"}),
            "speed": (dims, speed.astype("float32"), {"units": "m s-1"}),
            "max_depth": (("y", "x"), depth.max(axis=0).astype("float32"), {"units": "m"}),
            "max_speed": (("y", "x"), speed.max(axis=0).astype("float32"), {"units": "m s-1"}),
            "arrival_time": (("y", "x"), arrival.astype("float32"), {"units": "s"}),
        },
        coords={"time": times, "y": y, "x": x},
    )
    return ds.rio.write_crs("EPSG:32648")


@pytest.fixture(scope="module")
def run_id(client: TestClient) -> str:
    """A finished run made without the solver: its files and its record in the runs table.

    Ward W01 (west, wet) has an impact of 2,900 people in danger for some.
    """
    from twin.db import session_scope
    from twin.runs import RunRecord

    state = client.app.state.twin  # type: ignore[attr-defined]
    rid = uuid.uuid4().hex
    folder: Path = state.runs_dir / rid
    folder.mkdir(parents=True)
    synthetic_result().to_netcdf(folder / "flood.nc")
    wards = state.layer_wgs84("wards")
    impact = wards[["ward_id", "name", "geometry"]].copy()
    impact["people_hazard_some"] = [2900, 0, 1500, 0]
    impact["max_depth_m"] = [1.45, 0.0, 1.45, 0.0]
    (folder / "impact_wards.geojson").write_text(impact.to_json(), encoding="utf-8")
    with session_scope(state.engine) as session:
        session.add(
            RunRecord(
                id=rid,
                scenario="synthetic",
                kind="scenario",
                status="finished",
                started=datetime.now(UTC),
                finished=datetime.now(UTC),
                out_dir=str(folder),
                summary_json=json.dumps({"totals": {"people_exposed": 1234}}),
            )
        )
    return rid
