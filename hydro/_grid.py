"""The model grid: checks on the elevation and on fields that must lie on the same grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from hydro._errors import HydroError
from hydro._kernels import EDGE_FIRST_COL, EDGE_FIRST_ROW, EDGE_LAST_COL, EDGE_LAST_ROW

__all__ = ["Grid", "edge_cells", "edge_faces", "field_on_grid", "grid_from_elevation"]

_RTOL = 1e-6


@dataclass(frozen=True)
class Grid:
    """A regular raster of square cells.

    Attributes
    ----------
    x, y : ndarray
        Cell-centre coordinates (m), as given (either direction).
    dx : float
        Cell size (m), positive.
    edge_index : dict
        Edge name -> ``EDGE_FIRST_ROW``, ``EDGE_LAST_ROW``, ``EDGE_FIRST_COL`` or
        ``EDGE_LAST_COL`` (:mod:`hydro._kernels`; 0..3).
    """

    x: np.ndarray
    y: np.ndarray
    dx: float
    edge_index: dict[str, int]

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return (self.y.size, self.x.size)

    @property
    def cell_area(self) -> float:
        """Area of one cell (m²)."""
        return self.dx * self.dx

    def cell_of(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, col) of the cell containing point (x, y), None when outside the grid."""
        col = int(np.floor((x - self.x[0]) / (self.x[1] - self.x[0]) + 0.5))
        row = int(np.floor((y - self.y[0]) / (self.y[1] - self.y[0]) + 0.5))
        if 0 <= row < self.y.size and 0 <= col < self.x.size:
            return row, col
        return None

    def along(self, edge: str) -> np.ndarray:
        """Coordinates (m) of the cells along ``edge``: x for north/south, y for west/east."""
        return self.y if self.edge_index[edge] >= EDGE_FIRST_COL else self.x


def edge_cells(cells: np.ndarray, code: int) -> np.ndarray:
    """The view of a (ny, nx) cell array along the edge ``code`` (first row ... last column)."""
    if code == EDGE_FIRST_ROW:
        return cells[0, :]
    if code == EDGE_LAST_ROW:
        return cells[-1, :]
    if code == EDGE_FIRST_COL:
        return cells[:, 0]
    return cells[:, -1]


def edge_faces(qx: np.ndarray, qy: np.ndarray, code: int) -> np.ndarray:
    """The view of the face fluxes on the edge ``code``: a row of ``qy`` or a column of ``qx``."""
    return edge_cells(qy if code <= EDGE_LAST_ROW else qx, code)


def _regular_step(coord: np.ndarray, name: str, problems: list[str]) -> float:
    if coord.ndim != 1 or coord.size < 2:
        problems.append(f"coordinate '{name}' must be 1-D with at least 2 cells")
        return float("nan")
    steps = np.diff(coord.astype(np.float64))
    step = float(steps[0])
    if step == 0 or not np.allclose(steps, step, rtol=_RTOL, atol=0.0):
        problems.append(
            f"coordinate '{name}' is not regular (spacing {steps.min():g}..{steps.max():g} m); "
            "resample the elevation onto a regular grid (e.g. rio.reproject(resolution=...))"
        )
    return step


def grid_from_elevation(elevation: object) -> tuple[Grid, np.ndarray]:
    """Check an elevation DataArray; return its :class:`Grid` and the bed as float64 (ny, nx).

    Every problem found is reported in one :class:`~hydro.HydroError`.
    """
    if not isinstance(elevation, xr.DataArray):
        raise HydroError(
            f"elevation must be an xarray.DataArray over ('y', 'x'), got {type(elevation).__name__}"
        )
    if set(elevation.dims) != {"y", "x"}:
        raise HydroError(
            f"elevation must have dims ('y', 'x') (projected metres), got {elevation.dims}; "
            "rename them (e.g. .rename(lat='y', lon='x') after reprojecting)"
        )
    problems: list[str] = []
    for d in ("x", "y"):
        if d not in elevation.coords:
            problems.append(f"elevation needs a '{d}' coordinate (cell centres in metres)")
    if problems:
        raise HydroError("; ".join(problems))
    elevation = elevation.transpose("y", "x")
    x = np.asarray(elevation["x"].values, dtype=np.float64)
    y = np.asarray(elevation["y"].values, dtype=np.float64)
    dx = _regular_step(x, "x", problems)
    dy = _regular_step(y, "y", problems)
    if (
        np.isfinite(dx)
        and np.isfinite(dy)
        and not np.isclose(abs(dx), abs(dy), rtol=_RTOL, atol=0.0)
        and not problems
    ):
        problems.append(
            f"cells are {abs(dx):g} m × {abs(dy):g} m; the solver needs square cells: resample "
            "to one resolution (e.g. rio.reproject(resolution=...))"
        )
    units = elevation.attrs.get("units")
    if units is not None and str(units).strip().lower() not in ("m", "metre", "meter", "metres"):
        problems.append(f"elevation units are {units!r}; give metres (attrs['units'] = 'm')")
    z = np.asarray(elevation.values, dtype=np.float64)
    bad = ~np.isfinite(z)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        problems.append(
            f"elevation has {int(bad.sum())} NaN/infinite cells (first at x={x[c]:g}, "
            f"y={y[r]:g}); fill the holes (e.g. rio.interpolate_na()) or raise them into walls"
        )
    if problems:
        raise HydroError("invalid elevation: " + "; ".join(problems))
    first_row_north = dy < 0
    first_col_west = dx > 0
    edge_index = {
        "north": EDGE_FIRST_ROW if first_row_north else EDGE_LAST_ROW,
        "south": EDGE_LAST_ROW if first_row_north else EDGE_FIRST_ROW,
        "west": EDGE_FIRST_COL if first_col_west else EDGE_LAST_COL,
        "east": EDGE_LAST_COL if first_col_west else EDGE_FIRST_COL,
    }
    return Grid(x=x, y=y, dx=abs(dx), edge_index=edge_index), z


def field_on_grid(value: xr.DataArray, grid: Grid, what: str) -> np.ndarray:
    """A (y, x) DataArray that must lie on the model grid -> float64 (ny, nx)."""
    if set(value.dims) != {"y", "x"}:
        raise HydroError(f"{what}: expected dims ('y', 'x'), got {value.dims}")
    value = value.transpose("y", "x")
    for d, ref in (("x", grid.x), ("y", grid.y)):
        if d not in value.coords:
            raise HydroError(f"{what}: needs a '{d}' coordinate")
        c = np.asarray(value[d].values, dtype=np.float64)
        if c.shape != ref.shape or not np.allclose(c, ref, rtol=0, atol=1e-6 * grid.dx):
            raise HydroError(
                f"{what}: its grid does not match the elevation's ({d}: {c.size} cells from "
                f"{c[0] if c.size else float('nan'):g} vs {ref.size} from {ref[0]:g}); "
                "reproject it onto the elevation grid (e.g. rio.reproject_match(elevation))"
            )
    out = np.asarray(value.values, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise HydroError(f"{what}: contains NaN or infinite values; fill them first")
    return out
