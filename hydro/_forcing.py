"""Forcings of the flood model: rates, discharges and levels, over time and on grids.

Everything is converted here, once, to SI in the model's dtype: rain and losses to m/s on the
model grid, discharges to m³/s, levels to m. Units come from the ``units`` attribute of a
DataArray; a bare number or a DataArray without ``units`` is read in the documented unit of
its argument (mm/h, m³/s, m). Anything else is a :class:`~hydro.HydroError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from hydro._errors import HydroError

__all__ = [
    "Series",
    "as_rate_grid",
    "as_series",
    "to_seconds",
]

# unit string (lower case, spaces squeezed) -> factor to SI
_RATE_UNITS = {
    "mm/h": 1e-3 / 3600.0,
    "mm h-1": 1e-3 / 3600.0,
    "mm/hr": 1e-3 / 3600.0,
    "mm hr-1": 1e-3 / 3600.0,
    "mm.h-1": 1e-3 / 3600.0,
    "m/s": 1.0,
    "m s-1": 1.0,
    "m.s-1": 1.0,
}
_DISCHARGE_UNITS = {
    "m3/s": 1.0,
    "m3 s-1": 1.0,
    "m^3/s": 1.0,
    "m³/s": 1.0,
    "m3.s-1": 1.0,
    "m**3/s": 1.0,
}
_LEVEL_UNITS = {"m": 1.0, "metre": 1.0, "meter": 1.0, "metres": 1.0, "meters": 1.0}
UNITS = {"rate": _RATE_UNITS, "discharge": _DISCHARGE_UNITS, "level": _LEVEL_UNITS}
DEFAULT_UNIT = {"rate": "mm/h", "discharge": "m3/s", "level": "m"}


def unit_factor(units: object, kind: str, what: str) -> float:
    """Factor from ``units`` to SI for a quantity of ``kind`` ("rate", "discharge", "level")."""
    table = UNITS[kind]
    if units is None:
        units = DEFAULT_UNIT[kind]
    key = " ".join(str(units).strip().lower().split())
    if key not in table:
        raise HydroError(
            f"{what}: unknown units {units!r}; use one of {sorted(table)} "
            f"(set the DataArray's attrs['units'])"
        )
    return table[key]


def to_seconds(values: np.ndarray, start: np.datetime64 | None, what: str) -> np.ndarray:
    """Times as float64 seconds since the start of the run.

    Numbers are elapsed seconds already; timedeltas are converted; datetimes need ``start``.
    """
    values = np.asarray(values)
    if np.issubdtype(values.dtype, np.datetime64):
        if start is None:
            raise HydroError(
                f"{what}: the time coordinate holds datetimes; pass run(start=...) so they can "
                "be turned into elapsed seconds, or give elapsed seconds instead"
            )
        return (values - start) / np.timedelta64(1, "ns") * 1e-9
    if np.issubdtype(values.dtype, np.timedelta64):
        return values / np.timedelta64(1, "ns") * 1e-9
    if np.issubdtype(values.dtype, np.number):
        return values.astype(np.float64)
    raise HydroError(f"{what}: time coordinate of dtype {values.dtype} is not a time")


@dataclass
class Series:
    """A scalar forcing: a constant or a time series, in SI units.

    ``times`` are the raw time coordinate values (numbers, timedeltas or datetimes) or None for
    a constant; :meth:`resolve` turns them into seconds once the run's start is known.
    """

    values: np.ndarray
    times: np.ndarray | None = None
    seconds: np.ndarray | None = None

    def resolve(self, start: np.datetime64 | None, what: str) -> None:
        """Convert the time coordinate to elapsed seconds and check it increases."""
        if self.times is None:
            return
        sec = to_seconds(self.times, start, what)
        if sec.size > 1 and not np.all(np.diff(sec) > 0):
            raise HydroError(f"{what}: the time coordinate must increase strictly")
        self.seconds = sec

    def at(self, t: float) -> float:
        """Value at elapsed time ``t`` (s): linear in time, held beyond the ends."""
        if self.times is None:
            return float(self.values[0])
        assert self.seconds is not None
        return float(np.interp(t, self.seconds, self.values))

    def minimum(self) -> float:
        """Smallest value over time."""
        return float(np.min(self.values))


def as_series(value: object, kind: str, what: str, *, nonnegative: bool) -> Series:
    """A number or a DataArray over ``time`` -> :class:`Series` in SI units."""
    if isinstance(value, xr.DataArray):
        factor = unit_factor(value.attrs.get("units"), kind, what)
        if value.dims != ("time",):
            raise HydroError(f"{what}: expected a DataArray over ('time',), got dims {value.dims}")
        if "time" not in value.coords:
            raise HydroError(f"{what}: the DataArray needs a 'time' coordinate")
        if value.size == 0:
            raise HydroError(f"{what}: the time series is empty")
        values = np.asarray(value.values, dtype=np.float64) * factor
        times = np.asarray(value["time"].values)
        to_seconds(times, np.datetime64("1970-01-01"), what)  # type check only
        series = Series(values=values, times=times)
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        series = Series(values=np.array([float(value) * unit_factor(None, kind, what)]))
    else:
        raise HydroError(
            f"{what}: expected a number or an xarray.DataArray over 'time', "
            f"got {type(value).__name__}"
        )
    if not np.all(np.isfinite(series.values)):
        raise HydroError(f"{what}: contains NaN or infinite values; fill them first")
    if nonnegative and np.any(series.values < 0):
        raise HydroError(f"{what}: must not be negative (smallest value {series.minimum():g})")
    return series


def _regrid(da: xr.DataArray, x: np.ndarray, y: np.ndarray, what: str) -> xr.DataArray:
    """Put a (..., y, x) field on the model's cell centres.

    Same grid: as is. A finer grid whose cells nest in the model's an integer number of times:
    block means (``coarsen``), which keep the volume. Otherwise: linear interpolation, with
    the nearest value where the model grid reaches past the source's cell centres.
    """
    sx = np.asarray(da["x"].values, dtype=np.float64)
    sy = np.asarray(da["y"].values, dtype=np.float64)
    if sx.shape == x.shape and sy.shape == y.shape and np.allclose(sx, x) and np.allclose(sy, y):
        return da.assign_coords(x=x, y=y)
    dx_model = abs(x[1] - x[0]) if x.size > 1 else np.inf
    if sx.size > 1 and sy.size > 1:
        fx = dx_model / abs(sx[1] - sx[0])
        fy = dx_model / abs(sy[1] - sy[0])
        if fx > 1.5 and round(fx) == round(fy) and abs(fx - round(fx)) < 1e-6:
            f = round(fx)
            coarse = da.coarsen(x=f, y=f, boundary="trim").mean()
            cx = np.asarray(coarse["x"].values)
            cy = np.asarray(coarse["y"].values)
            if (
                cx.shape == x.shape
                and cy.shape == y.shape
                and np.allclose(cx, x, atol=1e-6 * dx_model)
                and np.allclose(cy, y, atol=1e-6 * dx_model)
            ):
                return coarse.assign_coords(x=x, y=y)
    tx = xr.DataArray(x, dims="x")
    ty = xr.DataArray(y, dims="y")
    near = da.sel(x=tx, y=ty, method="nearest").assign_coords(x=x, y=y)
    if sx.size < 2 or sy.size < 2:
        return near
    out = da.interp(x=tx, y=ty, method="linear").assign_coords(x=x, y=y)
    return out.fillna(near)


def as_rate_grid(
    value: object, x: np.ndarray, y: np.ndarray, what: str, *, allow_time: bool
) -> Series | tuple[np.ndarray | None, np.ndarray]:
    """A rate (rain, loss) -> SI (m/s).

    Returns a :class:`Series` for a number or a DataArray over ``time`` alone, else a tuple
    ``(times or None, grids)`` with ``grids`` of shape (nt, ny, nx) (nt = 1 without time).
    """
    if not isinstance(value, xr.DataArray) or value.dims == ("time",):
        return as_series(value, "rate", what, nonnegative=True)
    factor = unit_factor(value.attrs.get("units"), "rate", what)
    dims = set(value.dims)
    if dims not in ({"y", "x"}, {"time", "y", "x"}):
        raise HydroError(
            f"{what}: expected dims ('time',), ('y', 'x') or ('time', 'y', 'x'), got {value.dims}"
        )
    if "time" in dims and not allow_time:
        raise HydroError(f"{what}: must not vary in time; give a ('y', 'x') grid or a number")
    for d in ("x", "y"):
        if d not in value.coords:
            raise HydroError(f"{what}: needs an '{d}' coordinate (metres, the model's CRS)")
    if "time" in dims:
        if "time" not in value.coords:
            raise HydroError(f"{what}: needs a 'time' coordinate")
        value = value.transpose("time", "y", "x")
    else:
        value = value.transpose("y", "x").expand_dims("time")
    xmin, xmax = float(value["x"].min()), float(value["x"].max())
    ymin, ymax = float(value["y"].min()), float(value["y"].max())
    dx = abs(float(x[1] - x[0])) if x.size > 1 else 0.0
    if xmax < x.min() - dx or xmin > x.max() + dx or ymax < y.min() - dx or ymin > y.max() + dx:
        raise HydroError(
            f"{what}: its grid (x {xmin:g}..{xmax:g}, y {ymin:g}..{ymax:g}) does not overlap the "
            f"model grid (x {x.min():g}..{x.max():g}, y {y.min():g}..{y.max():g}); "
            "is it in the same CRS?"
        )
    values = np.asarray(value.values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise HydroError(f"{what}: contains NaN or infinite values; fill them first")
    if np.any(values < 0):
        raise HydroError(f"{what}: must not be negative (smallest value {values.min():g})")
    regridded = _regrid(value.astype(np.float64), x, y, what)
    grids = np.asarray(regridded.values, dtype=np.float64) * factor
    times = np.asarray(value["time"].values) if "time" in dims else None
    if times is not None:
        to_seconds(times, np.datetime64("1970-01-01"), what)
    return times, grids


def parse_duration(value: object, what: str) -> float:
    """Seconds from a number of seconds or a duration string such as ``"6h"``."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = pd.Timedelta(value).total_seconds()
        except ValueError as err:
            raise HydroError(f"{what}: cannot read {value!r} as a duration (e.g. '6h')") from err
    elif isinstance(value, (pd.Timedelta, np.timedelta64)):
        seconds = pd.Timedelta(value).total_seconds()
    else:
        raise HydroError(f"{what}: expected seconds or a duration like '6h', got {value!r}")
    if not np.isfinite(seconds):
        raise HydroError(f"{what}: must be finite")
    return seconds
