"""save_state / load_state: a run stopped and resumed equals one run straight through."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from hydro import FloodModel, HydroError


def _model(make_dem, dtype: str) -> FloodModel:
    rng = np.random.default_rng(2)
    z = rng.uniform(0, 0.5, (10, 12)) + np.linspace(1.0, 0.0, 12)[None, :]
    dem = make_dem(z, dx=5.0, crs="EPSG:32648")
    model = FloodModel(dem, dtype=dtype, manning=xr.full_like(dem, 0.04))
    model.add_rain(xr.DataArray([60.0, 0.0], coords={"time": [0.0, 1200.0]}, dims="time"))
    model.add_rain(
        xr.DataArray(
            np.full((2, 3, 3), 1e-6),
            coords={"time": [0.0, 1800.0], "y": [45.0, 25.0, 5.0], "x": [5.0, 30.0, 55.0]},
            dims=("time", "y", "x"),
            attrs={"units": "m s-1"},
        )
    )
    model.add_loss(1.0)
    model.add_inflow(x=3.0, y=20.0, discharge=xr.DataArray([0.0, 0.3], coords={"time": [0, 900]}))
    model.set_boundary("east", "free", slope=0.01)
    model.set_boundary("south", "level", level=0.4)
    return model


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_stop_and_resume_equals_straight_through(make_dem, tmp_path, dtype: str) -> None:
    """Equal to the last bit: the same steps in the same order on the same numbers."""
    straight = _model(make_dem, dtype)
    full = straight.run(until=1800, output_every=300)

    first = _model(make_dem, dtype)
    first.run(until=900, output_every=300)
    first.save_state(tmp_path / "state.npz")
    resumed = FloodModel.load_state(tmp_path / "state.npz")
    assert resumed.time == 900.0
    rest = resumed.run(until=1800, output_every=300)

    np.testing.assert_array_equal(rest.time.values, full.time.values[3:])
    for name in ("depth", "wse", "speed"):
        np.testing.assert_array_equal(rest[name].values[1:], full[name].values[4:])
    for name in ("max_depth", "max_speed", "arrival_time"):
        np.testing.assert_array_equal(rest[name].values, full[name].values)
    assert rest.attrs["total_steps"] == full.attrs["total_steps"]
    for key, value in straight.volume_balance.items():
        assert resumed.volume_balance[key] == pytest.approx(value, rel=1e-12, abs=1e-12)
    assert rest.rio.crs.to_epsg() == 32648


def test_state_keeps_start_date(make_dem, tmp_path) -> None:
    model = FloodModel(make_dem(np.zeros((3, 3))), dtype="float64")
    model.add_rain(36.0)
    model.run(until=600, start="2025-10-27T00:00")
    model.save_state(tmp_path / "s.npz")
    back = FloodModel.load_state(tmp_path / "s.npz")
    result = back.run(until="2025-10-27T00:20")
    assert str(result.time.values[-1]).startswith("2025-10-27T00:20")
    np.testing.assert_allclose(result.depth.isel(time=-1).values, 0.012, rtol=1e-12)


def test_load_state_refuses_other_files(tmp_path) -> None:
    with pytest.raises(HydroError, match="no model state"):
        FloodModel.load_state(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(HydroError, match=r"not a hydro\.FloodModel state"):
        FloodModel.load_state(tmp_path / "other.npz")


def test_state_keeps_friction_and_manning_exactly(make_dem, tmp_path) -> None:
    rng = np.random.default_rng(5)
    dem = make_dem(rng.uniform(0, 1, (6, 7)))
    n = xr.DataArray(rng.uniform(0.01, 0.1, (6, 7)), coords=dem.coords, dims=dem.dims)
    model = FloodModel(dem, manning=n, dtype="float32", friction="1d", theta=0.8)
    model.save_state(tmp_path / "s.npz")
    back = FloodModel.load_state(tmp_path / "s.npz")
    assert (back.friction, back.theta, back.dtype) == ("1d", 0.8, np.dtype("float32"))
    np.testing.assert_array_equal(back._n2, model._n2)
    np.testing.assert_allclose(model._n2, n.values**2, rtol=1e-6)


def _flowing(make_dem) -> FloodModel:
    """A metre of water flowing east, driven by a higher level on the west edge: inertia
    matters, so restarting it from rest is visibly different."""
    model = FloodModel(make_dem(np.zeros((8, 16)), dx=10.0), dtype="float64", manning=0.02)
    model.set_initial_depth(1.0)
    model.set_boundary("west", "level", level=1.3)
    model.set_boundary("east", "free")
    return model


def test_hot_start_continues_the_flow(make_dem, tmp_path) -> None:
    straight = _flowing(make_dem)
    straight.run(until=600)
    straight.run(until=660)

    first = _flowing(make_dem)
    first.run(until=600)
    first.save_state(tmp_path / "at600.npz")
    hot = FloodModel(make_dem(np.zeros((8, 16)), dx=10.0), dtype="float64", manning=0.02)
    hot.set_boundary("west", "level", level=1.3)
    hot.set_boundary("east", "free")
    hot.set_initial_state(FloodModel.load_state(tmp_path / "at600.npz"))
    hot.run(until=60)
    # the same steps from the same depths and fluxes: equal to round-off
    np.testing.assert_allclose(hot.depth.values, straight.depth.values, rtol=0, atol=1e-12)

    # a depth-only (cold-flux) start is visibly off: the water has to start moving again
    cold = FloodModel(make_dem(np.zeros((8, 16)), dx=10.0), dtype="float64", manning=0.02)
    cold.set_boundary("west", "level", level=1.3)
    cold.set_boundary("east", "free")
    cold.set_initial_depth(FloodModel.load_state(tmp_path / "at600.npz").depth)
    cold.run(until=60)
    assert np.abs(cold.depth.values - straight.depth.values).max() > 5e-3


def test_hot_start_refuses_another_grid_or_a_model_that_ran(make_dem) -> None:
    state = _flowing(make_dem)
    state.run(until=60)
    other = FloodModel(make_dem(np.zeros((8, 15)), dx=10.0))
    with pytest.raises(HydroError, match="set_initial_depth"):
        other.set_initial_state(state)
    shifted = FloodModel(make_dem(np.zeros((8, 16)), dx=9.0))
    with pytest.raises(HydroError, match="not this model's"):
        shifted.set_initial_state(state)
    with pytest.raises(HydroError, match="already run"):
        state.set_initial_state(state)
    with pytest.raises(HydroError, match="expected a FloodModel"):
        other.set_initial_state(state.depth)  # type: ignore[arg-type]
