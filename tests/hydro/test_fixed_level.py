"""Fixed-level cells (a sea held at its level) and water bodies filled by connection."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from hydro import FloodModel, HydroError, connected_below


def _coast(make_dem, sea_bed_m: float = -20.0) -> xr.DataArray:
    """40 x 12 cells of 20 m: a beach rising 1e-3 to the west over 30 columns, then a sea
    floor at ``sea_bed_m`` in the last 10 columns (east)."""
    nx, ny, dx = 40, 12, 20.0
    x = (np.arange(nx) + 0.5) * dx
    z = np.tile(0.3 + 1e-3 * (600.0 - x), (ny, 1))
    z[:, 30:] = sea_bed_m
    return make_dem(z, dx)


def _sea(dem: xr.DataArray) -> xr.DataArray:
    return dem < -1.0


def test_a_deep_sea_held_at_its_level_does_not_set_the_step(make_dem) -> None:
    dem = _coast(make_dem)
    steps = {}
    for held in (False, True):
        model = FloodModel(dem, manning=0.03, dtype="float64", max_dt=60.0)
        model.add_inflow(x=10.0, y=120.0, discharge=1.0)
        if held:
            model.set_fixed_level(_sea(dem), 0.0)
        else:
            model.set_initial_depth((0.0 - dem).clip(min=0.0))
        model.run(until=3600)
        steps[held] = model.last_run_steps
        b = model.volume_balance
        assert abs(b["relative_error"]) < 1e-12
    # 20 m of water: dt ~ 0.7 * 20 / 14 = 1 s; the beach's few cm allow tens of seconds
    assert steps[False] > 3000
    assert steps[True] < steps[False] / 5


def test_river_into_a_held_sea_gives_it_the_inflow_at_steady_state(make_dem) -> None:
    dem = _coast(make_dem)
    model = FloodModel(dem, manning=0.03, dtype="float64")
    model.add_inflow(x=10.0, y=120.0, discharge=1.0)
    model.set_fixed_level(_sea(dem), 0.0)
    model.run(until=8 * 3600)
    before = model.volume_balance["fixed_level_out_m3"]
    model.run(until=9 * 3600)
    b = model.volume_balance
    assert b["fixed_level_out_m3"] - before == pytest.approx(3600.0, rel=0.02)
    # some sea cells hand water on to others before it is taken out: a little comes in too
    assert b["fixed_level_in_m3"] < 0.01 * b["fixed_level_out_m3"]
    assert abs(b["relative_error"]) < 1e-12
    # the sea is at its level to round-off
    wse = (model.depth + dem).values[:, 30:]
    assert np.abs(wse).max() < 1e-9


def test_no_water_runs_round_between_a_level_edge_and_the_held_sea(make_dem) -> None:
    dem = _coast(make_dem)
    tide = xr.DataArray([0.0, 0.5, 0.0], coords={"time": [0.0, 3600.0, 7200.0]}, dims="time")
    model = FloodModel(dem, manning=0.02, dtype="float64")
    model.set_boundary("east", "level", level=tide)  # the edge beyond the held sea
    model.set_fixed_level(_sea(dem), tide)
    model.add_inflow(x=10.0, y=120.0, discharge=1.0)
    model.run(until=7200)
    b = model.volume_balance
    assert b["east_in_m3"] == 0.0 and b["east_out_m3"] == 0.0
    # what the sea took and gave is the river and the tide on the beach, not a loop through it
    assert b["fixed_level_out_m3"] < 7200.0 + 0.6 * 30 * 20 * 12 * 20
    assert abs(b["relative_error"]) < 1e-12


def test_sea_at_rest_stays_at_rest_and_a_tide_comes_in(make_dem) -> None:
    dem = _coast(make_dem)
    dem[:, 25:30] = -0.5  # a creek below the sea level along the shore
    model = FloodModel(dem, manning=0.03, dtype="float64")
    model.set_fixed_level(_sea(dem), 0.0)
    model.set_initial_depth((0.0 - dem).clip(min=0.0).where(~_sea(dem), 0.0))
    model.run(until=1800)
    assert float(np.abs(model._qx).max()) == 0.0 and float(np.abs(model._qy).max()) == 0.0
    tide = xr.DataArray([0.0, 0.5], coords={"time": [1800.0, 5400.0]}, dims="time")
    rising = FloodModel(dem, manning=0.03, dtype="float64")
    rising.set_fixed_level(_sea(dem), tide)
    rising.set_initial_depth((0.0 - dem).clip(min=0.0).where(~_sea(dem), 0.0))
    rising.run(until=5400)
    b = rising.volume_balance
    assert b["fixed_level_in_m3"] > 0.0 and abs(b["relative_error"]) < 1e-12
    assert float(rising.depth.values[:, 28].mean()) > 0.5  # the creek filled with the tide


def test_fixed_level_survives_save_and_load(make_dem, tmp_path) -> None:
    dem = _coast(make_dem)

    def build() -> FloodModel:
        m = FloodModel(dem, manning=0.03, dtype="float64")
        m.add_inflow(x=10.0, y=120.0, discharge=1.0)
        m.set_fixed_level(_sea(dem), 0.2)
        return m

    whole = build()
    whole.run(until=600)
    whole.run(until=1200)
    half = build()
    half.run(until=600)
    half.save_state(tmp_path / "s.npz")
    again = FloodModel.load_state(tmp_path / "s.npz")
    again.run(until=1200)
    np.testing.assert_array_equal(again.depth.values, whole.depth.values)
    assert again.volume_balance["fixed_level_out_m3"] == whole.volume_balance["fixed_level_out_m3"]


def test_bad_fixed_levels_are_refused(make_dem) -> None:
    dem = _coast(make_dem)
    model = FloodModel(dem, manning=0.03)
    with pytest.raises(HydroError, match="no cell selected"):
        model.set_fixed_level(dem < -100.0, 0.0)
    with pytest.raises(HydroError, match="DataArray of bool"):
        model.set_fixed_level(np.ones((12, 40), bool), 0.0)  # type: ignore[arg-type]
    with pytest.raises(HydroError, match="does not match"):
        model.set_fixed_level(_sea(dem).isel(x=slice(0, 20)), 0.0)
    model.set_fixed_level(_sea(dem), 0.0)
    with pytest.raises(HydroError, match="already have a fixed level"):
        model.set_fixed_level(_sea(dem), 0.0)


def test_connected_below_fills_the_water_body_not_every_pit(make_dem) -> None:
    z = np.full((6, 8), 2.0)
    z[:, 6:] = -5.0  # the sea along the east edge
    z[2, 2:6] = -1.0  # a creek from the sea inland
    z[4, 1] = -3.0  # a pit cut off from it
    dem = make_dem(z, 10.0)
    sea = connected_below(dem, 0.5, edges=["east"])
    assert sea.values[:, 6:].all() and sea.values[2, 2:6].all()
    assert not sea.values[4, 1] and int(sea.sum()) == 12 + 4
    pit = connected_below(dem, 0.5, seeds=[(15.0, 15.0)])  # row 4, col 1
    assert int(pit.sum()) == 1
    with pytest.raises(HydroError, match="name the water body"):
        connected_below(dem, 0.5)
    with pytest.raises(HydroError, match="edges must be among"):
        connected_below(dem, 0.5, edges=["up"])
    with pytest.raises(HydroError, match="outside the grid"):
        connected_below(dem, 0.5, seeds=[(1e6, 0.0)])
