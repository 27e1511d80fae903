"""Grid helpers shared by the impact modules: cell geometry, rasterising, sampling, time."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from affine import Affine
from rasterio import features

from layers import LayerError
from layers.spacing import grid_spacing_m
from twin._errors import TwinError

__all__ = [
    "cell_index",
    "cell_size_m",
    "elapsed_seconds",
    "grid_transform",
    "rasterize_index",
    "to_timestamp",
]


def cell_size_m(result: xr.Dataset) -> tuple[float, float]:
    """Cell width and height (m) of a flood result's regular grid."""
    try:
        return grid_spacing_m(result)
    except LayerError:
        raise TwinError("the flood result needs at least 2 cells along x and y") from None


def grid_transform(result: xr.Dataset) -> Affine:
    """Affine transform (rasterio convention) of the grid whose cell centres are x/y."""
    x = np.asarray(result["x"], dtype=float)
    y = np.asarray(result["y"], dtype=float)
    dx = float(x[1] - x[0])
    dy = float(y[1] - y[0])
    return Affine(dx, 0.0, float(x[0]) - dx / 2, 0.0, dy, float(y[0]) - dy / 2)


def rasterize_index(gdf: gpd.GeoDataFrame, result: xr.Dataset) -> npt.NDArray[np.int32]:
    """Row number of the polygon whose area holds each cell centre, -1 elsewhere.

    A cell belongs to the polygon that contains its centre (rasterio's default rule); where
    polygons overlap, the later row wins.
    """
    shape = (result.sizes["y"], result.sizes["x"])
    if len(gdf) == 0:
        return np.full(shape, -1, dtype=np.int32)
    shapes = ((geom, i) for i, geom in enumerate(gdf.geometry) if geom is not None)
    return features.rasterize(
        shapes, out_shape=shape, transform=grid_transform(result), fill=-1, dtype="int32"
    )


def cell_index(
    result: xr.Dataset, x_m: npt.ArrayLike, y_m: npt.ArrayLike
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Row and column of the cell holding each point, and whether the point is on the grid."""
    x = np.asarray(result["x"], dtype=float)
    y = np.asarray(result["y"], dtype=float)
    px = np.atleast_1d(np.asarray(x_m, dtype=float))
    py = np.atleast_1d(np.asarray(y_m, dtype=float))
    col = np.rint((px - x[0]) / (x[1] - x[0])).astype(np.intp)
    row = np.rint((py - y[0]) / (y[1] - y[0])).astype(np.intp)
    inside = (col >= 0) & (col < x.size) & (row >= 0) & (row < y.size)
    inside &= np.isfinite(px) & np.isfinite(py)
    return np.where(inside, row, 0), np.where(inside, col, 0), inside


def elapsed_seconds(result: xr.Dataset, start: pd.Timestamp | None = None) -> npt.NDArray[Any]:
    """Output times of ``result`` as seconds since the start of the run.

    ``time`` is either elapsed seconds already, or datetimes; then ``start`` (or the
    result's ``start`` attribute, or else the first output time) is the origin.
    """
    t = result["time"].values
    if np.issubdtype(t.dtype, np.datetime64):
        origin = start if start is not None else result.attrs.get("start")
        t0 = (
            _naive_utc(pd.Timestamp(origin)).to_datetime64()
            if origin is not None
            else t[0].astype("datetime64[ns]")
        )
        return (t.astype("datetime64[ns]") - t0) / np.timedelta64(1, "s")
    return np.asarray(t, dtype=float)


def arrival_seconds(result: xr.Dataset, start: pd.Timestamp | None = None) -> npt.NDArray[Any]:
    """``arrival_time`` of ``result`` as seconds since the start of the run (NaN if never)."""
    a = result["arrival_time"].values
    if np.issubdtype(a.dtype, np.datetime64):
        origin = start if start is not None else result.attrs.get("start")
        t0 = (
            _naive_utc(pd.Timestamp(origin)).to_datetime64()
            if origin is not None
            else result["time"].values[0].astype("datetime64[ns]")
        )
        out = (a.astype("datetime64[ns]") - t0) / np.timedelta64(1, "s")
        return np.where(np.isnat(a), np.nan, out)
    return np.asarray(a, dtype=float)


def to_timestamp(start: pd.Timestamp | None, seconds: float) -> str | None:
    """ISO 8601 UTC time ``seconds`` after ``start`` (to the second); None if either is missing."""
    if start is None or seconds is None or not np.isfinite(seconds):
        return None
    ts = pd.Timestamp(start)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return (ts + pd.Timedelta(seconds=float(seconds))).round("s").isoformat()


def _naive_utc(ts: pd.Timestamp) -> pd.Timestamp:
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts
