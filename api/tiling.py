"""Map tiles of flood results and of the terrain: Web Mercator XYZ PNGs rendered by rio-tiler.

A tile is: open (the variable as a georeferenced DataArray), read (rio-tiler's
:class:`~rio_tiler.io.XarrayReader` reprojects the tile's window to Web Mercator), render
(fitted range and colormap, transparent where dry), respond. Nothing here computes floods:
the hazard class comes from ``ds.flood.hazard()`` (hydro).

Examples
--------
>>> from hydro.accessor import example_result
>>> ds = example_result()
>>> field = flood_field(ds, "depth", time_index=3)
>>> png = render_tile(field, STYLES["depth"], z=18, x=209416, y=118917)
>>> png[:4] == b"\\x89PNG" and png != EMPTY_TILE
True
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from affine import Affine
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import XarrayReader
from rio_tiler.utils import render

import hydro.accessor  # noqa: F401  (registers ds.flood)
from twin import TwinError
from twin.styles import STYLES, ColourClass, Style

__all__ = [
    "EMPTY_TILE",
    "HILLSHADE",
    "RUN_VARS",
    "STYLES",
    "TILE_SIZE",
    "flood_field",
    "hillshade",
    "render_tile",
    "time_index",
]

TILE_SIZE = 256


#: The variables a run's tiles draw (each styled by :data:`twin.styles.STYLES`).
RUN_VARS: tuple[str, ...] = ("depth", "max_depth", "hazard", "arrival_time")

#: The terrain's grey hillshade (not a flood variable, so not in the style table).
HILLSHADE = Style(
    "hillshade",
    "1",
    "Bóng địa hình",
    "Hillshade",
    tuple(
        ColourClass(v, v + 8.0 if v < 248 else math.inf, "#" + f"{v:02x}" * 3)
        for v in range(0, 256, 8)
    ),
    opacity=1.0,
)


# A pixel grid for the PNG writer: with no transform rasterio warns (NotGeoreferencedWarning)
# and rio-tiler hides that with warnings.catch_warnings(), which is not thread-safe: under
# concurrent tile requests one thread's exit restores filters another relies on.
_PNG_TRANSFORM = Affine(1.0, 0.0, 0.0, 0.0, -1.0, float(TILE_SIZE))


def _png(data: np.ndarray, mask: np.ndarray) -> bytes:
    encoded: bytes = render(data, mask, img_format="PNG", transform=_PNG_TRANSFORM)
    return encoded


def _empty_tile() -> bytes:
    data = np.zeros((1, TILE_SIZE, TILE_SIZE), dtype="uint8")
    mask = np.zeros((TILE_SIZE, TILE_SIZE), dtype="uint8")
    return _png(data, mask)


EMPTY_TILE = _empty_tile()
"""A fully transparent tile (outside the data, or all dry)."""


_SECONDS = re.compile(r"\+?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
"""Elapsed seconds as a plain decimal, 0 or more (no ``nan``, ``-5`` or ``1_000``)."""


def _time_values(ds: xr.Dataset) -> np.ndarray:
    return np.asarray(ds["time"].values)


def time_index(ds: xr.Dataset, time: str | None) -> int:
    """Index of the output time nearest to ``time`` (default: the last).

    Parameters
    ----------
    ds
        A flood result with a ``time`` coordinate (elapsed seconds or datetimes).
    time
        An ISO 8601 datetime (with an offset, or UTC), or elapsed seconds since the start.

    Raises
    ------
    twin.TwinError
        When ``time`` cannot be read.
    """
    values = _time_values(ds)
    if len(values) == 0:
        raise TwinError("the run has no output times yet")
    if time is None or time == "":
        return len(values) - 1
    if np.issubdtype(values.dtype, np.datetime64):
        try:
            # fromisoformat, not pd.Timestamp: that reads "nan" as NaT and "-5" as a year
            written = datetime.fromisoformat(time)
            if not 1900 <= written.year <= 2199:  # also keeps the nanoseconds below in range
                raise ValueError
            stamp = pd.Timestamp(written)
            if stamp.tzinfo is not None:
                stamp = stamp.tz_convert("UTC").tz_localize(None)
            target = np.datetime64(stamp.to_datetime64(), "ns")
        except (ValueError, TypeError, OverflowError):
            raise TwinError(
                f"time={time!r} is not a datetime: use ISO 8601, e.g. 2020-10-06T12:00:00+07:00"
            ) from None
        deltas = np.abs(values.astype("datetime64[ns]") - target).astype("int64")
    else:
        seconds = float(time) if _SECONDS.fullmatch(time) else math.nan
        if not math.isfinite(seconds):
            raise TwinError(
                f"time={time!r} must be elapsed seconds since the start (0 or more, e.g. 3600)"
            )
        deltas = np.abs(values.astype("float64") - seconds)
    return int(np.argmin(deltas))


def time_label(ds: xr.Dataset, index: int) -> str:
    """The output time at ``index`` as text (ISO datetime or seconds)."""
    value = _time_values(ds)[index]
    if isinstance(value, np.datetime64 | datetime):
        # "Z", not "+00:00": a "+" in a query string reads as a space.
        return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{float(value):g}"


def flood_field(ds: xr.Dataset, var: str, *, time_index: int | None = None) -> xr.DataArray:
    """The (y, x) field of ``var`` to draw, with the result's CRS.

    ``depth`` and ``hazard`` are taken at ``time_index`` (default: the last output);
    ``max_depth``, ``arrival_time`` are over the whole run (``hazard`` without a time: the
    maximum class).

    Raises
    ------
    twin.TwinError
        For an unknown variable, or one the result does not hold.
    """
    if var not in RUN_VARS:
        names = ", ".join(RUN_VARS)
        raise TwinError(f"no tile variable {var!r}: use one of {names}")
    crs = ds.rio.crs
    if var == "hazard":
        hz = ds.flood.hazard()
        field = (
            hz["max_hazard_class"]
            if time_index is None
            else hz["hazard_class"].isel(time=time_index)
        )
    elif var == "depth":
        if "depth" not in ds:
            raise TwinError("the run holds no depth series")
        index = -1 if time_index is None else time_index
        field = ds["depth"].isel(time=index)
    else:
        if var not in ds:
            raise TwinError(f"the run holds no {var}")
        field = ds[var]
    field = field.astype("float32").load()
    return field.rio.write_crs(crs) if crs is not None else field


def render_tile(field: xr.DataArray, style: Style, *, z: int, x: int, y: int) -> bytes:
    """One 256 x 256 PNG tile of ``field`` (transparent outside it and where dry).

    Parameters
    ----------
    field
        A (y, x) DataArray with a CRS (rioxarray).
    style
        How to draw it (:data:`twin.styles.STYLES`, or :data:`HILLSHADE`).
    z, x, y
        The XYZ tile (Web Mercator).
    """
    try:
        with XarrayReader(field) as src:
            if not src.tile_exists(x, y, z):
                return EMPTY_TILE
            img = src.tile(x, y, z, tilesize=TILE_SIZE, reproject_method="nearest", nodata=np.nan)
    except TileOutsideBounds:
        return EMPTY_TILE
    values = np.asarray(img.array.data[0], dtype="float64")
    rgba = style.rgba(np.where(np.asarray(img.array.mask[0]), np.nan, values))
    if not rgba[..., 3].any():
        return EMPTY_TILE
    bands = np.ascontiguousarray(rgba.transpose(2, 0, 1))
    return _png(bands[:3], bands[3])


def hillshade(
    dem: xr.DataArray,
    *,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    z_factor: float = 3.0,
) -> xr.DataArray:
    """Hillshade (0 dark .. 255 lit) of a DEM, for a base layer that needs no internet.

    Parameters
    ----------
    dem
        Elevation (m) on a projected (y, x) grid, row 0 north, CRS set.
    azimuth_deg, altitude_deg
        Direction and height of the light.
    z_factor
        Vertical exaggeration (the delta is flat).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.tile(np.arange(4.0), (3, 1)), dims=("y", "x"),
    ...                    coords={"y": [20.0, 10.0, 0.0], "x": [0.0, 10.0, 20.0, 30.0]})
    >>> float(hillshade(dem).isel(y=1, x=1)) > 0
    True
    """
    values = np.asarray(dem.values, dtype="float64")
    dx = abs(float(dem.x[1] - dem.x[0])) if dem.sizes["x"] > 1 else 1.0
    dy = abs(float(dem.y[1] - dem.y[0])) if dem.sizes["y"] > 1 else 1.0
    filled = np.where(np.isfinite(values), values, np.nanmean(values))
    gy, gx = np.gradient(filled * z_factor, dy, dx)
    slope = np.arctan(np.hypot(gx, gy))
    # Row 0 is north, so +row is south: aspect measured from north, clockwise.
    aspect = np.arctan2(-gx, gy)
    az = math.radians(360.0 - azimuth_deg + 90.0)
    alt = math.radians(altitude_deg)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    out = np.clip(shade, 0, 1) * 254 + 1
    out = np.where(np.isfinite(values), out, np.nan).astype("float32")
    result = xr.DataArray(out, dims=dem.dims, coords={"y": dem.y, "x": dem.x}, name="hillshade")
    crs: Any = dem.rio.crs if hasattr(dem, "rio") else None
    return result.rio.write_crs(crs) if crs is not None else result
