"""Forecast rain files: units, accumulations, CRS, regridding, catchment means, ensembles."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from pyproj import CRS, Transformer

from twin import TwinError
from twin.forecast_rain import forecast_catchment_rain, read_forecast_rain, to_rate_mm_h

UTM = CRS.from_epsg(32648)
TIMES = pd.date_range("2025-10-26T00:00", periods=7, freq="h")
HUE = Transformer.from_crs(4326, UTM, always_xy=True).transform(107.59, 16.46)


def catchments(offset_m: float = 0.0) -> gpd.GeoDataFrame:
    """Two 10 km squares south of Huế (in UTM), rain_factor 1."""
    x, y = HUE[0] + offset_m, HUE[1] - 20_000.0
    geoms = [
        shapely.box(x, y, x + 10_000, y + 10_000),
        shapely.box(x + 10_000, y, x + 20_000, y + 10_000),
    ]
    return gpd.GeoDataFrame(
        {"catchment_id": ["west", "east"], "rain_factor": [1.0, 1.0]}, geometry=geoms, crs=UTM
    )


def lonlat_file(path: Path, values: np.ndarray, units: str, **attrs: str) -> Path:
    lon = np.arange(107.0, 108.2, 0.05)
    lat = np.arange(16.9, 15.9, -0.05)
    data = values[:, None, None] * np.ones((1, lat.size, lon.size))
    # more rain to the east: 1 + (lon - 107) / 1.2 times the series
    data = data * (1.0 + (lon[None, None, :] - 107.0) / 1.2)
    da = xr.DataArray(
        data,
        coords={"time": TIMES[: values.size], "lat": lat, "lon": lon},
        dims=("time", "lat", "lon"),
        name="tp",
        attrs={"units": units, **attrs},
    )
    da.to_dataset().to_netcdf(path)
    return path


def test_units_and_accumulations() -> None:
    time = {"time": TIMES[:3]}
    since_start = xr.DataArray([0.0, 0.002, 0.006], coords=time, dims="time", attrs={"units": "m"})
    assert to_rate_mm_h(since_start).values.tolist() == pytest.approx([2.0, 4.0])
    sums = xr.DataArray(
        [3.0, 2.0, 5.0],
        coords=time,
        dims="time",
        attrs={"units": "kg m-2", "cell_methods": "time: sum"},
    )
    assert to_rate_mm_h(sums).values.tolist() == pytest.approx([2.0, 5.0])
    rising_sums = sums.copy(data=[1.0, 2.0, 3.0])
    assert to_rate_mm_h(rising_sums, accumulation="interval").values.tolist() == pytest.approx(
        [2.0, 3.0]
    )
    flux = xr.DataArray([1e-3, 2e-3, 0.0], coords=time, dims="time", attrs={"units": "kg m-2 s-1"})
    assert to_rate_mm_h(flux).values.tolist() == pytest.approx([3.6, 7.2, 0.0])
    daily = flux.copy(data=[24.0, 48.0, 0.0]).assign_attrs(units="mm day-1")
    assert to_rate_mm_h(daily).values.tolist() == pytest.approx([1.0, 2.0, 0.0])
    with pytest.raises(TwinError, match="unknown units 'inch'"):
        to_rate_mm_h(flux.assign_attrs(units="inch"))


def test_nwp_accumulation_on_lon_lat_averaged_over_catchments(tmp_path: Path) -> None:
    cum_mm = np.arange(7) * 2.0  # 2 mm/h for six hours, accumulated since the start
    path = lonlat_file(tmp_path / "nwp.nc", cum_mm, "kg m-2")
    (rain,) = forecast_catchment_rain(path, catchments(), start=TIMES[0])
    assert rain.index[-1] == 6 * 3600.0
    lon_w, _ = Transformer.from_crs(UTM, 4326, always_xy=True).transform(HUE[0] + 5000, HUE[1])
    factor_w = 1.0 + (lon_w - 107.0) / 1.2
    assert rain["west"].sum() == pytest.approx(12.0 * factor_w, rel=0.01)
    assert rain["east"].sum() > rain["west"].sum()  # the field rises eastwards


def test_projected_file_and_an_ensemble(tmp_path: Path) -> None:
    x = np.arange(HUE[0] - 40_000, HUE[0] + 40_000, 2000.0)
    y = np.arange(HUE[1] + 20_000, HUE[1] - 40_000, -2000.0)
    paths = []
    for member, rate in enumerate((1.0, 2.0)):
        da = xr.DataArray(
            np.full((4, y.size, x.size), rate / 3600.0),
            coords={"time": TIMES[:4], "y": y, "x": x},
            dims=("time", "y", "x"),
            name="precipitation_flux",
            attrs={"units": "kg m-2 s-1", "grid_mapping": "crs"},
        )
        ds = da.to_dataset()
        ds["crs"] = xr.DataArray(0, attrs=UTM.to_cf())
        paths.append(tmp_path / f"member{member}.nc")
        ds.to_netcdf(paths[-1])
    members = read_forecast_rain(paths, x=np.array([HUE[0]]), y=np.array([HUE[1]]), crs=UTM)
    assert len(members) == 2
    assert members[0].dims == ("time", "y", "x") and members[0].attrs["units"] == "mm h-1"
    assert float(members[0].max()) == pytest.approx(1.0) and float(
        members[1].max()
    ) == pytest.approx(2.0)
    # held over each hour: integrates to rate x hours
    hours = float(members[1].isel(x=0, y=0).integrate("time")) / 3600.0 / 2.0
    assert hours == pytest.approx(4.0, abs=0.01)


def test_every_bad_file_is_listed_and_catchments_off_the_grid_named(tmp_path: Path) -> None:
    bad_units = lonlat_file(tmp_path / "inch.nc", np.ones(3), "inch")
    no_crs = tmp_path / "nocrs.nc"
    xr.DataArray(
        np.ones((2, 2, 2)),
        coords={"time": TIMES[:2], "y": [1.0, 0.0], "x": [0.0, 1.0]},
        dims=("time", "y", "x"),
        name="rain",
        attrs={"units": "mm h-1"},
    ).to_dataset().to_netcdf(no_crs)
    with pytest.raises(TwinError) as err:
        read_forecast_rain(
            [bad_units, no_crs, tmp_path / "missing.nc"], x=np.zeros(1), y=np.zeros(1), crs=UTM
        )
    text = str(err.value)
    assert "inch.nc: unknown units 'inch'" in text
    assert "nocrs.nc: projected x/y but no CRS" in text
    assert "missing.nc: cannot open" in text
    good = lonlat_file(tmp_path / "ok.nc", np.arange(3.0), "mm")
    with pytest.raises(TwinError) as err:
        forecast_catchment_rain(good, catchments(offset_m=120_000.0))  # east of 108.2 E
    assert "'east' lies outside" in str(err.value)
