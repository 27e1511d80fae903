"""Fixed-level cells: a sea or lagoon held at a level (SFINCS's mask value 2, LISFLOOD-FP's
fixed-level cells), in the time loop of :mod:`hydro._loop`.

Their water surface is put back to the level after every step, and the volume that takes is
counted as water from (or to) outside the domain. They do not set the time step: a face between
a fixed cell and an ordinary one has the flow depth of the higher bed (the ordinary cell's, or
shallower), and between two fixed cells the surface is flat, so the deep water there cannot make
the explicit update unstable. A deep sea thus costs no more steps than the land next to it.
Only the faces between a fixed cell and an ordinary one carry flow: inside the held water, and
between it and the domain's edge, the faces are closed (as SFINCS computes flow only into and
out of its active cells).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hydro import _kernels as K  # noqa: N812
from hydro._forcing import Series

if TYPE_CHECKING:
    from hydro.model import FloodModel

__all__ = ["FixedCells", "FixedLevel"]


@dataclass
class FixedLevel:
    """Cells ``cells`` (flat indices) held at the water level ``level`` (m)."""

    cells: np.ndarray  # int64, flat indices into (ny, nx)
    level: Series


class FixedCells:
    """The fixed-level cells of a model bound to its arrays for one run."""

    def __init__(self, model: FloodModel) -> None:
        ny, nx = model.grid.shape
        self.groups = model._forcings.fixed
        self.h = model._h
        self.z = model._z
        self.acc = np.zeros(2)
        self.balance = model._balance
        self.area = model.grid.cell_area
        # 1 for the cells that set the time step, 0 for the fixed ones
        self.weight = np.ones((ny, nx), model.dtype)
        rows = np.full(ny, nx, np.int64), np.zeros(ny, np.int64)
        for g in self.groups:
            self.weight.reshape(-1)[g.cells] = 0
            r, c = np.divmod(g.cells, nx)
            np.minimum.at(rows[0], r, c)
            np.maximum.at(rows[1], r, c + 1)
        self.col_lo, self.col_hi = rows
        # Faces with a fixed cell on both sides, or between a fixed cell and the outside, carry
        # no flow: the level there is held, so a flux would meet no restoring surface slope
        # and run on (in deep, smooth water, for hours) between the edge and the fixed cells.
        held = self.weight == 0
        fx = np.zeros((ny, nx + 1), bool)
        fx[:, 1:nx] = held[:, :-1] & held[:, 1:]
        fx[:, 0] = held[:, 0]
        fx[:, nx] = held[:, -1]
        fy = np.zeros((ny + 1, nx), bool)
        fy[1:ny, :] = held[:-1, :] & held[1:, :]
        fy[0, :] = held[0, :]
        fy[ny, :] = held[-1, :]
        self.faces_x = np.flatnonzero(fx)
        self.faces_y = np.flatnonzero(fy)

    def close_faces(self, qx: np.ndarray, qy: np.ndarray) -> None:
        """Zero the new fluxes of the faces inside the held water and on its domain edges."""
        qx.reshape(-1)[self.faces_x] = 0
        qy.reshape(-1)[self.faces_y] = 0

    def apply(self, t: float, count: bool) -> None:
        """Put the cells back to their level at time ``t``; ``count`` the volume it took."""
        acc = self.acc
        acc[:] = 0.0
        for g in self.groups:
            K.hold_level(self.h, self.z, g.cells, self.h.dtype.type(g.level.at(t)), acc)
        if count:
            self.balance.fixed_in_m3 += float(acc[0]) * self.area
            self.balance.fixed_out_m3 += float(acc[1]) * self.area

    def widen(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """Widen per-row column ranges ``[lo, hi)`` to hold the fixed cells (always wet)."""
        np.minimum(lo, self.col_lo, out=lo)
        np.maximum(hi, self.col_hi, out=hi)

    def max_depth(self, h: np.ndarray) -> float:
        """The deepest water outside the fixed cells (m): what sets the time step."""
        bits = np.int32 if h.dtype == np.float32 else np.int64
        return float(np.array(K.max_depth_where(h, self.weight), bits).view(h.dtype))
