"""DEM conditioning on the model grid: filling the undrained pits of a region.

Pits matter at the model's resolution, not only at the source DEM's: block means of a fine DEM
raise a narrow valley floor with its sides, and a valley that drained at 30 m holds ponds
several metres deep at 90 m (most of the demo city's hill pits at 90 m come from this).

The filling is Barnes, Lehman and Mulla's (2014) priority flood ("Priority-flood: an optimal
depression-filling and watershed-labeling algorithm", Computers & Geosciences 62) in its
ε-variant: each cell of the region is raised, where it has to be, to a little above the lowest
cell through which it drains, so water on it runs over 4-connected cell sides (the solver's
faces) to a cell outside the region or to the domain's edge.
"""

from __future__ import annotations

import heapq

import numpy as np
import xarray as xr

from hydro._errors import HydroError
from hydro._grid import field_on_grid, grid_from_elevation

__all__ = ["fill_pits"]


def fill_pits(
    elevation: xr.DataArray, *, where: xr.DataArray | None = None, step_m: float = 1e-3
) -> xr.DataArray:
    """``elevation`` with the pits of the region ``where`` filled (the rest unchanged).

    Parameters
    ----------
    elevation : xarray.DataArray (y, x)
        Bed (m), the model's grid.
    where : xarray.DataArray (y, x) of bool, optional
        The cells that may be raised (the hills, say; leave out the sea, lagoons and rivers,
        which are meant to hold water). Default: every cell. Cells outside it and the domain's
        edge are where water leaves.
    step_m : float
        Rise per cell across a filled hollow (m, >= 0), so that it drains.

    Returns
    -------
    xarray.DataArray
        The filled bed, same grid, dtype and attributes.
    """
    grid, z = grid_from_elevation(elevation)
    z = z.copy()  # may share the caller's float64 memory
    if not (np.isfinite(step_m) and step_m >= 0):
        raise HydroError(f"fill_pits: step_m must be >= 0, got {step_m}")
    region = (
        np.ones(grid.shape, bool)
        if where is None
        else field_on_grid(where.astype(float), grid, "fill_pits where") != 0
    )
    ny, nx = grid.shape
    flat = z.reshape(-1)
    done = ~region.reshape(-1)
    border = np.zeros((ny, nx), bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    beside = np.zeros((ny, nx), bool)
    beside[1:, :] |= region[:-1, :]
    beside[:-1, :] |= region[1:, :]
    beside[:, 1:] |= region[:, :-1]
    beside[:, :-1] |= region[:, 1:]
    # seeds: the region's cells on the domain's edge and the outside cells beside the region
    seeds = np.flatnonzero((region & border) | (beside & ~region))
    done[seeds] = True
    heap = list(zip(flat[seeds].tolist(), seeds.tolist(), strict=True))
    heapq.heapify(heap)
    while heap:
        level, k = heapq.heappop(heap)
        r, c = divmod(k, nx)
        for n in (k - nx if r > 0 else -1, k + nx if r + 1 < ny else -1,
                  k - 1 if c > 0 else -1, k + 1 if c + 1 < nx else -1):  # fmt: skip
            if n < 0 or done[n]:
                continue
            done[n] = True
            zn = flat[n]
            if zn <= level:
                zn = level + step_m
                flat[n] = zn
            heapq.heappush(heap, (zn, n))
    out = elevation.transpose("y", "x").copy(data=z.astype(elevation.dtype))
    return out
