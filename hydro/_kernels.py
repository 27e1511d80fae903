"""Numba kernels of the local-inertial solver (Bates et al. 2010; de Almeida et al. 2012).

Plain arrays in, results written in place; nothing allocates. One time step is:

1. :func:`boundary_flux` on each open edge, and :func:`block_faces` for the y faces between
   blocks of rows (both serial, a few rows);
2. :func:`fused_step`, parallel over blocks of rows, one sweep per block: for row ``i`` the
   new fluxes on its x faces and on the y face below it (momentum with de Almeida's
   theta-weighting and semi-implicit Manning friction), then the sources (inflows, rain,
   losses) and the outflow limiter ``s`` of row ``i`` (the factor, 0..1, by which a cell's
   outgoing fluxes are scaled so it never gives more water than it holds: scaling fluxes, not
   clipping depths, keeps the volume balance exact), then, one row behind, the limited fluxes
   and new depths of row ``i - 1`` with running maxima, arrival times, wet extents and edge
   outflow. Each row is used while it is in cache;
3. :func:`block_edges` (serial): the first and last row of each block, which need the
   neighbouring blocks' limiters.

Dry rows and columns cost almost nothing: per row, fluxes are computed only between the wet
extents (of this and the last step) and sources and depths only where a face may carry flow
or a source is.

Grid conventions: depth ``h`` and bed ``z`` are ``(ny, nx)``; ``qx`` is ``(ny, nx + 1)``, face
``qx[i, j]`` lies between cells ``(i, j - 1)`` and ``(i, j)``, positive towards increasing
``j``; ``qy`` is ``(ny + 1, nx)``, face ``qy[i, j]`` lies between ``(i - 1, j)`` and ``(i, j)``,
positive towards increasing ``i``. Units: metres, seconds, m²/s.

The friction term needs ``h_f^(7/3) = h_f² · cbrt(h_f)``. Numba from PyPI has no vector math
library, so ``cbrt``/``pow`` would keep the loops scalar; :func:`fast_cbrt` is a bit-trick guess
refined by Halley steps, written with plain arithmetic so the loops vectorise, and accurate to
the last bit or two of the floating-point type.

Every constant is passed in the arrays' dtype (``c`` below): a float64 literal would promote a
float32 loop to float64 and halve its vector width.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

__all__ = [
    "block_edges",
    "block_faces",
    "boundary_flux",
    "depth_sum",
    "fast_cbrt",
    "fused_step",
    "int_bits",
    "interior_step",
    "row_blocks",
    "speed_field",
    "wet_extent",
]

# The NaN/inf sentinels are load-bearing (arrival times start at +inf, instability checks look
# for NaN), so fast-math may reassociate and contract but must not assume finite values.
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

# Indices into the constants vector ``c`` (all in the arrays' dtype).
(
    C_G,
    C_DT,
    C_INV_DX,
    C_THETA,
    C_HALF_1M_THETA,
    C_THRESH,
    C_ZERO,
    C_ONE,
    C_HALF,
    C_MARGIN,
    C_ARRIVAL,
) = range(11)
N_CONSTANTS = 11

# Edge codes for :func:`boundary_flux`.
EDGE_CLOSED, EDGE_FREE, EDGE_LEVEL = 0, 1, 2


def fast_cbrt(x):
    """Cube root of a positive float, vectorisable (numba only; see the module docstring)."""
    return np.cbrt(x)


@overload(fast_cbrt, jit_options={"fastmath": _FASTMATH})
def _fast_cbrt_impl(x):
    if x == types.float32:

        def cbrt32(x):
            # 0x2a5137a0 = (127 - 127 / 3) << 23, corrected: a guess within ~3 %.
            i = np.float32(x).view(np.int32)
            i = np.int32(np.int64(i) * np.int64(1431655766) >> np.int64(32)) + np.int32(709921077)
            y = np.int32(i).view(np.float32)
            x2 = x + x
            # Two Halley steps: 3e-2 -> 3e-5 -> below float32 round-off.
            y3 = y * y * y
            y = y * (y3 + x2) / (y3 + y3 + x)
            y3 = y * y * y
            y = y * (y3 + x2) / (y3 + y3 + x)
            return y

        return cbrt32
    if x == types.float64:

        def cbrt64(x):
            i = np.float64(x).view(np.int64)
            i = i // np.int64(3) + np.int64(3071306043645493248)
            y = np.int64(i).view(np.float64)
            x2 = x + x
            # Three Halley steps: 3e-2 -> 3e-5 -> 3e-14 -> float64 round-off.
            y3 = y * y * y
            y = y * (y3 + x2) / (y3 + y3 + x)
            y3 = y * y * y
            y = y * (y3 + x2) / (y3 + y3 + x)
            y3 = y * y * y
            y = y * (y3 + x2) / (y3 + y3 + x)
            return y

        return cbrt64
    return None


def row_blocks(ny: int, nblocks: int) -> np.ndarray:
    """Split ``ny`` rows into ``nblocks`` contiguous blocks; returns the ``nblocks + 1`` bounds."""
    nblocks = max(1, min(nblocks, ny))
    return np.linspace(0, ny, nblocks + 1).round().astype(np.int64)


@njit(fastmath=_FASTMATH, cache=True, inline="always")
def _face_flux(q_theta, q_old_abs, eta_a, eta_b, hf, n2f, c):
    """New flux across one face from cell a to cell b (zero where ``hf`` is below threshold)."""
    g = c[C_G]
    dt = c[C_DT]
    thresh = c[C_THRESH]
    hs = max(hf, thresh)
    h73 = hs * hs * fast_cbrt(hs)
    num = q_theta - g * hs * dt * (eta_b - eta_a) * c[C_INV_DX]
    den = c[C_ONE] + g * dt * n2f * q_old_abs / h73
    return num / den if hf >= thresh else c[C_ZERO]


def int_bits(x):
    """The bits of a float as a signed integer of the same width (numba only).

    For floats >= 0 the integers order as the floats do, so a maximum over them is an integer
    reduction, which vectorises where a float maximum (NaN semantics) would not.
    """
    return np.int64(0)


@overload(int_bits)
def _int_bits_impl(x):
    if x == types.float32:
        return lambda x: np.float32(x).view(np.int32)
    if x == types.float64:
        return lambda x: np.float64(x).view(np.int64)
    return None


@njit(fastmath=_FASTMATH, cache=True, inline="always")
def _x_faces_row(i, h, z, n2, qx, row, lo, hi, c):
    """New fluxes on the x faces of row ``i`` (in place; old values go through ``row``)."""
    nx = h.shape[1]
    theta = c[C_THETA]
    wgt = c[C_HALF_1M_THETA]
    half = c[C_HALF]
    ja = max(lo[i], 1)
    je = min(hi[i], nx - 1)
    if ja > je:
        return
    for j in range(ja - 1, je + 2):
        row[j] = qx[i, j]
    for j in range(ja, je + 1):
        za = z[i, j - 1]
        zb = z[i, j]
        ea = za + h[i, j - 1]
        eb = zb + h[i, j]
        hf = max(ea, eb) - max(za, zb)
        qo = row[j]
        qt = theta * qo + wgt * (row[j - 1] + row[j + 1])
        n2f = half * (n2[i, j - 1] + n2[i, j])
        qx[i, j] = _face_flux(qt, abs(qo), ea, eb, hf, n2f, c)


@njit(fastmath=_FASTMATH, cache=True, inline="always")
def _y_face_row(f, h, z, n2, qy_old, qy_new, lo, hi, c):
    """New fluxes on the y faces ``f`` (between rows ``f - 1`` and ``f``), 0 < f < ny."""
    theta = c[C_THETA]
    wgt = c[C_HALF_1M_THETA]
    half = c[C_HALF]
    a = min(lo[f - 1], lo[f])
    e = max(hi[f - 1], hi[f])
    for j in range(a, e):
        za = z[f - 1, j]
        zb = z[f, j]
        ea = za + h[f - 1, j]
        eb = zb + h[f, j]
        hf = max(ea, eb) - max(za, zb)
        qo = qy_old[f, j]
        qt = theta * qo + wgt * (qy_old[f - 1, j] + qy_old[f + 1, j])
        n2f = half * (n2[f - 1, j] + n2[f, j])
        qy_new[f, j] = _face_flux(qt, abs(qo), ea, eb, hf, n2f, c)


@njit(fastmath=_FASTMATH, cache=True, inline="always")
def _source_row(
    i, ca, ce, h, qx, qy, s, work, rain0, rain1, rain_w, rain_scalar, loss, loss_scalar,
    in_ptr, in_cols, in_depth, row_rain, row_loss, c,
):  # fmt: skip
    """Inflows, rain and losses into row ``i``, columns ``[ca, ce)``, then their outflow
    factors ``s``."""
    zero = c[C_ZERO]
    one = c[C_ONE]
    dt = c[C_DT]
    k = c[C_DT] * c[C_INV_DX]
    margin = c[C_MARGIN]
    rr = work[1]
    lr = work[2]
    if rain0.shape[0] > 0:
        w1 = rain_w
        w0 = one - rain_w
        for j in range(ca, ce):
            rr[j] = (w0 * rain0[i, j] + w1 * rain1[i, j]) * dt
    else:
        rs = rain_scalar * dt
        for j in range(ca, ce):
            rr[j] = rs
    if loss.shape[0] > 0:
        for j in range(ca, ce):
            lr[j] = loss[i, j] * dt
    else:
        ls = loss_scalar * dt
        for j in range(ca, ce):
            lr[j] = ls
    for m in range(in_ptr[i], in_ptr[i + 1]):
        h[i, in_cols[m]] += in_depth[m]
    added = 0.0
    lost = 0.0
    for j in range(ca, ce):
        hw = h[i, j] + rr[j]
        hn = max(hw - lr[j], zero)
        added += rr[j]
        lost += hw - hn
        h[i, j] = hn
        out = (
            max(qx[i, j + 1], zero)
            - min(qx[i, j], zero)
            + max(qy[i + 1, j], zero)
            - min(qy[i, j], zero)
        ) * k
        s[i, j] = hn * margin / out if out > hn else one
    row_rain[i] = added
    row_loss[i] = lost


@njit(fastmath=_FASTMATH, cache=True, inline="always")
def _depth_row(
    i, ca, ce, h, qx, qy_in, qy_out, s, ones, max_h, max_v, arrival, row_hmax, row_hsum,
    row_out, ext_lo, ext_hi, lo, hi, vrow, speed_out, write_speed, t_end, c,
):  # fmt: skip
    """Limit the fluxes around row ``i``, update its depths, maxima, arrival, extents.

    Only columns ``[ca, ce)`` can have changed (see :func:`fused_step`); outside them the
    depths stay, the speed is 0 and the faces carry no flow.

    (Arrays are passed one by one: numba drops writes to arrays unpacked from a tuple inside
    a parallel loop.)
    """
    ny, nx = h.shape
    k = c[C_DT] * c[C_INV_DX]
    thresh = c[C_THRESH]
    zero = c[C_ZERO]
    half = c[C_HALF]
    arrival_depth = c[C_ARRIVAL]
    # each face is scaled by its upwind cell's factor; outside the domain the factor is 1
    s_up = s[i - 1] if i > 0 else ones
    s_dn = s[i + 1] if i + 1 < ny else ones
    s_i = s[i]
    for j in range(max(ca, 1), min(ce + 1, nx)):
        q = qx[i, j]
        qx[i, j] = q * (s_i[j - 1] if q > zero else s_i[j])
    if ca == 0:
        q = qx[i, 0]
        qx[i, 0] = q if q > zero else q * s_i[0]
    if ce == nx:
        q = qx[i, nx]
        qx[i, nx] = q * s_i[nx - 1] if q > zero else q
    for j in range(ca, ce):
        q = qy_in[i + 1, j]
        qy_out[i + 1, j] = q * (s_i[j] if q > zero else s_dn[j])
    if i == 0:
        for j in range(ca, ce):
            q = qy_in[0, j]
            qy_out[0, j] = q if q > zero else q * s_i[j]
    hbits = int_bits(zero)
    hsum = zero
    for j in range(ca, ce):
        qt = qy_in[i, j]
        qt = qt * (s_up[j] if qt > zero else s_i[j])
        qb = qy_out[i + 1, j]
        ql = qx[i, j]
        qr = qx[i, j + 1]
        h0 = h[i, j]
        hn = h0 + k * (ql - qr + qt - qb)
        hn = zero if hn < zero else hn  # keeps a NaN, for the instability check
        h[i, j] = hn
        hsum += hn
        hbits = max(hbits, int_bits(hn))
        max_h[i, j] = max(max_h[i, j], hn)
        u = half * (ql + qr)
        v = half * (qt + qb)
        speed = np.sqrt(u * u + v * v) / max(h0, hn) if hn >= thresh else zero
        max_v[i, j] = max(max_v[i, j], speed)
        a = arrival[i, j]
        arrival[i, j] = t_end if (hn > arrival_depth and t_end < a) else a
        vrow[j] = speed
    if write_speed:
        for j in range(nx):
            speed_out[i, j] = vrow[j] if ca <= j < ce else zero
    first = nx
    last = -1
    for j in range(ca, ce):
        if h[i, j] >= thresh:
            first = j
            break
    for j in range(ce - 1, first - 1, -1):
        if h[i, j] >= thresh:
            last = j
            break
    lo[i] = min(first, ext_lo[i])
    hi[i] = max(last + 1, ext_hi[i])
    ext_lo[i] = first
    ext_hi[i] = last + 1
    row_hmax[i] = hbits
    row_hsum[i] = hsum
    out = qx[i, nx] - qx[i, 0]
    if i == 0:
        for j in range(ca, ce):
            out -= qy_out[0, j]
    if i + 1 == ny:
        for j in range(ca, ce):
            out += qy_out[ny, j]
    row_out[i] = out * c[C_DT]


@njit(fastmath=_FASTMATH, cache=True)
def block_faces(h, z, n2, qy_old, qy_new, lo, hi, bounds, c):
    """Before :func:`fused_step`: the y faces between row blocks (serial, a few rows)."""
    for b in range(1, bounds.size - 1):
        _y_face_row(bounds[b], h, z, n2, qy_old, qy_new, lo, hi, c)


@njit(parallel=True, fastmath=_FASTMATH, cache=True)
def fused_step(
    h, z, n2, qx, qy_old, qy_new, s, ones, work, bounds, forcing, inflows, acc, ext,
    speed_out, write_speed, t_end, c,
):  # fmt: skip
    """One time step in one sweep per block of rows, after :func:`block_faces` and the edge
    fluxes (:func:`boundary_flux`); :func:`block_edges` finishes the first and last row of
    each block.

    Row by row, a block computes the new fluxes of row ``i`` (x faces) and of the y face below
    it, then adds the sources to row ``i`` and finds its outflow factors ``s``, then (one row
    behind) limits the fluxes and updates the depths of row ``i - 1``. All data of a row is
    used while it is in cache, so the step reads and writes each array about once.

    Parameters
    ----------
    h, z, n2 : ndarray (ny, nx)
        Depth (m, updated), bed (m), Manning's n squared.
    qx : ndarray (ny, nx + 1)
        x fluxes (m²/s): new, then limited, in place.
    qy_old, qy_new : ndarray (ny + 1, nx)
        y fluxes before the step (read; limited new values are written back into it) and the
        new unlimited ones (written).
    s : ndarray (ny, nx)
        Outflow factors (written).
    ones : ndarray (nx,)
        Ones: the factor of the world outside the domain.
    work : ndarray (nblocks, 3, nx + 1)
        Scratch rows per block.
    bounds : ndarray (nblocks + 1,) int64
        Row blocks (:func:`row_blocks`).
    forcing : tuple
        ``(rain0, rain1, rain_w, rain_scalar, loss, loss_scalar)``: rain grids (m/s, (ny, nx),
        blended with weight ``rain_w``; shape (0, 0) to use ``rain_scalar``), loss grid or
        ``loss_scalar`` (m/s).
    inflows : tuple
        ``(in_ptr, in_cols, in_depth, row_rain, row_loss)``: inflow cells by row (CSR: row
        ``i`` has ``in_cols[in_ptr[i]:in_ptr[i + 1]]``), their depths over this step (m); out:
        the rain and loss (m of depth) of each row.
    acc : tuple
        ``(max_h, max_v, arrival, row_hmax, row_hsum, row_out)``: running maxima (m, m/s),
        arrival times (s, inf until reached), and per row out: the largest depth (as
        :func:`int_bits`), the sum of depths (NaN shows instability), the edge outflow (m²).
    ext : tuple
        ``(ext_lo, ext_hi, lo, hi, src_lo, src_hi, cr_lo, cr_hi)`` int64 (ny,): wet extent of
        each row (columns at or above the flow depth); the columns ``[lo, hi)`` whose faces the
        flux update visits (the union of the extents before and after the step); the columns
        with sources (rain, loss, inflows, open edges); out: the columns each row updated.
        A dry row costs a few comparisons.
    speed_out : ndarray (ny, nx)
        Speed after the step (m/s), written when ``write_speed``.
    t_end : float
        Time at the end of the step (s).
    c : ndarray (N_CONSTANTS,)
        Constants in the arrays' dtype.
    """
    in_ptr, in_cols, in_depth, row_rain, row_loss = inflows
    max_h, max_v, arrival, row_hmax, row_hsum, row_out = acc
    ext_lo, ext_hi, lo, hi, src_lo, src_hi, cr_lo, cr_hi = ext
    rain0, rain1, rain_w, rain_scalar, loss, loss_scalar = forcing
    ny, nx = h.shape
    for b in prange(bounds.size - 1):
        r0 = bounds[b]
        r1 = bounds[b + 1]
        w = work[b]
        for i in range(r0, r1):
            _x_faces_row(i, h, z, n2, qx, w[0], lo, hi, c)
            if i + 1 < r1:
                _y_face_row(i + 1, h, z, n2, qy_old, qy_new, lo, hi, c)
            # the columns that can change: those next to a face that may carry flow, and
            # those with a source (rain, loss, inflow, an open edge)
            ca = min(lo[i] - 1, src_lo[i])
            ce = max(hi[i] + 1, src_hi[i])
            if i > 0:
                ca = min(ca, lo[i - 1])
                ce = max(ce, hi[i - 1])
            if i + 1 < ny:
                ca = min(ca, lo[i + 1])
                ce = max(ce, hi[i + 1])
            ca = max(ca, 0)
            ce = min(ce, nx)
            ce = max(ce, ca)
            cr_lo[i] = ca
            cr_hi[i] = ce
            _source_row(
                i, ca, ce, h, qx, qy_new, s, w, rain0, rain1, rain_w, rain_scalar, loss,
                loss_scalar, in_ptr, in_cols, in_depth, row_rain, row_loss, c,
            )  # fmt: skip
            if i - 1 > r0:
                _depth_row(
                    i - 1, cr_lo[i - 1], cr_hi[i - 1], h, qx, qy_new, qy_old, s, ones, max_h,
                    max_v, arrival, row_hmax, row_hsum, row_out, ext_lo, ext_hi, lo, hi, w[1],
                    speed_out, write_speed, t_end, c,
                )  # fmt: skip


@njit(fastmath=_FASTMATH, cache=True)
def block_edges(h, qx, qy_old, qy_new, s, ones, work, bounds, acc, ext, speed_out, write_speed,
                t_end, c):  # fmt: skip
    """After :func:`fused_step`: the first and last row of each block (serial)."""
    vrow = work[0, 1]
    max_h, max_v, arrival, row_hmax, row_hsum, row_out = acc
    ext_lo, ext_hi, lo, hi, _, _, cr_lo, cr_hi = ext
    for b in range(bounds.size - 1):
        r0 = bounds[b]
        r1 = bounds[b + 1]
        for i in range(r0, r1):
            if i != r0 and i != r1 - 1:
                continue
            _depth_row(
                i, cr_lo[i], cr_hi[i], h, qx, qy_new, qy_old, s, ones, max_h, max_v, arrival,
                row_hmax, row_hsum, row_out, ext_lo, ext_hi, lo, hi, vrow, speed_out,
                write_speed, t_end, c,
            )  # fmt: skip


def interior_step(
    h, z, n2, qx, qy_old, qy_new, s, ones, work, bounds, forcing, inflows, acc, ext,
    speed_out, write_speed, t_end, c,
):  # fmt: skip
    """One time step after the edge fluxes: :func:`block_faces`, :func:`fused_step`,
    :func:`block_edges` (arguments as :func:`fused_step`)."""
    block_faces(h, z, n2, qy_old, qy_new, ext[2], ext[3], bounds, c)
    fused_step(
        h, z, n2, qx, qy_old, qy_new, s, ones, work, bounds, forcing, inflows, acc, ext,
        speed_out, write_speed, t_end, c,
    )  # fmt: skip
    block_edges(
        h, qx, qy_old, qy_new, s, ones, work, bounds, acc, ext, speed_out, write_speed, t_end, c
    )


@njit(fastmath=_FASTMATH, cache=True)
def boundary_flux(h, z, n2, q_old, q_new, edge, kind, level, slope, c):
    """Fluxes on one edge of the domain (m²/s), written into ``q_new``.

    Parameters
    ----------
    h, z, n2 : ndarray (ny, nx)
        Depth, bed, Manning's n squared.
    q_old, q_new : ndarray
        The face array of the edge (``qx`` for west/east, ``qy`` for north/south row 0 / last),
        before and after; may be the same array.
    edge : int
        0 = first row (i = 0), 1 = last row, 2 = first column (j = 0), 3 = last column.
    kind : int
        ``EDGE_CLOSED``, ``EDGE_FREE`` or ``EDGE_LEVEL``.
    level : float
        Water level outside a ``EDGE_LEVEL`` edge (m).
    slope : float
        Friction slope driving a ``EDGE_FREE`` edge; negative means "use the local slope".
    """
    ny, nx = h.shape
    n = nx if edge < 2 else ny
    g = c[C_G]
    dt = c[C_DT]
    thresh = c[C_THRESH]
    one = c[C_ONE]
    zero = c[C_ZERO]
    for k in range(n):
        if edge == 0:
            ci, cj, ii, ij, fi, fj, sign = 0, k, 1, k, 0, k, 1.0
        elif edge == 1:
            ci, cj, ii, ij, fi, fj, sign = ny - 1, k, ny - 2, k, ny, k, -1.0
        elif edge == 2:
            ci, cj, ii, ij, fi, fj, sign = k, 0, k, 1, k, 0, 1.0
        else:
            ci, cj, ii, ij, fi, fj, sign = k, nx - 1, k, nx - 2, k, nx, -1.0
        # sign: +1 where a positive flux enters the domain through this edge.
        if kind == EDGE_CLOSED:
            q_new[fi, fj] = zero
            continue
        hc = h[ci, cj]
        zc = z[ci, cj]
        ec = zc + hc
        qo = q_old[fi, fj]
        if kind == EDGE_LEVEL:
            eg = max(level, zc)
            hf = max(eg, ec) - zc
            if hf < thresh:
                q_new[fi, fj] = zero
                continue
            # Inward flux: driven by the level outside minus the level inside.
            qin = sign * qo
            h73 = hf * hf * fast_cbrt(hf)
            num = qin + g * hf * dt * (eg - ec) * c[C_INV_DX]
            den = one + g * dt * n2[ci, cj] * abs(qo) / h73
            q_new[fi, fj] = sign * (num / den)
        else:
            hf = hc
            if hf < thresh:
                q_new[fi, fj] = zero
                continue
            if slope >= 0.0:
                s = slope
            elif ny > 1 and nx > 1:
                s = max(z[ii, ij] - zc, z[ii, ij] + h[ii, ij] - ec, 0.0) * c[C_INV_DX]
            else:
                s = 0.0
            # Outward flux driven by the slope; a free edge never lets water in.
            qout = max(-sign * qo, zero)
            h73 = hf * hf * fast_cbrt(hf)
            num = qout + g * hf * dt * s
            den = one + g * dt * n2[ci, cj] * qout / h73
            q_new[fi, fj] = -sign * max(num / den, zero)


@njit(parallel=True, fastmath=_FASTMATH, cache=True)
def speed_field(h, qx, qy, thresh, out):
    """Speed at cell centres (m/s): face fluxes averaged to the centre, divided by depth.

    Cells shallower than ``thresh`` (m) get 0.
    """
    ny, nx = h.shape
    for i in prange(ny):
        for j in range(nx):
            u = 0.5 * (qx[i, j] + qx[i, j + 1])
            v = 0.5 * (qy[i, j] + qy[i + 1, j])
            hh = h[i, j]
            out[i, j] = np.sqrt(u * u + v * v) / hh if hh >= thresh else 0.0


@njit(parallel=True, cache=True)
def wet_extent(h, thresh, ext_lo, ext_hi):
    """Per row, the columns ``[ext_lo, ext_hi)`` spanning the cells with depth >= ``thresh``."""
    ny, nx = h.shape
    for i in prange(ny):
        first = nx
        last = -1
        for j in range(nx):
            if h[i, j] >= thresh:
                first = j
                break
        for j in range(nx - 1, first - 1, -1):
            if h[i, j] >= thresh:
                last = j
                break
        ext_lo[i] = first
        ext_hi[i] = last + 1


@njit(parallel=True, cache=True)
def depth_sum(h):
    """Sum of all depths (m) in float64, whatever the dtype of ``h``."""
    ny, nx = h.shape
    rows = np.zeros(ny)
    for i in prange(ny):
        acc = 0.0
        for j in range(nx):
            acc += h[i, j]
        rows[i] = acc
    return rows.sum()
