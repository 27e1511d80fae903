"""FloodModel's public API: forcings, units, outputs, attributes, files, dates, progress."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import hydro
from hydro import FloodModel, HydroError


def test_uniform_rain_on_flat_closed_basin_gives_rain_depth(make_dem) -> None:
    model = FloodModel(make_dem(np.zeros((6, 7))), dtype="float64")
    model.add_rain(36.0)  # mm/h = 1e-5 m/s
    result = model.run(until=600, output_every=200)
    np.testing.assert_allclose(result.time.values, [0, 200, 400, 600])
    np.testing.assert_allclose(result.depth.isel(time=-1).values, 6e-3, rtol=1e-12)
    np.testing.assert_allclose(result.depth.isel(time=1).values, 2e-3, rtol=1e-12)
    assert result.attrs["steps"] >= 60
    bal = model.volume_balance
    assert bal["rain_m3"] == pytest.approx(6e-3 * 42 * 100, rel=1e-12)
    assert abs(bal["relative_error"]) < 1e-12


def test_result_variables_attributes_and_crs(make_dem) -> None:
    model = FloodModel(make_dem(np.zeros((4, 5)), crs="EPSG:32648"), dtype="float32")
    model.add_rain(100.0)
    result = model.run(until="10min", output_every="5min")
    assert set(result.data_vars) >= {
        "depth", "wse", "speed", "max_depth", "max_speed", "arrival_time",
    }  # fmt: skip
    for name in ("depth", "wse", "speed"):
        assert result[name].dims == ("time", "y", "x")
        assert result[name].dtype == np.float32
    for name in ("max_depth", "max_speed", "arrival_time"):
        assert result[name].dims == ("y", "x")
    for name in result.data_vars:
        assert "units" in result[name].attrs and "long_name" in result[name].attrs
    assert result.depth.attrs["standard_name"] == "flood_water_thickness"
    assert result.wse.attrs["standard_name"] == "water_surface_height_above_reference_datum"
    assert result.time.attrs["units"] == "s"
    assert result.rio.crs.to_epsg() == 32648
    for key in ("theta", "alpha", "courant", "friction", "flow_depth_m", "arrival_depth_m"):
        assert key in result.attrs
    assert result.attrs["courant"] == pytest.approx(np.sqrt(0.35))
    for key in ("dtype", "dx_m", "steps"):
        assert key in result.attrs
    for key in model.volume_balance:
        assert result.attrs[key] == pytest.approx(model.volume_balance[key])
    # 100 mm/h passes the 0.1 m arrival depth never in 10 min
    assert np.isnan(result.arrival_time).all()
    np.testing.assert_allclose(result.wse.values, result.depth.values)


def test_arrival_time_is_first_crossing(make_dem) -> None:
    model = FloodModel(make_dem(np.zeros((3, 3))), dtype="float64", arrival_depth=0.01)
    model.add_rain(3.6)  # 1e-6 m/s: 0.01 m after 10000 s
    result = model.run(until=12000)
    assert float(result.arrival_time.max()) == pytest.approx(10000, abs=10.0)
    assert float(result.arrival_time.min()) > 9990


def test_rain_series_units_and_grids(make_dem) -> None:
    dem = make_dem(np.zeros((4, 4)))
    series = xr.DataArray([0.0, 72.0], coords={"time": [0.0, 1000.0]}, dims="time")
    model = FloodModel(dem, dtype="float64")
    model.add_rain(series.assign_attrs(units="mm h-1"))
    model.run(until=1000)
    # mean rate 36 mm/h over 1000 s -> 10 mm
    assert model.volume_balance["rain_m3"] == pytest.approx(0.01 * 1600, rel=1e-9)

    # m/s, on a grid twice as fine (coarsened) and held beyond its last time
    fine = xr.DataArray(
        np.full((1, 8, 8), 1e-5),
        coords={"time": [0.0], "y": (np.arange(8) + 0.5)[::-1] * 5, "x": (np.arange(8) + 0.5) * 5},
        dims=("time", "y", "x"),
        attrs={"units": "m/s"},
    )
    model = FloodModel(dem, dtype="float64")
    model.add_rain(fine)
    model.run(until=100)
    np.testing.assert_allclose(model.depth.values, 1e-3, rtol=1e-12)

    # a coarse grid over (y, x) is interpolated
    coarse = xr.DataArray(
        np.full((2, 2), 36.0), coords={"y": [30.0, 10.0], "x": [10.0, 30.0]}, dims=("y", "x")
    )
    model = FloodModel(dem, dtype="float64")
    model.add_rain(coarse)
    model.run(until=100)
    np.testing.assert_allclose(model.depth.values, 1e-3, rtol=1e-12)


def test_loss_takes_at_most_the_water_there(make_dem) -> None:
    model = FloodModel(make_dem(np.zeros((3, 3))), dtype="float64")
    model.add_rain(36.0)
    model.add_loss(72.0)
    model.run(until=600)
    assert np.all(model.depth.values == 0.0)
    bal = model.volume_balance
    assert bal["loss_m3"] == pytest.approx(bal["rain_m3"], rel=1e-12)


def test_datetime_start_and_datetime_forcing(make_dem) -> None:
    start = pd.Timestamp("2020-10-10T00:00")
    times = pd.date_range(start, periods=2, freq="1h").values
    rain = xr.DataArray([36.0, 36.0], coords={"time": times}, dims="time", attrs={"units": "mm/h"})
    model = FloodModel(make_dem(np.zeros((3, 3))), dtype="float64")
    model.add_rain(rain)
    with pytest.raises(HydroError, match="start"):
        model.run(until=600)
    result = model.run(until="2020-10-10T00:10", start=start, output_every=300)
    assert result.time.dtype.kind == "M"
    assert pd.Timestamp(result.time.values[-1]) == pd.Timestamp("2020-10-10T00:10")
    np.testing.assert_allclose(result.depth.isel(time=-1).values, 6e-3, rtol=1e-12)


def test_progress_reaches_one(make_dem) -> None:
    seen: list[float] = []
    model = FloodModel(make_dem(np.zeros((3, 3))))
    model.add_rain(10.0)
    model.run(until=600, output_every=60, progress=seen.append)
    assert seen[-1] == pytest.approx(1.0)
    assert all(0.0 <= a <= b for a, b in itertools.pairwise(seen))


def test_netcdf_and_zarr_round_trip(make_dem, tmp_path) -> None:
    model = FloodModel(make_dem(np.arange(20.0).reshape(4, 5) * 0.01, crs="EPSG:32648"))
    model.add_rain(200.0)
    result = model.run(until=1800, output_every=600)
    nc = tmp_path / "r.nc"
    result.to_netcdf(nc, engine="netcdf4")
    with xr.open_dataset(nc, engine="netcdf4", decode_coords="all") as back:
        xr.testing.assert_equal(back.load(), result)
        for name in result.data_vars:
            attrs = {k: v for k, v in back[name].attrs.items() if k != "grid_mapping"}
            assert attrs == result[name].attrs
        assert back.attrs == result.attrs
        assert back.rio.crs.to_epsg() == 32648
    store = tmp_path / "r.zarr"
    result.to_zarr(store, consolidated=False)
    with xr.open_zarr(store, consolidated=False, decode_coords="all") as back:
        xr.testing.assert_equal(back.load(), result)
        for name in result.data_vars:
            attrs = {k: v for k, v in back[name].attrs.items() if k != "grid_mapping"}
            assert attrs == result[name].attrs
        assert back.attrs["steps"] == result.attrs["steps"]


def test_volume_balance_closes_with_inflow_loss_and_open_edges(make_dem) -> None:
    z = np.tile(np.linspace(1.0, 0.0, 12), (6, 1))  # slopes down to the east
    model = FloodModel(make_dem(z, dx=5.0), dtype="float64")
    model.add_rain(30.0)
    model.add_loss(2.0)
    q = xr.DataArray([0.0, 0.5, 0.1], coords={"time": [0.0, 600.0, 1800.0]}, dims="time")
    model.add_inflow(x=2.5, y=15.0, discharge=q)
    model.set_boundary("east", "free")
    model.set_boundary("north", "level", level=0.6)
    model.run(until=1800, output_every=600)
    bal = model.volume_balance
    assert bal["outflow_m3"] != 0.0
    assert bal["inflow_m3"] == pytest.approx((0.25 * 600 + 0.3 * 1200) * 1.0, rel=1e-6)
    assert abs(bal["relative_error"]) < 1e-12
    assert np.all(model.depth.values >= 0)


def test_public_names() -> None:
    assert hydro.FloodModel is FloodModel
    assert "FloodModel" in hydro.__all__


@pytest.mark.parametrize("start", [None, "2020-10-10T00:00"])
def test_cf_coordinates_and_no_fill_value_on_them(make_dem, tmp_path, start) -> None:
    import netCDF4

    dem = make_dem(np.zeros((3, 4)), crs="EPSG:32648")
    dem["x"].attrs["long_name"] = "easting"  # the elevation's own attributes are kept
    model = FloodModel(dem.assign_attrs(vertical_datum="Hon Dau 1992"))
    model.add_rain(100.0)
    result = model.run(until=600, start=start)
    assert result.x.attrs == {
        "standard_name": "projection_x_coordinate", "long_name": "easting", "units": "m",
        "axis": "X",
    }  # fmt: skip
    assert result.y.attrs["standard_name"] == "projection_y_coordinate"
    assert (result.y.attrs["units"], result.y.attrs["axis"]) == ("m", "Y")
    assert result.wse.attrs["vertical_datum"] == "Hon Dau 1992"
    # CF 2.6.2: an audit trail naming what made the file, stamped in UTC
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ hydro\.FloodModel\.run \(hue-twin \S+\)",
        result.attrs["history"],
    )
    arrival = result.arrival_time.attrs
    assert arrival["standard_name"] == "time_when_flood_water_rises_above_threshold"
    assert "0.1 m" in arrival["comment"]
    nc = tmp_path / "r.nc"
    result.to_netcdf(nc, engine="netcdf4")
    with netCDF4.Dataset(nc) as raw:
        for name in ("x", "y", "time"):
            assert "_FillValue" not in raw[name].ncattrs(), name
        assert "_FillValue" in raw["depth"].ncattrs()  # data keep theirs
        assert raw["x"].axis == "X"
        if start is None:
            assert raw["time"].units == "s" and "standard_name" not in raw["time"].ncattrs()
        else:
            assert (raw["time"].standard_name, raw["time"].axis) == ("time", "T")
            assert "since" in raw["time"].units
    with xr.open_dataset(nc, engine="netcdf4") as back:
        back = back.load().drop_vars("spatial_ref")
        xr.testing.assert_equal(back, result.drop_vars("spatial_ref"))


def test_wse_datum_defaults_to_the_elevation(make_dem) -> None:
    model = FloodModel(make_dem(np.zeros((3, 3))))
    result = model.run(until=60)
    assert result.wse.attrs["vertical_datum"] == "that of the input elevation"
