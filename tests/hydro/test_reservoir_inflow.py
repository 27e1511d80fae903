"""A dam's release, routed or measured, enters the flood model as a point inflow."""

from __future__ import annotations

from collections.abc import Iterator

import numba
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from hydro import FloodModel, Reservoir, measured_release, release_hydrograph


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Tiny grids: one thread avoids waiting on a busy second core."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def basin() -> xr.DataArray:
    x = np.arange(20) * 50.0 + 25.0
    z = np.tile(0.001 * x, (20, 1))
    return xr.DataArray(z, coords={"y": x[::-1], "x": x}, dims=("y", "x"), name="elevation")


def test_routed_release_volume_enters_the_model() -> None:
    res = Reservoir(
        storage_levels_m=[0.0, 20.0],
        storage_volumes_m3=[0.0, 2.0e6],
        spillway_crest_m=10.0,
        spillway_width_m=10.0,
        discharge_coeff=2.0,
    )
    t = np.arange(0.0, 6 * 3600.0 + 1.0, 600.0)
    inflow = xr.DataArray(
        np.interp(t, [0.0, 3600.0, 4 * 3600.0], [0.0, 60.0, 0.0]), coords={"time": t}, dims="time"
    )
    routed = res.route(inflow, initial_level_m=10.0)
    discharge = release_hydrograph(routed)
    model = FloodModel(basin(), manning=0.03, dtype="float64")
    model.add_inflow(x=500.0, y=500.0, discharge=discharge)
    model.run(until=float(t[-1]))
    released = np.trapezoid(discharge.values, t)  # the model interpolates linearly in time
    assert released > 1e5
    assert model.volume_balance["inflow_m3"] == pytest.approx(released, rel=1e-6)
    assert abs(model.volume_balance["relative_error"]) < 1e-9


def test_measured_release_with_datetimes() -> None:
    idx = pd.date_range("2020-10-20T00:00", periods=4, freq="h")
    outflow = pd.Series([0.0, 100.0, 100.0, 0.0], index=idx)
    discharge = release_hydrograph(measured_release(outflow))
    model = FloodModel(basin(), manning=0.03, dtype="float64")
    model.add_inflow(x=500.0, y=500.0, discharge=discharge)
    result = model.run(until=np.datetime64("2020-10-20T03:00"), start=idx[0], output_every=3600)
    assert result.time.dtype.kind == "M"
    assert model.volume_balance["inflow_m3"] == pytest.approx(2 * 3600 * 100.0, rel=1e-9)
