"""Water bodies on a DEM: the cells below a level that connect to a named edge or point."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import xarray as xr
from scipy import ndimage

from hydro._errors import HydroError
from hydro._grid import edge_cells, grid_from_elevation

__all__ = ["connected_below"]

_EDGES = ("north", "south", "west", "east")


def connected_below(
    elevation: xr.DataArray,
    level_m: float,
    *,
    edges: Iterable[str] = (),
    seeds: Iterable[tuple[float, float]] = (),
) -> xr.DataArray:
    """The cells whose bed lies below ``level_m`` and that water at that level reaches from
    ``edges`` or ``seeds`` (through cells sharing a side): a sea, lagoon or river at rest.

    Initial water filled only here leaves dry the pits and hollows that lie below the level
    but are cut off from the water body (a flood fill, not every low cell).

    Parameters
    ----------
    elevation : xarray.DataArray (y, x)
        Bed (m), the model's grid.
    level_m : float
        Water level (m).
    edges : iterable of {"north", "south", "west", "east"}
        Edges where the water body enters the grid (the sea beyond a level boundary).
    seeds : iterable of (x, y)
        Points (m, the elevation's CRS) in the water body (a river, a lake).

    Returns
    -------
    xarray.DataArray (y, x) of bool
    """
    grid, z = grid_from_elevation(elevation)
    edges = list(edges)
    seeds = [(float(x), float(y)) for x, y in seeds]
    bad = [e for e in edges if e not in _EDGES]
    if bad:
        raise HydroError(f"connected_below: edges must be among {_EDGES}, got {bad}")
    if not edges and not seeds:
        raise HydroError("connected_below: name the water body: edges=... and/or seeds=...")
    below = z < level_m
    start = np.zeros_like(below)
    for e in edges:
        edge_cells(start, grid.edge_index[e])[:] = True
    for x, y in seeds:
        cell = grid.cell_of(x, y)
        if cell is None:
            raise HydroError(f"connected_below: seed ({x:g}, {y:g}) lies outside the grid")
        start[cell] = True
    labels, _ = ndimage.label(below)
    hit = np.unique(labels[start & below])
    mask = np.isin(labels, hit[hit > 0])
    return xr.DataArray(
        mask, coords={"y": elevation["y"], "x": elevation["x"]}, dims=("y", "x"), name="water"
    )
