"""The spacing of a regular grid: the one place the cell size is computed.

Every package may use it (``layers`` is the bottom of ``layers -> hydro -> twin -> api``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from layers._errors import LayerError

__all__ = ["grid_spacing_m"]


def grid_spacing_m(grid: Any) -> tuple[float, float]:
    """Cell width and height (m, positive) of a grid with regular ``x`` and ``y`` coordinates.

    Parameters
    ----------
    grid
        An xarray DataArray or Dataset (a DEM, a flood result) with cell-centre ``x`` and ``y``.

    Raises
    ------
    LayerError
        When the grid has fewer than 2 cells along ``x`` or ``y``.

    Examples
    --------
    >>> import xarray as xr
    >>> grid_spacing_m(xr.Dataset(coords={"x": [5.0, 15.0, 25.0], "y": [35.0, 5.0]}))
    (10.0, 30.0)
    """
    x = np.asarray(grid["x"], dtype=float)
    y = np.asarray(grid["y"], dtype=float)
    if x.size < 2 or y.size < 2:
        raise LayerError("a grid needs at least 2 cells along x and y to have a cell size")
    return abs(float(x[1] - x[0])), abs(float(y[1] - y[0]))
