"""Reported speeds: films thinner than ``speed_depth`` show none; deeper water keeps its speed."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from hydro import FloodModel, HydroError


def _hillside(n: int = 24, dx: float = 20.0, slope: float = 0.3) -> xr.DataArray:
    """A steep plane falling west to east into a flat, lower basin (metres)."""
    x = (np.arange(n) + 0.5) * dx
    y = (np.arange(n)[::-1] + 0.5) * dx
    z = np.where(x < n * dx / 2, slope * (n * dx / 2 - x), 0.0)
    return xr.DataArray(np.tile(z, (n, 1)), coords={"y": y, "x": x}, dims=("y", "x"))


def _run(speed_depth: float) -> xr.Dataset:
    model = FloodModel(_hillside(), manning=0.05, dtype="float64", speed_depth=speed_depth)
    model.add_rain(20.0)  # mm/h: a film of millimetres on the hillside
    model.add_inflow(x=470.0, y=240.0, discharge=5.0)  # deep water in the basin
    return model.run(until=600, output_every=300)


def test_films_report_no_speed_and_deeper_water_does() -> None:
    result = _run(0.01)
    depth, speed = result["depth"].values, result["speed"].values
    assert (speed[depth < 0.01] == 0.0).all()
    assert (speed[depth >= 0.05] > 0.0).any()
    assert result.attrs["speed_depth_m"] == 0.01
    # the flow itself is unchanged: only the reporting of speed reads speed_depth
    np.testing.assert_array_equal(depth, _run(0.0)["depth"].values)
    assert float(result["max_speed"].where(result["max_depth"] < 0.01).max()) == 0.0


def test_negative_speed_depth_is_refused() -> None:
    with pytest.raises(HydroError, match="speed_depth"):
        FloodModel(_hillside(), speed_depth=-1.0)
