"""Discharge boundaries on edge stretches (LISFLOOD-FP's QFIX/QVAR) and per-edge volumes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from hydro import FloodModel, HydroError

EDGES = ("north", "south", "west", "east")


def _valley(make_dem, ny: int = 9, nx: int = 30, dx: float = 10.0) -> xr.DataArray:
    """A channel 3 cells wide along x (rows 3-5), sloping 1e-3 down to the east, in banks 2 m
    high; the ground rises 0.5 m per row away from it."""
    x = (np.arange(nx) + 0.5) * dx
    z = np.tile(0.03 - 1e-3 * x, (ny, 1))
    rows = np.abs(np.arange(ny) - ny // 2)
    z = z + np.where(rows[:, None] <= 1, 0.0, 2.0 + 0.5 * rows[:, None])
    return make_dem(z, dx)


def _edge_sums(model: FloodModel) -> tuple[float, float]:
    b = model.volume_balance
    return sum(b[f"{e}_in_m3"] for e in EDGES), sum(b[f"{e}_out_m3"] for e in EDGES)


def test_discharge_on_a_stretch_enters_there_and_is_counted(make_dem) -> None:
    dem = _valley(make_dem)
    model = FloodModel(dem, manning=0.03, dtype="float64")
    # the west edge's y runs 0..90 m: the channel's three cells are 30..60 m
    model.set_boundary("west", "discharge", discharge=2.0, between=(30.0, 60.0))
    model.run(until=600)
    b = model.volume_balance
    assert b["inflow_m3"] == pytest.approx(1200.0, rel=1e-12)
    assert b["west_in_m3"] == pytest.approx(1200.0, rel=1e-12)
    assert all(b[f"{e}_out_m3"] == 0.0 for e in EDGES)
    assert b["outflow_m3"] == 0.0
    assert abs(b["relative_error"]) < 1e-12
    # the water came in through the channel only: the banks' edge cells stayed dry
    h = model.depth.values
    assert h[3:6, 0].min() > 0.05
    assert h[:2, 0].max() == 0.0 and h[7:, 0].max() == 0.0


def test_dry_stretch_fills_its_lowest_cell_then_spreads_by_conveyance(make_dem) -> None:
    dem = _valley(make_dem)
    model = FloodModel(dem, manning=0.03, dtype="float64", max_dt=1.0)
    model.set_boundary("west", "discharge", discharge=0.1)  # the whole edge
    model.run(until=1.0)  # one step: all of it in one cell of the channel (the lowest)
    first = model.depth.values[:, 0]
    assert np.count_nonzero(first) == 1 and 3 <= int(np.argmax(first)) <= 5
    model.run(until=300.0)
    h = model.depth.values[:, 0]
    assert h[3:6].min() > 0.0  # the channel cells all took water
    assert h[:3].max() == 0.0 and h[6:].max() == 0.0  # the dry banks none


def test_river_through_a_free_outlet_reaches_steady_state(make_dem) -> None:
    dem = _valley(make_dem)
    model = FloodModel(dem, manning=0.03, dtype="float64")
    model.set_boundary("west", "discharge", discharge=2.0, between=(30.0, 60.0))
    model.set_boundary("east", "free")
    model.run(until=6 * 3600)
    model.run(until=7 * 3600)
    b = model.volume_balance
    # over the last hours, what goes out at the east is what comes in at the west
    assert abs(b["relative_error"]) < 1e-12
    ins, outs = _edge_sums(model)
    assert outs - ins == pytest.approx(b["outflow_m3"] - b["inflow_m3"], rel=1e-9)
    assert b["east_out_m3"] == pytest.approx(b["west_in_m3"] - b["storage_change_m3"], rel=1e-9)
    assert b["east_in_m3"] == 0.0 and b["west_out_m3"] == 0.0
    assert b["north_out_m3"] == 0.0 and b["south_out_m3"] == 0.0
    # by then the channel holds a steady volume: the outflow over the last hour is 2 m³/s
    before = b["east_out_m3"]
    model.run(until=8 * 3600)
    assert model.volume_balance["east_out_m3"] - before == pytest.approx(7200.0, rel=0.01)


def test_a_series_of_discharge_and_several_stretches(make_dem) -> None:
    dem = _valley(make_dem)
    model = FloodModel(dem, manning=0.03, dtype="float64")
    q = xr.DataArray([0.0, 4.0], coords={"time": [0.0, 400.0]}, dims="time")
    model.set_boundary("west", "discharge", discharge=q, between=(45.0, 45.0))
    model.set_boundary("north", "discharge", discharge=0.5, between=(100.0, 100.0))
    model.run(until=400)
    b = model.volume_balance
    assert b["west_in_m3"] == pytest.approx(800.0, rel=1e-12)  # mean 2 m³/s over 400 s
    assert b["north_in_m3"] == pytest.approx(200.0, rel=1e-12)
    assert b["inflow_m3"] == pytest.approx(1000.0, rel=1e-12)
    assert abs(b["relative_error"]) < 1e-12


def test_stretch_faces_let_nothing_out_on_a_free_edge(make_dem) -> None:
    dem = _valley(make_dem)
    model = FloodModel(dem, manning=0.03, dtype="float64")
    model.set_boundary("east", "free")
    model.set_boundary("east", "discharge", discharge=1.0, between=(30.0, 60.0))
    model.run(until=600)
    b = model.volume_balance
    # the river comes in at the east end of the slope and flows west: none leaves at the east
    assert b["east_out_m3"] == 0.0
    assert b["east_in_m3"] == pytest.approx(600.0, rel=1e-12)
    assert abs(b["relative_error"]) < 1e-12


def test_saved_state_keeps_the_stretches_and_edge_volumes(make_dem, tmp_path) -> None:
    dem = _valley(make_dem)

    def build() -> FloodModel:
        m = FloodModel(dem, manning=0.03, dtype="float64")
        m.set_boundary("west", "discharge", discharge=2.0, between=(30.0, 60.0))
        m.set_boundary("east", "free")
        return m

    whole = build()
    whole.run(until=600)  # the same steps as the saved run's
    whole.run(until=1200)
    half = build()
    half.run(until=600)
    half.save_state(tmp_path / "s.npz")
    again = FloodModel.load_state(tmp_path / "s.npz")
    again.run(until=1200)
    np.testing.assert_array_equal(again.depth.values, whole.depth.values)
    for key in ("west_in_m3", "east_out_m3", "inflow_m3"):
        assert again.volume_balance[key] == pytest.approx(whole.volume_balance[key], rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "discharge"}, "needs discharge="),
        ({"kind": "discharge", "discharge": -1.0}, "must not be negative"),
        ({"kind": "discharge", "discharge": 1.0, "between": (500.0, 900.0)}, "misses the edge"),
        ({"kind": "discharge", "discharge": 1.0, "between": ("a", 3)}, "two numbers"),
        ({"kind": "discharge", "discharge": 1.0, "level": 2.0}, "level= does not apply"),
        ({"kind": "free", "discharge": 1.0}, "discharge= does not apply"),
        ({"kind": "level", "level": 1.0, "between": (0.0, 1.0)}, "between= does not apply"),
        ({"kind": "weir"}, "must be one of"),
    ],
)
def test_bad_discharge_boundaries_are_refused(make_dem, kwargs, message) -> None:
    model = FloodModel(_valley(make_dem), manning=0.03)
    with pytest.raises(HydroError, match=message):
        model.set_boundary("west", **kwargs)
