"""The time loop of :meth:`hydro.FloodModel.run`: allocation, forcings per step, the kernels.

Split from :mod:`hydro.model` (the public class, inputs and checks); the functions here read
and update the model's private state in place.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numba
import numpy as np

from hydro import _kernels as K  # noqa: N812
from hydro._fixed import FixedCells
from hydro._grid import edge_cells, edge_faces
from hydro._structures import weir_faces

if TYPE_CHECKING:
    from hydro.model import FloodModel, _Inflow, _Stretch

__all__ = ["GRAVITY", "KIND_CODE", "integrate", "source_columns"]

GRAVITY = 9.81
KIND_CODE = {"closed": K.EDGE_CLOSED, "free": K.EDGE_FREE, "level": K.EDGE_LEVEL}


def integrate(
    model: FloodModel, out_times: np.ndarray, progress: Callable[[float], object] | None
) -> tuple[dict[str, np.ndarray], int, float]:
    """The time loop. Allocates everything first; nothing inside the loop allocates arrays."""
    dt_ = model.dtype
    ny, nx = model.grid.shape
    dx = model.grid.dx
    area = model.grid.cell_area
    f = model._forcings
    g = GRAVITY
    nout = out_times.size
    outputs = {
        "depth": np.empty((nout, ny, nx), dt_),
        "wse": np.empty((nout, ny, nx), dt_),
        "speed": np.empty((nout, ny, nx), dt_),
    }
    h, z, n2, qx, qy = model._h, model._z, model._n2, model._qx, model._qy
    qy_b = qy.copy()
    s = np.ones((ny, nx), dt_)
    ones = np.ones(nx, dt_)
    nblocks = min(ny, 4 * numba.get_num_threads())
    bounds = K.row_blocks(ny, nblocks)
    scratch = np.zeros((bounds.size - 1, 4, nx + 1), dt_)
    edge = np.zeros((bounds.size - 1, 2, nx + 1), dt_)
    fric2d = model.friction == "2d"
    fixed = FixedCells(model) if f.fixed else None
    if fixed is not None and model._steps == 0 and model._t == 0.0:
        fixed.apply(0.0, count=False)  # part of the initial storage
    ext_lo = np.empty(ny, np.int64)
    ext_hi = np.empty(ny, np.int64)
    K.wet_extent(h, dt_.type(model.flow_depth), ext_lo, ext_hi)
    if fixed is not None:
        fixed.widen(ext_lo, ext_hi)
    lo = ext_lo.copy()
    hi = ext_hi.copy()
    row_rain = np.zeros(ny)
    row_loss = np.zeros(ny)
    row_hmax = np.zeros(ny, np.int32 if dt_ == np.float32 else np.int64)
    row_hsum = np.zeros(ny, dt_)
    row_out = np.zeros(ny, dt_)
    c = np.zeros(K.N_CONSTANTS, dt_)
    c[K.C_G] = g
    c[K.C_INV_DX] = 1.0 / dx
    c[K.C_THETA] = model.theta
    c[K.C_HALF_1M_THETA] = 0.5 * (1.0 - model.theta)
    c[K.C_THRESH] = model.flow_depth
    c[K.C_ZERO] = 0.0
    c[K.C_ONE] = 1.0
    c[K.C_HALF] = 0.5
    c[K.C_MARGIN] = 1.0 - 16.0 * float(np.finfo(dt_).eps)
    c[K.C_ARRIVAL] = model.arrival_depth
    c[K.C_SPEED_DEPTH] = model.speed_depth
    empty = np.zeros((0, 0), dt_)
    rg = f.rain_grid
    rain_grids = rg.grids.astype(dt_) if rg is not None else None
    loss_grid = f.loss_grid.astype(dt_) if f.loss_grid is not None else empty
    loss_scalar = dt_.type(sum(x.at(0.0) for x in f.loss))
    infiltration = f.infiltration  # a loss grid of its own each step (with the others in it)
    loss_base = f.loss_grid
    in_rows = np.array([i.row for i in f.inflows], np.int64)
    in_cols = np.array([i.col for i in f.inflows], np.int64)
    in_depth = np.zeros(len(f.inflows))
    src_lo, src_hi = source_columns(model, f.inflows)
    cr_lo = np.zeros(ny, np.int64)
    cr_hi = np.zeros(ny, np.int64)
    edges = [
        (model.grid.edge_index[name], KIND_CODE[b.kind], b)
        for name, b in f.boundaries.items()
        if b.kind != "closed"
    ]
    closed = [model.grid.edge_index[n] for n, b in f.boundaries.items() if b.kind == "closed"]
    # Closed edges stay at zero flux: set once (the kernels never write edge faces).
    for code in closed:
        edge_faces(qx, qy, code)[:] = 0
        edge_faces(qx, qy_b, code)[:] = 0
    stretches = [_StretchViews(model, st, qx, qy_b) for st in f.stretches]
    weirs = [(w.rows, w.cols, w.is_y, w.crest.astype(dt_), dt_.type(w.coeff)) for w in f.structures]
    open_edges = bool(edges)
    if model._steps == 0 and model._t == 0.0:
        model._balance.storage0_m3 = K.depth_sum(h) * area
    hmax = float(h.max()) if fixed is None else fixed.max_depth(h)
    courant = model.courant
    thresh = dt_.type(model.flow_depth)
    t = model._t
    k_out = 0
    steps = 0
    last_progress = -1.0
    t_begin = out_times[0]
    span = out_times[-1] - t_begin
    wall0 = _time.perf_counter()

    def snapshot(k: int) -> None:
        # the speed of a snapshot after a step is written by flux_step itself
        np.copyto(outputs["depth"][k], h)
        np.add(z, h, out=outputs["wse"][k])

    snapshot(0)
    K.speed_field(h, z, qx, qy, thresh, dt_.type(model.speed_depth), outputs["speed"][0])
    k_out = 1
    while k_out < nout:
        t_next = out_times[k_out]
        dt = courant * dx / math.sqrt(g * hmax) if hmax > 0 else model.max_dt
        dt = min(dt, model.max_dt)
        landing = t + dt >= t_next
        if landing:
            dt = t_next - t
        c[K.C_DT] = dt
        tm = t + 0.5 * dt
        # forcings at the middle of the step
        rain_scalar = dt_.type(sum(x.at(tm) for x in f.rain))
        if rain_grids is not None and rg is not None:
            if rg.seconds is None or rg.seconds.size == 1:
                k0 = k1 = 0
                w = 0.0
            else:
                k1 = int(np.searchsorted(rg.seconds, tm))
                if k1 <= 0:
                    k0 = k1 = 0
                    w = 0.0
                elif k1 >= rg.seconds.size:
                    k0 = k1 = rg.seconds.size - 1
                    w = 0.0
                else:
                    k0 = k1 - 1
                    w = (tm - rg.seconds[k0]) / (rg.seconds[k1] - rg.seconds[k0])
            rain0, rain1 = rain_grids[k0], rain_grids[k1]
        else:
            rain0 = rain1 = empty
            w = 0.0
        # 1. fluxes
        K.copy_edge_rows(qx, bounds, edge)
        K.flux_step(
            h, z, n2, qx, qy, qy_b, scratch, edge, lo, hi, bounds, fric2d, model._max_v,
            outputs["speed"][k_out], landing, c,
        )  # fmt: skip
        for code, kind, b in edges:
            level = b.level.at(tm) if b.level is not None else 0.0
            if code < 2:
                K.boundary_flux(h, z, n2, qy, qy_b, code, kind, level, b.slope, c)
            else:
                K.boundary_flux(h, z, n2, qx, qx, code, kind, level, b.slope, c)
        for sv in stretches:
            sv.close_faces()
        if fixed is not None:
            fixed.close_faces(qx, qy_b)
        for rows_w, cols_w, is_y_w, crest_w, coeff_w in weirs:
            weir_faces(h, z, qx, qy_b, rows_w, cols_w, is_y_w, crest_w, coeff_w, thresh)
        # 2. sources and the outflow limiter
        inflow_m3 = 0.0
        for sv in stretches:
            inflow_m3 += sv.add(tm, dt, area, thresh)
        for k, inflow in enumerate(f.inflows):
            q = inflow.discharge.at(tm)
            inflow_m3 += q * dt
            in_depth[k] = q * dt / area
        if in_rows.size:
            K.add_inflows(h, in_rows, in_cols, in_depth, c)
        if infiltration is not None:
            # this step's rain as the source pass will add it: the grid, else the number
            rain_now = (1.0 - w) * rain0 + w * rain1 if rain0.size else float(rain_scalar)
            rate = infiltration.loss_rate(rain_now, h, dt) + float(loss_scalar)
            if loss_base is not None:
                rate += loss_base
            loss_grid = rate.astype(dt_)
        K.source_step(
            h, qx, qy_b, s, rain0, rain1, dt_.type(w), rain_scalar, loss_grid,
            loss_scalar, row_rain, row_loss, lo, hi, src_lo, src_hi, cr_lo, cr_hi, c,
        )  # fmt: skip
        # 3. depths
        t_end = t_next if landing else t + dt
        K.depth_step(
            h, qx, qy_b, qy, s, ones, model._max_h, model._arrival, ext_lo, ext_hi, lo, hi,
            row_hmax, row_hsum, row_out, dt_.type(t_end), bounds, cr_lo, cr_hi, c,
        )  # fmt: skip
        steps += 1
        hmax = float(row_hmax.max().view(dt_))
        if fixed is not None:
            fixed.apply(t_end, count=True)
            fixed.widen(ext_lo, ext_hi)
            fixed.widen(lo, hi)
            hmax_all, hmax = hmax, fixed.max_depth(h)
            hmax = hmax if math.isfinite(hmax_all) else hmax_all
        if not (math.isfinite(float(row_hsum.sum())) and hmax <= model.max_depth):
            model._t = t_end
            model._steps += steps
            raise model._instability(t_end)
        bal = model._balance
        bal.rain_m3 += float(row_rain.sum()) * area
        bal.loss_m3 += float(row_loss.sum()) * area
        bal.inflow_m3 += inflow_m3
        bal.outflow_m3 += float(row_out.sum()) * dx
        if open_edges:
            K.edge_exchange(qx, qy, dt * dx, bal.edge_m3)
        t = t_end
        model._t = t
        if landing:
            snapshot(k_out)
            k_out += 1
        if progress is not None:
            frac = (t - t_begin) / span
            if landing or frac - last_progress >= 0.01:
                progress(frac)
                last_progress = frac
    model._steps += steps
    return outputs, steps, _time.perf_counter() - wall0


def source_columns(model: FloodModel, inflows: list[_Inflow]) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the columns ``[lo, hi)`` holding every source of water: rain, losses,
    inflows, open edges. Dry rows outside them are skipped by the kernels."""
    ny, nx = model.grid.shape
    f = model._forcings
    lo = np.full(ny, nx, np.int64)
    hi = np.zeros(ny, np.int64)
    everywhere = any(np.any(r.values != 0) for r in f.rain) or f.infiltration is not None
    if everywhere or any(np.any(x.values != 0) for x in f.loss):
        lo[:] = 0
        hi[:] = nx
        return lo, hi
    wet = np.zeros((ny, nx), bool)
    if f.rain_grid is not None:
        wet |= np.any(f.rain_grid.grids != 0, axis=0)
    if f.loss_grid is not None:
        wet |= f.loss_grid != 0
    for q in inflows:
        wet[q.row, q.col] = True
    for st in f.stretches:
        edge_cells(wet, model.grid.edge_index[st.edge])[st.cells] = True
    for fx in f.fixed:
        wet.reshape(-1)[fx.cells] = True
    for name, b in f.boundaries.items():
        if b.kind != "closed":
            code = model.grid.edge_index[name]
            if code == 0:
                wet[0, :] = True
            elif code == 1:
                wet[-1, :] = True
            elif code == 2:
                wet[:, 0] = True
            else:
                wet[:, -1] = True
    rows = wet.any(axis=1)
    lo[rows] = np.argmax(wet[rows], axis=1)
    hi[rows] = nx - np.argmax(wet[rows][:, ::-1], axis=1)
    return lo, hi


