"""The dispatch on the Huế demo city (layers) and on a hydro.FloodModel result."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

import hydro
import layers
from twin.db import make_engine
from twin.dispatch import Dispatcher, FloodState, GeocodeIndex, Route, TeamStart, geocode


@pytest.fixture(scope="module")
def demo() -> Any:
    return layers.load_city(layers.ensure_demo_city())


def bathtub(city: Any) -> xr.Dataset:
    """Water level rising 1.5 -> 4.0 m over 12 h over the demo DEM; 0.3 m/s where wet."""
    dem = np.nan_to_num(city.dem.values.astype("float32"), nan=99.0)
    times = np.arange(13) * 3600.0
    depth = np.clip((1.5 + 2.5 * times / times[-1])[:, None, None] - dem[None], 0, None)
    return xr.Dataset(
        {
            "depth": (("time", "y", "x"), depth.astype("float32")),
            "speed": (("time", "y", "x"), np.where(depth > 0, 0.3, 0.0).astype("float32")),
        },
        coords={"time": times, "y": city.dem.y.values, "x": city.dem.x.values},
    )


@pytest.mark.parametrize(
    ("text", "name", "house", "alley"),
    [
        ("kiet 26 kim long", "Kiệt 26 Kim Long", None, 26),
        ("Kiệt 26 Kim Long", "Kiệt 26 Kim Long", None, 26),
        ("kiet 32 le van huu", "Kiệt 32 Lê Văn Hưu", None, 32),
        ("20 Lê Lợi", "Lê Lợi", 20, None),
        ("20 le loi", "Lê Lợi", 20, None),
        ("5 duong quy hoach so 1", "Đường quy hoạch số 1", 5, None),
    ],
)
def test_demo_city_addresses(
    demo: Any, text: str, name: str, house: int | None, alley: int | None
) -> None:
    # Expected by the road's own attributes, not by id: ids change when the demo is rebuilt.
    r = geocode(text, GeocodeIndex(demo.roads, demo.wards))
    assert r.status == "matched" and r.best is not None
    road = demo.roads.set_index("road_id").loc[r.best.road_id]
    assert road["name"] == name
    if house is not None:
        assert road["house_from"] <= house <= road["house_to"]
    if alley is not None:
        assert road["alley_number"] == alley
        parent = demo.roads.set_index("road_id").loc[road["parent_road_id"]]
        assert name.endswith(parent["name"])


def test_demo_city_call_to_team(demo: Any, tmp_path: Path) -> None:
    d = Dispatcher(
        demo,
        engine=make_engine(f"sqlite:///{tmp_path / 'demo.db'}"),
        flood=bathtub(demo),
        now=3 * 3600.0,
        clock=lambda: datetime(2026, 11, 2, 3, 0, tzinfo=UTC),
    )
    call = d.intake(
        phone="0905123456", address="kiệt 26 Kim Long", people=3, vulnerable={"elderly": 1}
    )
    assert call.located and call.ward_id == "W12"
    prop = d.propose(call.call_id)
    assert prop.best is not None or prop.reason.startswith("no team can reach")
    for option in prop.options:
        lon, lat = option.route.to_geojson()["geometry"]["coordinates"][-1]
        assert 107.3 < lon < 107.9 and 16.2 < lat < 16.7
        assert option.eta_s >= 0
    out = d.outbound(6)
    ttd = [e.time_to_danger_s for e in out]
    assert ttd == sorted(ttd) and all(t <= 6 * 3600 for t in ttd)
    assert any(e.kind == "household" for e in out)


def test_a_flood_model_result_is_read_as_it_comes(city: Any, network: Any, at: Any) -> None:
    """hydro.FloodModel output (datetime times, CF attrs) goes straight into the dispatch."""
    x = city.roads.total_bounds[0] - 100 + np.arange(5.0, 1000.0, 10.0)
    y = city.roads.total_bounds[1] - 100 + np.arange(995.0, 0.0, -10.0)
    xx, _ = np.meshgrid(x - x[0], y)
    elevation = xr.DataArray(
        np.zeros_like(xx, dtype="float32"),
        coords={"y": y, "x": x},
        dims=("y", "x"),
        name="elevation",
        attrs={"units": "m"},
    )
    model = hydro.FloodModel(elevation, manning=0.03)
    initial = xr.zeros_like(elevation) + np.where(xx < 300, 4.0, 0.0).astype("float32")
    model.set_initial_depth(initial)
    result = model.run(until=1800.0, output_every=600.0, start="2026-11-02T00:00")
    fs = FloodState(result, now=datetime(2026, 11, 2, 0, 10, tzinfo=UTC))
    risk = fs.assess(*at(105, 405))
    iy, ix = (
        int(np.argmin(np.abs(y - at(105, 405)[1]))),
        int(np.argmin(np.abs(x - at(105, 405)[0]))),
    )
    assert risk.depth_m == pytest.approx(float(result.depth[1, iy, ix]), abs=1e-3)
    assert risk.depth_m > 0.4 and risk.peak_at is not None
    res = network.routes_to(
        *at(105, 405),
        [TeamStart("T", "truck", *at(800, 0)), TeamStart("B", "boat", *at(800, 0))],
        flood=fs,
    )
    # the pond spreads over the closed, flat domain (about 1.2 m everywhere within the hour);
    # whether the boat sets off afloat or is towed first depends on how fast the front moves
    assert "under" in str(res["T"])
    boat = res["B"]
    assert isinstance(boat, Route) and boat.legs[-1].mode == "boat"
    assert {g.mode for g in boat.legs} <= {"trailer", "transfer", "boat"}
