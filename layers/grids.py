"""Grids on the DEM: new grids, Manning's n from land use and roads, and the ward index.

Every grid here is an ``xarray.DataArray`` with dims ``(y, x)``, the DEM's cell-centre
coordinates (row 0 north) and its CRS (rioxarray), so that the flood model and the
impact code can lay one over the other without resampling.

Manning's n defaults (s m^-1/3)
-------------------------------
====================  ======  ==============================================================
land use (code)       n       why
====================  ======  ==============================================================
unknown (0)           0.050   a middle value when nothing is known
water (1)             0.030   clean natural channel (Chow 1959, Table 5-6: 0.025-0.033)
urban (2)             0.080   built-up blocks: buildings block and slow the flow; 2D urban
                              flood models use 0.05-0.10 for blocks not resolved one by one
cropland (3)          0.045   rice paddy and crops (Chow 1959: mature field crops 0.03-0.05)
forest (4)            0.120   wooded hills with undergrowth (Chow 1959: 0.10-0.16)
sand (5)              0.025   bare sand of the coastal bar (Chow 1959: 0.022-0.030)
road (cells crossed   0.020   at 30 m a street fills much of a cell and is the path the water
by arterial/street)           takes through a town; asphalt alone is 0.013-0.016
====================  ======  ==============================================================
Roads are burnt after land use, except over water (a bridge does not change the river) and
except alleys (a 2-4 m kiệt fills too little of a cell to matter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr
from affine import Affine
from pyproj import CRS
from rasterio import features

__all__ = [
    "LANDUSE",
    "LANDUSE_ATTRS",
    "MANNING_N",
    "ROAD_MANNING_N",
    "grid_transform",
    "manning_grid",
    "new_grid",
    "ward_index_grid",
]

#: Land-use codes of the ``landuse`` grid.
LANDUSE: dict[str, int] = {
    "unknown": 0,
    "water": 1,
    "urban": 2,
    "cropland": 3,
    "forest": 4,
    "sand": 5,
}

#: CF attributes of a land-use grid (``flag_values`` / ``flag_meanings``).
LANDUSE_ATTRS: dict[str, Any] = {
    "long_name": "land-use code",
    "flag_values": list(LANDUSE.values()),
    "flag_meanings": " ".join(LANDUSE),
}

#: Manning's n by land-use name (s m^-1/3); see the module docstring for the sources.
MANNING_N: dict[str, float] = {
    "unknown": 0.050,
    "water": 0.030,
    "urban": 0.080,
    "cropland": 0.045,
    "forest": 0.120,
    "sand": 0.025,
}

#: Manning's n of a cell crossed by an arterial or a street (s m^-1/3).
ROAD_MANNING_N = 0.020


def new_grid(
    values: np.ndarray,
    *,
    x0: float,
    y0: float,
    cell_m: float,
    crs: CRS | str | None,
    name: str,
    attrs: Mapping[str, Any] | None = None,
) -> xr.DataArray:
    """Wrap a 2D array as a georeferenced grid.

    Parameters
    ----------
    values
        Array of shape ``(rows, cols)``, row 0 north.
    x0, y0
        Outer top-left corner (west edge, north edge) in metres.
    cell_m
        Square cell size in metres.
    crs
        Projected CRS; ``None`` leaves the grid without one.
    name
        Variable name.
    attrs
        Attributes (``units``, ``long_name``...).

    Returns
    -------
    xarray.DataArray
        Dims ``(y, x)``, cell-centre coordinates, CRS written.

    Examples
    --------
    >>> g = new_grid(np.zeros((2, 3)), x0=0, y0=60, cell_m=30, crs="EPSG:32648", name="z")
    >>> g.x.values.tolist(), g.y.values.tolist()
    ([15.0, 45.0, 75.0], [45.0, 15.0])
    """
    rows, cols = values.shape
    x = x0 + cell_m * (np.arange(cols) + 0.5)
    y = y0 - cell_m * (np.arange(rows) + 0.5)
    da = xr.DataArray(values, dims=("y", "x"), coords={"y": y, "x": x}, name=name)
    da.attrs.update(attrs or {})
    da.x.attrs.update(units="m", standard_name="projection_x_coordinate")
    da.y.attrs.update(units="m", standard_name="projection_y_coordinate")
    return da if crs is None else da.rio.write_crs(CRS.from_user_input(crs))


def grid_transform(grid: xr.DataArray) -> Affine:
    """Affine transform (rasterio convention) of a grid's outer edges.

    Parameters
    ----------
    grid
        A grid with regular ``x`` and ``y`` cell-centre coordinates, ``y`` descending.

    Returns
    -------
    affine.Affine
        Maps (col, row) to (x, y) of the cell's top-left corner.
    """
    x = grid.x.values
    y = grid.y.values
    dx = float(x[1] - x[0])
    dy = float(y[1] - y[0])
    return Affine(dx, 0.0, float(x[0] - dx / 2), 0.0, dy, float(y[0] - dy / 2))


def _like(grid: xr.DataArray, values: np.ndarray, name: str, attrs: dict[str, Any]) -> xr.DataArray:
    out = xr.DataArray(values, dims=("y", "x"), coords={"y": grid.y, "x": grid.x}, name=name)
    out.attrs.update(attrs)
    crs = grid.rio.crs
    return out.rio.write_crs(crs) if crs is not None else out


def manning_grid(
    like: xr.DataArray,
    *,
    landuse: xr.DataArray | None = None,
    roads: gpd.GeoDataFrame | None = None,
    table: Mapping[str, float] = MANNING_N,
    road_n: float = ROAD_MANNING_N,
) -> xr.DataArray:
    """Manning's n on a grid, from land use and roads.

    Parameters
    ----------
    like
        The grid to fill (the DEM).
    landuse
        Land-use codes (:data:`LANDUSE`) on the same grid; ``None``: every cell "unknown".
    roads
        Roads layer; cells crossed by an arterial or street (not a bridge, not over water)
        take ``road_n``.
    table
        Manning's n by land-use name.
    road_n
        Manning's n of a road cell.

    Returns
    -------
    xarray.DataArray
        float32 ``manning`` grid, units ``s m-1/3``.

    Examples
    --------
    >>> dem = new_grid(np.zeros((2, 2)), x0=0, y0=60, cell_m=30, crs="EPSG:32648", name="z")
    >>> lu = dem.copy(data=np.array([[1, 2], [3, 4]], dtype="int8"))
    >>> manning_grid(dem, landuse=lu).values.astype(float).round(3).tolist()
    [[0.03, 0.08], [0.045, 0.12]]
    """
    by_code = np.full(256, table["unknown"], dtype="float32")
    for name, code in LANDUSE.items():
        by_code[code] = table.get(name, table["unknown"])
    if landuse is None:
        codes = np.zeros(like.shape, dtype="uint8")
    else:
        codes = landuse.values.astype("uint8")
    n = by_code[codes]
    if roads is not None and len(roads):
        burnt = roads[roads["road_class"].isin(["arterial", "street"]) & ~roads["bridge"]]
        if len(burnt):
            mask = features.rasterize(
                ((geom, 1) for geom in burnt.geometry.values),
                out_shape=like.shape,
                transform=grid_transform(like),
                fill=0,
                dtype="uint8",
            ).astype(bool)
            mask &= codes != LANDUSE["water"]
            n[mask] = road_n
    return _like(
        like,
        n.astype("float32"),
        "manning",
        {"units": "s m-1/3", "long_name": "Manning roughness coefficient"},
    )


def ward_index_grid(like: xr.DataArray, wards: gpd.GeoDataFrame) -> xr.DataArray:
    """Index of the ward (row of ``wards``) that holds each cell centre.

    Parameters
    ----------
    like
        The grid to fill (the DEM).
    wards
        Wards layer in the grid's CRS.

    Returns
    -------
    xarray.DataArray
        int32 ``ward_index``, -1 where no ward holds the cell centre.
    """
    shape = like.shape
    if len(wards) == 0:
        values = np.full(shape, -1, dtype="int32")
    else:
        values = features.rasterize(
            ((geom, i) for i, geom in enumerate(wards.geometry.values)),
            out_shape=shape,
            transform=grid_transform(like),
            fill=-1,
            dtype="int32",
        )
    return _like(
        like,
        values,
        "ward_index",
        {"long_name": "row of the wards layer holding the cell centre (-1: none)"},
    )