class _StretchViews:
    """A discharge stretch bound to the model's arrays: its cells' depths, beds and faces."""

    def __init__(self, model: FloodModel, st: _Stretch, qx: np.ndarray, qy_b: np.ndarray) -> None:
        self.code = model.grid.edge_index[st.edge]
        self.cells = st.cells
        self.discharge = st.discharge
        self.h = edge_cells(model._h, self.code)
        self.z = edge_cells(model._z, self.code)
        self.faces = edge_faces(qx, qy_b, self.code)
        self.balance = model._balance.edge_discharge_m3

    def close_faces(self) -> None:
        """No water leaves through the stretch's own faces (the river comes in there)."""
        self.faces[self.cells] = 0

    def add(self, t: float, dt: float, area: float, thresh: float) -> float:
        """Add the discharge at time ``t`` over ``dt`` to the stretch's cells; its volume (m³).

        The water goes to the wet cells in proportion to ``h^(5/3)`` (the conveyance of a
        wide section at one slope and roughness), or to the lowest water surface while the
        stretch is dry.
        """
        volume = self.discharge.at(t) * dt
        if volume == 0.0:
            return 0.0
        h = self.h[self.cells].astype(np.float64)
        weight = np.where(h >= thresh, h, 0.0) ** (5.0 / 3.0)
        total = weight.sum()
        if not total > 0.0:
            weight[:] = 0.0
            weight[np.argmin(self.z[self.cells] + h)] = 1.0
            total = 1.0
        self.h[self.cells] += (weight * (volume / (area * total))).astype(self.h.dtype)
        self.balance[self.code] += volume
        return volume
