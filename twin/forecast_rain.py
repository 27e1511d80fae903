"""Forecast rain as it arrives: gridded NWP or radar-nowcast NetCDF files onto the model.

A file holds one rain variable over ``time`` and a horizontal grid with CF coordinates:
``lon``/``lat`` (or ``longitude``/``latitude``) in degrees, or projected ``x``/``y`` with a CF
``grid_mapping`` variable (or rioxarray's ``spatial_ref``) naming the CRS. The variable is
either

- a **rate** in ``mm h-1`` (``mm/h``, ``mm hr-1``), ``mm s-1``, ``kg m-2 s-1`` (= mm/s),
  ``m s-1`` or ``mm day-1``; the rate at each time holds over the interval that ends there;
- or an **accumulation** in ``mm``, ``kg m-2`` (= mm) or ``m``: either accumulated since the
  forecast's start (NWP's convention, e.g. ECMWF ``tp``; taken when the values never fall in
  time, or with ``accumulation="since_start"``), or the amount of the interval ending at each
  time (a radar nowcast's 5-minute sums; ``accumulation="interval"`` or ``cell_methods``
  ``time: sum``).

:func:`read_forecast_rain` reads one file per ensemble member (a single file is a
one-member ensemble), converts it to a rate in mm/h held over each interval (two samples per
interval, the form the flood model's forcing uses), and regrids it bilinearly onto a target
grid in the city's CRS (target points off the file's grid are NaN). :func:`forecast_catchment_rain`
regrids onto a grid over the catchments and averages it per catchment with
:func:`twin.catchment_runoff.catchment_rain` (a catchment off the file's grid is an error).
Every problem of every file (unknown units, no time, no coordinates, no CRS) comes in one
:class:`~twin.TwinError`. GRIB files open the same way through ``cfgrib`` when it is
installed (``engine="cfgrib"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from twin._errors import TwinError
from twin.catchment_runoff import catchment_rain

__all__ = ["RATE_UNITS", "forecast_catchment_rain", "read_forecast_rain", "to_rate_mm_h"]

#: Rate units and their factor to mm/h.
RATE_UNITS = {
    "mm h-1": 1.0,
    "mm/h": 1.0,
    "mm hr-1": 1.0,
    "mm/hr": 1.0,
    "mm s-1": 3600.0,
    "mm/s": 3600.0,
    "kg m-2 s-1": 3600.0,
    "kg m**-2 s**-1": 3600.0,
    "kg/m2/s": 3600.0,
    "m s-1": 3.6e6,
    "m/s": 3.6e6,
    "mm day-1": 1.0 / 24.0,
    "mm/day": 1.0 / 24.0,
    "mm d-1": 1.0 / 24.0,
}
#: Accumulation units and their factor to mm.
DEPTH_UNITS = {"mm": 1.0, "kg m-2": 1.0, "kg m**-2": 1.0, "kg/m2": 1.0, "m": 1000.0}
Accumulation = Literal["auto", "since_start", "interval"]


def _units(text: str) -> str:
    return " ".join(str(text).strip().split())


def to_rate_mm_h(
    rain: xr.DataArray, *, accumulation: Accumulation = "auto", label: str = "rain"
) -> xr.DataArray:
    """Rain rate (mm/h) per interval from a rate or an accumulation over ``time``.

    Returns the rate of each interval ``(time[k-1], time[k]]`` at ``time[k]`` (the first
    time is dropped for accumulations since the start and for interval amounts, whose
    first interval's length is not known).

    Raises
    ------
    TwinError
        Unknown units, fewer than two times.
    """
    units = _units(rain.attrs.get("units", ""))
    if rain.sizes.get("time", 0) < 2:
        raise TwinError(f"{label}: needs a time dimension with at least two times")
    hours = np.diff(rain["time"].values).astype("timedelta64[s]").astype(float) / 3600.0
    shape = (-1,) + (1,) * (rain.ndim - 1)
    if units in RATE_UNITS:
        return (rain * RATE_UNITS[units]).assign_attrs(units="mm h-1")
    if units not in DEPTH_UNITS:
        raise TwinError(
            f"{label}: unknown units {units!r}; give a rate ({', '.join(sorted(RATE_UNITS))}) "
            f"or an accumulation ({', '.join(sorted(DEPTH_UNITS))})"
        )
    depth = rain.transpose("time", ...) * DEPTH_UNITS[units]
    values = depth.values
    if accumulation == "auto":
        summed = "time: sum" in str(rain.attrs.get("cell_methods", ""))
        rising = bool(np.all(np.diff(values, axis=0) >= -1e-9))
        accumulation = "since_start" if rising and not summed else "interval"
    per_interval = np.diff(values, axis=0) if accumulation == "since_start" else values[1:]
    out = depth.isel(time=slice(1, None)).copy(data=per_interval / hours.reshape(shape))
    return out.assign_attrs(units="mm h-1")


def _crs_of(ds: xr.Dataset, var: xr.DataArray) -> CRS | None:
    name = var.attrs.get("grid_mapping")
    for candidate in (name, "spatial_ref", "crs"):
        if candidate and candidate in ds.variables:
            attrs = ds[candidate].attrs
            try:
                return (
                    CRS.from_cf(attrs)
                    if "grid_mapping_name" in attrs
                    else CRS(attrs.get("crs_wkt") or attrs.get("spatial_ref"))
                )
            except CRSError:
                return None
    return None


def _open_one(
    path: Path, variable: str | None, accumulation: Accumulation, problems: list[str]
) -> tuple[xr.DataArray, CRS, str, str] | None:
    label = path.name
    try:
        engine = "cfgrib" if path.suffix.lower() in (".grib", ".grib2", ".grb") else None
        ds = xr.open_dataset(path, engine=engine).load()
    except (OSError, ValueError) as exc:
        problems.append(f"{label}: cannot open: {exc}")
        return None
    names = [variable] if variable else [v for v in ds.data_vars if "time" in ds[v].dims]
    if not names or names[0] not in ds:
        problems.append(f"{label}: no rain variable {variable or 'over time'}")
        return None
    var = ds[names[0]]
    if "time" not in var.dims:
        problems.append(f"{label}: {names[0]} has no time dimension")
        return None
    if not np.issubdtype(var["time"].dtype, np.datetime64):
        problems.append(f"{label}: time must be CF datetimes (units 'hours since ...')")
        return None
    xname = next((n for n in ("lon", "longitude", "x") if n in var.dims), None)
    yname = next((n for n in ("lat", "latitude", "y") if n in var.dims), None)
    if xname is None or yname is None:
        problems.append(f"{label}: no lon/lat or x/y grid in {var.dims}")
        return None
    crs = CRS.from_epsg(4326) if xname in ("lon", "longitude") else _crs_of(ds, var)
    if crs is None:
        problems.append(f"{label}: projected x/y but no CRS (give a CF grid_mapping variable)")
        return None
    try:
        rate = to_rate_mm_h(var, accumulation=accumulation, label=label)
    except TwinError as exc:
        problems.append(str(exc))
        return None
    return rate, crs, xname, yname


def _regrid(
    rate: xr.DataArray, crs: CRS, xname: str, yname: str, x: np.ndarray, y: np.ndarray, to: CRS
) -> xr.DataArray:
    xx, yy = np.meshgrid(x, y)
    sx, sy = Transformer.from_crs(to, crs, always_xy=True).transform(xx, yy)
    if crs.is_geographic and float(rate[xname].max()) > 180.0:
        sx = np.mod(sx, 360.0)  # a grid in 0..360 degrees east
    at = {
        xname: xr.DataArray(sx, dims=("y", "x")),
        yname: xr.DataArray(sy, dims=("y", "x")),
    }
    out = rate.interp(at, method="linear")
    return out.drop_vars([xname, yname], errors="ignore").assign_coords(x=x, y=y)


def read_forecast_rain(
    paths: str | Path | Sequence[str | Path],
    *,
    x: np.ndarray,
    y: np.ndarray,
    crs: CRS | str,
    start: pd.Timestamp | str | None = None,
    variable: str | None = None,
    accumulation: Accumulation = "auto",
) -> list[xr.DataArray]:
    """Read forecast rain files (one per ensemble member) onto a grid in the city's CRS.

    Parameters
    ----------
    paths
        One file, or one per ensemble member.
    x, y
        Target cell centres in ``crs`` (metres).
    crs
        The city's CRS.
    start
        Time zero of the result (the run's start, UTC); default the first file's first time.
    variable
        The rain variable; default the first variable over time.
    accumulation
        How to read an accumulation (see the module docstring).

    Returns
    -------
    list of xarray.DataArray
        Per member: rain (mm/h) over ``(time, y, x)``, time in seconds since ``start``,
        held over each interval; NaN where the file does not reach.

    Raises
    ------
    TwinError
        Every problem of every file at once.
    """
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    problems: list[str] = []
    opened = [_open_one(f, variable, accumulation, problems) for f in files]
    if problems or not files:
        raise TwinError("forecast rain: " + ("; ".join(problems) or "no files given"))
    target = CRS(crs)
    members: list[xr.DataArray] = []
    t0 = None if start is None else pd.Timestamp(start)
    for item in opened:
        assert item is not None
        rate, src_crs, xname, yname = item
        grid = _regrid(rate, src_crs, xname, yname, np.asarray(x), np.asarray(y), target)
        times = pd.DatetimeIndex(rate["time"].values)
        first_step = times[1] - times[0] if times.size > 1 else pd.Timedelta(hours=1)
        if t0 is None:
            t0 = times[0] - first_step
        zero = t0.tz_convert("UTC").tz_localize(None) if t0.tzinfo else t0
        ends = (times - zero).total_seconds().to_numpy()
        step = first_step.total_seconds()
        edges = np.concatenate([[ends[0] - step], ends])
        blocks = grid.transpose("time", "y", "x").values
        none = np.zeros(blocks.shape[1:])
        # held over each interval: two samples per interval, 1 s apart at its edges
        t: list[float] = [0.0] if edges[0] > 0 else []
        v: list[np.ndarray] = [none] if edges[0] > 0 else []
        for k in range(blocks.shape[0]):
            t += [edges[k], edges[k + 1] - 1.0]
            v += [blocks[k], blocks[k]]
        t.append(edges[-1])
        v.append(none)
        values = np.stack(v)
        members.append(
            xr.DataArray(
                values,
                coords={
                    "time": ("time", np.asarray(t), {"units": "s"}),
                    "y": grid["y"],
                    "x": grid["x"],
                },
                dims=("time", "y", "x"),
                name="rain",
                attrs={"units": "mm h-1", "source": str(files[len(members)].name)},
            )
        )
    return members


def forecast_catchment_rain(
    paths: str | Path | Sequence[str | Path],
    catchments: gpd.GeoDataFrame,
    *,
    cell_m: float = 1000.0,
    step_s: float = 3600.0,
    start: pd.Timestamp | str | None = None,
    variable: str | None = None,
    accumulation: Accumulation = "auto",
) -> list[pd.DataFrame]:
    """Mean forecast rain (mm per step) over each catchment, one frame per member.

    The files are regridded onto a ``cell_m`` grid over the catchments (in their CRS) and
    averaged per catchment; a catchment the files do not cover is an error naming it.
    """
    if catchments.crs is None or len(catchments) == 0:
        raise TwinError("forecast rain: the catchments layer is empty or has no CRS")
    x0, y0, x1, y1 = catchments.total_bounds
    x = np.arange(x0 + cell_m / 2, x1, cell_m)
    y = np.arange(y1 - cell_m / 2, y0, -cell_m)
    members = read_forecast_rain(
        paths,
        x=x,
        y=y,
        crs=catchments.crs,
        start=start,
        variable=variable,
        accumulation=accumulation,
    )
    return [catchment_rain(catchments, m, step_s=step_s) for m in members]
