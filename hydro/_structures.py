"""Linear structures on cell faces: levees, walls and embankments with a crest level.

A structure is a line (TUFLOW's z-line, SFINCS's thin dam / weir, LISFLOOD-FP's weir file)
snapped to the cell edges nearest to it: each cell edge it follows is a face that water crosses
only above the crest, as a broad-crested weir,

    q = C (η_up - z_crest)^1.5                          (m²/s, free flow)
    q = C (η_up - z_crest)^1.5 (1 - r^1.5)^0.385        r = (η_down - z_crest) / (η_up - z_crest)

with Villemonte's (1947) reduction when the downstream water stands above the crest. The weir
flux replaces the face's momentum-equation flux; it still goes through the outflow limiter, so
the volume balance stays exact. Faces whose crest lies at or below the higher of the two beds
are left to the ordinary update (a wall lower than the ground changes nothing).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numba import njit

from hydro._errors import HydroError
from hydro._grid import Grid

__all__ = ["WEIR_COEFF", "Structure", "snap_to_faces", "weir_faces"]

#: Free-flow coefficient of a broad-crested weir, (2/3)^1.5 sqrt(g) (m^0.5/s).
WEIR_COEFF = (2.0 / 3.0) ** 1.5 * 9.81**0.5


@dataclass
class Structure:
    """Faces of one line: ``rows``, ``cols`` of the face (``qy[row, col]`` where ``is_y``, else
    ``qx[row, col]``), each with its crest (m); ``coeff`` the weir coefficient."""

    vertices: np.ndarray  # (n, 2) x, y as given
    rows: np.ndarray
    cols: np.ndarray
    is_y: np.ndarray  # bool
    crest: np.ndarray  # m
    coeff: float


def snap_to_faces(grid: Grid, vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interior cell faces along a polyline: ``(rows, cols, is_y)``, each face once.

    The line is walked in steps of a tenth of a cell; each point goes to the nearest cell
    corner, and consecutive corners are joined along cell edges (a staircase), so the faces form
    a continuous wall that water cannot pass diagonally.
    """
    ny, nx = grid.shape
    sx = grid.x[1] - grid.x[0]
    sy = grid.y[1] - grid.y[0]
    x0 = grid.x[0] - 0.5 * sx  # corner column 0
    y0 = grid.y[0] - 0.5 * sy  # corner row 0
    pts = []
    for (ax, ay), (bx, by) in itertools.pairwise(vertices.tolist()):
        n = max(int(np.ceil(np.hypot(bx - ax, by - ay) / grid.dx * 10)), 1)
        f = np.linspace(0.0, 1.0, n + 1)
        pts.append(np.column_stack([ax + f * (bx - ax), ay + f * (by - ay)]))
    p = np.vstack(pts)
    cj = np.rint((p[:, 0] - x0) / sx).astype(np.int64)
    ci = np.rint((p[:, 1] - y0) / sy).astype(np.int64)
    faces: dict[tuple[int, int, bool], None] = {}
    i, j = int(ci[0]), int(cj[0])
    for ti, tj in zip(ci[1:].tolist(), cj[1:].tolist(), strict=True):
        while (i, j) != (ti, tj):
            if j != tj:  # along corner row i: the edge between cells (i - 1, c) and (i, c)
                step = 1 if tj > j else -1
                c = min(j, j + step)
                if 0 < i < ny and 0 <= c < nx:
                    faces[(i, c, True)] = None
                j += step
            else:  # along corner column j: the edge between cells (r, j - 1) and (r, j)
                step = 1 if ti > i else -1
                r = min(i, i + step)
                if 0 < j < nx and 0 <= r < ny:
                    faces[(r, j, False)] = None
                i += step
    if not faces:
        raise HydroError(
            "structure: the line follows no interior cell face (shorter than a cell, or on the "
            "domain's edge); check its coordinates and CRS"
        )
    keys = list(faces)
    return (
        np.array([k[0] for k in keys], np.int64),
        np.array([k[1] for k in keys], np.int64),
        np.array([k[2] for k in keys], np.bool_),
    )


@njit(cache=True, error_model="numpy")
def weir_faces(h, z, qx, qy, rows, cols, is_y, crest, coeff, thresh):
    """Set the flux of each structure face (m²/s) from the broad-crested weir equation.

    ``qx`` and ``qy`` are the new fluxes of the step (``qy`` the array the step's y-fluxes were
    written to). Positive flux runs towards increasing column (x) or row (y).
    """
    for k in range(rows.size):
        i = rows[k]
        j = cols[k]
        if is_y[k]:
            ia, ja = i - 1, j
        else:
            ia, ja = i, j - 1
        za = z[ia, ja]
        zb = z[i, j]
        zc = crest[k]
        if zc <= max(za, zb):
            continue  # the ground is higher than the wall: the ordinary face flux stands
        ea = za + h[ia, ja]
        eb = zb + h[i, j]
        up = max(ea, eb)
        dn = min(ea, eb)
        head = up - zc
        q = 0.0
        if head > thresh:
            q = coeff * head * np.sqrt(head)
            if dn > zc:
                r = (dn - zc) / head
                q *= (1.0 - r * np.sqrt(r)) ** 0.385
            if eb > ea:
                q = -q
        if is_y[k]:
            qy[i, j] = q
        else:
            qx[i, j] = q
