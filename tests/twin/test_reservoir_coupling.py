"""The dam's rules see the levels the 2D model makes at the downstream gauge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from hydro import FloodModel, Reservoir
from hydro.operating_rules import load_rules, operate
from twin import TwinError
from twin.reservoir_coupling import ModelDownstream

CELL = 20.0


def channel() -> xr.DataArray:
    """A 1.2 km long, 100 m wide channel falling 1 m/km eastwards."""
    x = (np.arange(60) + 0.5) * CELL
    y = ((np.arange(5) + 0.5) * CELL)[::-1]
    z = np.broadcast_to(10.0 - 0.001 * x, (5, 60)).copy()
    return xr.DataArray(z, coords={"y": y, "x": x}, dims=("y", "x"), name="elevation")


def rules(alarm_m: float) -> dict[str, object]:
    return {
        "dam_id": "upstream",
        "decision_step_minutes": 20,
        "rules": [
            {"name": "spill", "kind": "spill", "above_level_m": 14.0},
            {
                "name": "hold back",
                "kind": "hold_back",
                "gauge": "town",
                "alarm_m": alarm_m,
                "inflow_fraction": 0.3,
            },
            {"name": "pass", "kind": "pass_inflow", "above_level_m": 10.0},
        ],
    }


@pytest.mark.slow
def test_rules_react_to_the_modelled_gauge_and_water_is_kept() -> None:
    dem = channel()
    model = FloodModel(dem, manning=0.03, dtype="float64")
    model.set_boundary("east", "free")
    gauge_xy = (float(dem.x[45]), float(dem.y[2]))
    bed_at_gauge = float(dem.sel(x=gauge_xy[0], y=gauge_xy[1]))
    times = pd.date_range("2025-10-26", periods=13, freq="20min")
    inflow = pd.Series(np.interp(np.arange(13.0), [0, 6, 12], [20, 200, 20]), index=times)
    reservoir = Reservoir(
        storage_levels_m=[0.0, 20.0],
        storage_volumes_m3=[0.0, 20.0 * 2e5],
        spillway_crest_m=9.0,
        spillway_width_m=40.0,
        discharge_coeff=2.0,
        gate_count=2,
    )
    coupled = ModelDownstream(
        model, dem, entry_xy=(float(dem.x[1]), float(dem.y[2])), gauges={"town": gauge_xy},
        start=times[0],
    )  # fmt: skip
    ruleset = load_rules(rules(bed_at_gauge + 0.6), known_gauges={"town"})
    routed, log = operate(reservoir, ruleset, inflow, initial_level_m=11.0, downstream=coupled)
    # the gauge levels the rules saw are the model's: dry at first, then rising
    assert log["town_m"].iloc[0] == pytest.approx(bed_at_gauge)
    assert log["town_m"].max() > bed_at_gauge + 0.6
    held = log[log["rule"] == "hold back"]
    assert len(held) > 0 and np.all(held["release_m3s"] < held["inflow_m3s"])
    # every m³ the dam released entered the model (the last second of each pulse ramps down)
    released = routed.attrs["volume_released_m3"]
    assert model.volume_balance["inflow_m3"] == pytest.approx(released, rel=2e-3)
    assert abs(model.volume_balance["relative_error"]) < 1e-6
    assert len(coupled.results) == len(log) - 1


def test_gauges_off_the_model_are_named() -> None:
    dem = channel()
    model = FloodModel(dem)
    with pytest.raises(TwinError) as err:
        ModelDownstream(
            model, dem, entry_xy=(-500.0, 0.0), gauges={"far": (5000.0, 5000.0)}, start="2025-10-26"
        )
    assert "gauge 'far'" in str(err.value) and "entry" in str(err.value)
