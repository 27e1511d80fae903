"""Bad input: a HydroError that says what to fix, raised before any work starts."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from hydro import FloodModel, HydroError


@pytest.fixture
def dem(make_dem) -> xr.DataArray:
    return make_dem(np.zeros((5, 6)), dx=10.0)


def test_dem_with_nan_holes(make_dem) -> None:
    z = np.zeros((5, 6))
    z[2, 3] = np.nan
    with pytest.raises(HydroError, match=r"1 NaN.*x=35, y=25.*fill the holes"):
        FloodModel(make_dem(z))


def test_non_regular_grid(dem) -> None:
    x = dem.x.values.copy()
    x[-1] += 3.0
    with pytest.raises(HydroError, match=r"not regular.*resample"):
        FloodModel(dem.assign_coords(x=x))


def test_rectangular_cells(dem) -> None:
    with pytest.raises(HydroError, match="square cells"):
        FloodModel(dem.assign_coords(x=dem.x.values * 2))


def test_wrong_dims_and_types(dem) -> None:
    with pytest.raises(HydroError, match="dims"):
        FloodModel(dem.rename(x="lon", y="lat"))
    with pytest.raises(HydroError, match="DataArray"):
        FloodModel(np.zeros((3, 3)))  # type: ignore[arg-type]
    with pytest.raises(HydroError, match="dtype"):
        FloodModel(dem, dtype="float16")
    with pytest.raises(HydroError, match="theta"):
        FloodModel(dem, theta=0.0)
    with pytest.raises(HydroError, match="friction must be '2d' or '1d'"):
        FloodModel(dem, friction="2D")
    with pytest.raises(HydroError, match="units"):
        FloodModel(dem.assign_attrs(units="ft"))


def test_negative_manning_and_mismatched_grid(dem) -> None:
    with pytest.raises(HydroError, match=r"manning.*>= 0"):
        FloodModel(dem, manning=-0.01)
    other = dem.assign_coords(x=dem.x.values + 10.0)
    with pytest.raises(HydroError, match=r"does not match the elevation.*reproject"):
        FloodModel(dem, manning=xr.full_like(other, 0.03))


def test_negative_rain_and_unknown_units(dem) -> None:
    model = FloodModel(dem)
    with pytest.raises(HydroError, match=r"rain.*negative"):
        model.add_rain(-1.0)
    series = xr.DataArray([1.0, -2.0], coords={"time": [0, 60]}, dims="time")
    with pytest.raises(HydroError, match=r"rain.*negative"):
        model.add_rain(series)
    with pytest.raises(HydroError, match="unknown units 'inch/h'"):
        model.add_rain(series.assign_attrs(units="inch/h"))
    with pytest.raises(HydroError, match=r"loss.*negative"):
        model.add_loss(-3.0)
    q = xr.DataArray([1.0, 2.0], coords={"time": [0, 60]}, dims="time", attrs={"units": "l/s"})
    with pytest.raises(HydroError, match="unknown units 'l/s'"):
        model.add_inflow(x=15.0, y=15.0, discharge=q)


def test_rain_grid_elsewhere_or_with_nan(dem) -> None:
    model = FloodModel(dem)
    far = xr.DataArray(np.ones((2, 2)), coords={"y": [1e6, 1e6 - 10], "x": [0.0, 10.0]},
                       dims=("y", "x"))  # fmt: skip
    with pytest.raises(HydroError, match=r"does not overlap.*same CRS"):
        model.add_rain(far)
    holes = xr.full_like(dem, 5.0).assign_attrs(units="mm/h")
    holes[0, 0] = np.nan
    with pytest.raises(HydroError, match="NaN"):
        model.add_rain(holes)


def test_inflow_outside_the_grid(dem) -> None:
    model = FloodModel(dem)
    with pytest.raises(HydroError, match=r"outside the grid.*move it"):
        model.add_inflow(x=1000.0, y=15.0, discharge=1.0)
    with pytest.raises(HydroError, match="negative"):
        model.add_inflow(x=15.0, y=15.0, discharge=-1.0)


def test_boundary_level_below_bed(make_dem) -> None:
    z = np.full((5, 6), 2.0)
    model = FloodModel(make_dem(z))
    with pytest.raises(HydroError, match=r"west boundary level 1.5 m lies below the lowest bed"):
        model.set_boundary("west", "level", level=1.5)
    tide = xr.DataArray([3.0, 1.0], coords={"time": [0, 60]}, dims="time")
    with pytest.raises(HydroError, match="below the lowest bed"):
        model.set_boundary("north", "level", level=tide)
    with pytest.raises(HydroError, match="needs level"):
        model.set_boundary("north", "level")
    with pytest.raises(HydroError, match="edge must be one of"):
        model.set_boundary("up", "closed")  # type: ignore[arg-type]
    with pytest.raises(HydroError, match="kind must be one of"):
        model.set_boundary("east", "open")  # type: ignore[arg-type]


def test_run_arguments(dem) -> None:
    model = FloodModel(dem)
    with pytest.raises(HydroError, match="later than the model time"):
        model.run(until=0)
    with pytest.raises(HydroError, match=r"cannot read 'soon' as seconds, a duration"):
        model.run(until="soon")
    with pytest.raises(HydroError, match="output_every"):
        model.run(until=60, output_every=-1)
    model.run(until=60)
    with pytest.raises(HydroError, match="already run"):
        model.set_initial_depth(1.0)


def test_initial_depth_must_be_nonnegative(dem) -> None:
    model = FloodModel(dem)
    with pytest.raises(HydroError, match=r">= 0"):
        model.set_initial_depth(-0.5)


def test_a_run_that_blows_up_names_time_and_cell(dem) -> None:
    """A depth past ``max_depth`` (or NaN) stops the run; no result is returned."""
    model = FloodModel(dem, max_depth=0.5, dtype="float64")
    model.add_inflow(x=25.0, y=25.0, discharge=50.0)
    with pytest.raises(HydroError, match=r"unstable at t=.* s in cell \(row 2, col 2\) at x=25"):
        model.run(until=600)
