"""Numba kernels of the local-inertial solver (Bates et al. 2010; de Almeida et al. 2012).

Plain arrays in, results written in place; no allocation. One time step is three passes over
the grid, each parallel over blocks of rows:

1. :func:`flux_step` - new unit-width fluxes on every interior face (momentum equation with
   de Almeida's theta-weighting and semi-implicit Manning friction); :func:`boundary_flux`
   sets the faces on open edges.
2. :func:`source_step` - rain and losses into the depths, then the outflow limiter: the factor
   ``s`` (0..1) by which a cell's outgoing fluxes are scaled so it never gives more water than
   it holds. Scaling fluxes (not clipping depths) keeps the volume balance exact.
3. :func:`depth_step` - the limited fluxes (each face scaled by its upwind cell's factor) are
   written back and the depths updated from their divergence; running maxima, arrival times,
   per-row wet extents and the boundary outflow are updated on the way.

Dry cells cost next to nothing: per row, :func:`flux_step` visits only the columns between
the wet extents of this and the last step, and :func:`source_step` / :func:`depth_step` only
the columns next to such faces or holding a source (rain, loss, inflow, open edge).

Grid conventions: depth ``h`` and bed ``z`` are ``(ny, nx)``; ``qx`` is ``(ny, nx + 1)``, face
``qx[i, j]`` lies between cells ``(i, j - 1)`` and ``(i, j)``, positive towards increasing
``j``; ``qy`` is ``(ny + 1, nx)``, face ``qy[i, j]`` lies between ``(i - 1, j)`` and ``(i, j)``,
positive towards increasing ``i``. Units: metres, seconds, m²/s.

The friction term needs ``h_f^(7/3) = h_f² · cbrt(h_f)``. Numba from PyPI has no vector math
library, so ``cbrt``/``pow`` would keep the loops scalar; :func:`fast_cbrt` is a bit-trick guess
refined by Halley steps, written with plain arithmetic so the loops vectorise, and faithfully
rounded (under 1 ulp; ``h_f^(7/3)``, a product of three rounded factors, within 2.3 ulp).

Every constant is passed in the arrays' dtype (``c`` below): a float64 literal would promote a
float32 loop to float64 and halve its vector width.

Two more rules keep the loops vectorised (each was worth 2-5x; check a change pass by pass
with ``benchmarks/hydro_passes.py`` and as a whole with ``benchmarks/hydro_speed.py``):

- ``error_model="numpy"`` on every kernel: numba's default puts a branch that raises
  ``ZeroDivisionError`` into every float division, and a loop with that branch stays scalar.
  Divisions by zero cannot happen here (flow depths are compared with a positive threshold
  first) and would give inf/NaN, which the instability check catches.
- Row loops run over row views starting at the loop's first column, with an index from 0
  (``hr = h[i, a:]; for jj in range(e - a): ... hr[jj]``), not over ``range(a, e)`` with
  ``h[i, j]``: numba wraps negative indices, and for an index LLVM cannot prove non-negative
  that wrap is a select on every load, which stops vectorisation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

__all__ = [
    "add_inflows",
    "boundary_flux",
    "copy_edge_rows",
    "depth_step",
    "depth_sum",
    "edge_exchange",
    "fast_cbrt",
    "flux_step",
    "hold_level",
    "int_bits",
    "max_depth_where",
    "row_blocks",
    "source_step",
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
    C_SPEED_DEPTH,
) = range(12)
N_CONSTANTS = 12

# Kinds of edge for :func:`boundary_flux` (``hydro._loop.KIND_CODE`` maps their names).
EDGE_CLOSED, EDGE_FREE, EDGE_LEVEL = 0, 1, 2

# Which edge of the grid: the index :func:`boundary_flux` and :func:`edge_exchange` take.
EDGE_FIRST_ROW, EDGE_LAST_ROW, EDGE_FIRST_COL, EDGE_LAST_COL = 0, 1, 2, 3


def fast_cbrt(x):
    """Cube root of a positive float, vectorisable (numba only; see the module docstring)."""
    return np.cbrt(x)


@overload(fast_cbrt, jit_options={"fastmath": _FASTMATH, "error_model": "numpy"})
def _fast_cbrt_impl(x):
    if x == types.float32:

        def cbrt32(x):
            # 0x2a5137a0 = (127 - 127 / 3) << 23, corrected: a guess within ~3 %.
            i = np.float32(x).view(np.int32)
            i = np.int32(np.int64(i) * np.int64(1431655766) >> np.int64(32)) + np.int32(709921077)
            y = np.int32(i).view(np.float32)
            # Two Halley steps: 3e-2 -> 3e-5 -> below float32 round-off. The last is written
            # as a small correction to y (y + y (x - y^3) / (2 y^3 + x)): rounding then hits
            # only the correction, and the result is faithfully rounded (< 1 ulp; the plain
            # form y (y^3 + 2x) / (2 y^3 + x) is off by up to 3 ulp).
            y3 = y * y * y
            y = y * (y3 + x + x) / (y3 + y3 + x)
            y3 = y * y * y
            return y + y * (x - y3) / (y3 + y3 + x)

        return cbrt32
    if x == types.float64:

        def cbrt64(x):
            i = np.float64(x).view(np.int64)
            # i / 3 through float64: an int64 division has no vector instruction
            i = np.int64(np.float64(i) * (1.0 / 3.0)) + np.int64(3071306043645493248)
            y = np.int64(i).view(np.float64)
            x2 = x + x
            # Three Halley steps: 3e-2 -> 3e-5 -> 3e-14 -> float64 round-off; the last as a
            # correction, as in float32.
            y3 = y * y * y
            y = y * (y3 + x2) / (y3 + y3 + x)
            y3 = y * y * y
            y = y * (y3 + x2) / (y3 + y3 + x)
            y3 = y * y * y
            return y + y * (x - y3) / (y3 + y3 + x)

        return cbrt64
    return None


def row_blocks(ny: int, nblocks: int) -> np.ndarray:
    """Split ``ny`` rows into ``nblocks`` contiguous blocks; returns the ``nblocks + 1`` bounds."""
    nblocks = max(1, min(nblocks, ny))
    return np.linspace(0, ny, nblocks + 1).round().astype(np.int64)


@njit(fastmath=_FASTMATH, cache=True, inline="always", error_model="numpy")
def _face_constants(c):
    """``(g, dt, 1/dx, flow depth, 0, theta, (1 - theta) / 2, 1/2)`` from the constants array."""
    return (
        c[C_G], c[C_DT], c[C_INV_DX], c[C_THRESH], c[C_ZERO], c[C_THETA], c[C_HALF_1M_THETA],
        c[C_HALF],
    )  # fmt: skip


@njit(fastmath=_FASTMATH, cache=True, inline="always", error_model="numpy")
def _face_flux(q_theta, q_old, q_fric, eta_a, eta_b, hf, n2f, k):
    """New flux across one face from cell a to cell b (zero where ``hf`` is below threshold).

    ``q_theta`` is de Almeida's weighted flux, ``q_old`` the face's own old flux and ``q_fric``
    the magnitude of the old flux that friction acts on (``|q_old|``, or the 2D vector norm).
    Where the theta-weighted update runs against the water-surface drop (``q (eta_a - eta_b)
    < 0``: the neighbours' fluxes have dragged it upstream), the face falls back to the plain
    Bates et al. (2010) update with its own old flux, as LISFLOOD-FP's ``acc`` solver does
    (``CalcFPQxAcc``). This is what stops the odd-even oscillation of the water surface on
    steep ground and in deep water. ``k`` is :func:`_face_constants`: scalars, not the
    constants array, so that they stay in registers (an array might alias the fluxes written).
    """
    g, dt, inv_dx, thresh, zero = k[0], k[1], k[2], k[3], k[4]
    hs = max(hf, thresh)
    h73 = hs * hs * fast_cbrt(hs)
    drive = g * hs * dt * (eta_b - eta_a) * inv_dx
    inv_den = h73 / (h73 + g * dt * n2f * q_fric)  # 1 / (1 + g dt n² |q| / h^(7/3))
    q = (q_theta - drive) * inv_den
    q = (q_old - drive) * inv_den if q * (eta_a - eta_b) < zero else q
    return q if hf >= thresh else zero


@njit(fastmath=_FASTMATH, cache=True, error_model="numpy")
def copy_edge_rows(qx, bounds, edge):
    """Before :func:`flux_step`: the old x-fluxes of the rows just outside each block.

    ``edge[b, 0]`` is the row before block ``b``, ``edge[b, 1]`` the row after it. The 2D
    friction of a y face needs the old x-fluxes on both sides of it, and those rows belong to
    the neighbouring blocks, which may already have updated them.
    """
    ny = qx.shape[0]
    for b in range(bounds.size - 1):
        r0 = bounds[b] - 1
        r1 = bounds[b + 1]
        if r0 >= 0:
            edge[b, 0, :] = qx[r0, :]
        if r1 < ny:
            edge[b, 1, :] = qx[r1, :]


@njit(fastmath=_FASTMATH, cache=True, inline="always", error_model="numpy")
def _flow_depth(za, zb, ha, hb):
    """Flow depth ``h_f`` of a face between cells a and b."""
    return max(za + ha, zb + hb) - max(za, zb)


@njit(fastmath=_FASTMATH, cache=True, inline="always", error_model="numpy")
def _face(za, zb, ha, hb, q_old, q_prev, q_next, q_across, n2f, fric2d, k):
    """New flux and flow depth of one face from cell a (bed ``za``, depth ``ha``) to cell b.

    ``q_prev``/``q_next``: the old fluxes of the faces before and after it along the same
    direction (de Almeida's theta-weighting); ``q_across``: the mean of the four old transverse
    fluxes around it (2D friction). Scalars in, scalars out, so that the loops calling it
    vectorise.
    """
    ea = za + ha
    eb = zb + hb
    hf = max(ea, eb) - max(za, zb)
    qt = k[5] * q_old + k[6] * (q_prev + q_next)
    qf = np.sqrt(q_old * q_old + q_across * q_across) if fric2d else abs(q_old)
    return _face_flux(qt, q_old, qf, ea, eb, hf, n2f, k), hf


@njit(fastmath=_FASTMATH, cache=True, inline="always", error_model="numpy")
def _y_face(i, j, h, z, n2, qy_old, qx_a, qx_b, fric2d, k):
    """New flux and flow depth of the y face between rows ``i`` and ``i + 1``, column ``j``.

    ``qx_a``, ``qx_b``: the old x-fluxes of rows ``i`` and ``i + 1`` (for 2D friction).
    """
    half = k[7]
    qa = half * half * (qx_a[j] + qx_a[j + 1] + qx_b[j] + qx_b[j + 1])
    n2f = half * (n2[i, j] + n2[i + 1, j])
    return _face(
        z[i, j], z[i + 1, j], h[i, j], h[i + 1, j], qy_old[i + 1, j], qy_old[i, j],
        qy_old[i + 2, j], qa, n2f, fric2d, k,
    )  # fmt: skip


@njit(parallel=True, fastmath=_FASTMATH, cache=True, error_model="numpy")
def flux_step(
    h, z, n2, qx, qy_old, qy_new, scratch, edge, lo, hi, bounds, fric2d, max_v, speed_out,
    write_speed, c,
):  # fmt: skip
    """Pass 1: new fluxes on all interior faces, and the speed of the flow over the step.

    Parameters
    ----------
    h, z, n2 : ndarray (ny, nx)
        Depth (m), bed elevation (m), Manning's n squared (s² m^(-2/3)).
    qx : ndarray (ny, nx + 1)
        x-fluxes (m²/s), updated in place (interior faces only).
    qy_old, qy_new : ndarray (ny + 1, nx)
        y-fluxes (m²/s) before the step (read) and after it (interior faces written).
    scratch : ndarray (nblocks, 4, nx + 1)
        Four rows of working space per block.
    edge : ndarray (nblocks, 2, nx + 1)
        From :func:`copy_edge_rows`.
    lo, hi : ndarray (ny,) int64
        Per row, the columns ``[lo, hi)`` outside which the row and its neighbours have been
        dry (depth below threshold) for two steps: fluxes there are zero and stay zero.
    bounds : ndarray (nblocks + 1,) int64
        Row blocks from :func:`row_blocks`.
    fric2d : bool
        Friction on the norm of the flux vector, ``sqrt(q² + q̄⊥²)`` with ``q̄⊥`` the mean of
        the four old transverse fluxes around the face (LISFLOOD-FP's 2D friction); else on
        ``|q|``.
    max_v : ndarray (ny, nx)
        Running maximum speed (m/s), updated in place.
    speed_out : ndarray (ny, nx)
        Output when ``write_speed``: the speed (m/s).
    c : ndarray (N_CONSTANTS,)
        Constants in the arrays' dtype.

    Notes
    -----
    The speed of a face is its new flux over its flow depth ``h_f`` (LISFLOOD-FP's ``Vx``,
    ``Vy``; 0 where ``h_f`` is below the flow depth; faces on the domain edge take their old
    flux over the cell's depth); a cell's ``(u, v)`` is the mean over its two x faces and its
    two y faces, for the cells at or above the flow depth (0 elsewhere). A film of water at a
    wet front thus moves at the speed of the water crossing its faces, not at a flux divided
    by the film's depth. Per row ``i``, the y faces below it are done first, while the row's
    old x-fluxes are still in ``qx``, then the row's own x faces from a copy of the old ones;
    the first row of each block also works out the y face above it (as the block before does).
    """
    ny, nx = h.shape
    half = c[C_HALF]
    quarter = half * half
    zero = c[C_ZERO]
    thresh = c[C_THRESH]
    speed_depth = c[C_SPEED_DEPTH]
    k = _face_constants(c)
    for b in prange(bounds.size - 1):
        row = scratch[b, 0]
        ux = scratch[b, 3]
        for i in range(bounds[b], bounds[b + 1]):
            a = lo[i]
            e = hi[i]
            vb = scratch[b, 1 + (i & 1)]
            va = scratch[b, 2 - (i & 1)]
            # velocities on the y faces above the row: from the last row, or worked out here
            # at a block's first row
            if i == bounds[b]:
                for j in range(a, e):
                    if i == 0:
                        hc = h[0, j]
                        va[j] = qy_old[0, j] / hc if hc >= thresh else zero
                    else:
                        q, hf = _y_face(i - 1, j, h, z, n2, qy_old, edge[b, 0], qx[i], fric2d, k)
                        va[j] = q / hf if hf >= thresh else zero
            # x faces of row i, j in [max(a, 1), min(e, nx - 1)]: old values from a copy.
            # Every loop below runs over row views that start at its first column, with an
            # index from 0: numba wraps negative indices, and only an index LLVM can prove
            # non-negative loses that check, which would otherwise stop vectorisation.
            ja = max(a, 1)
            je = min(e, nx - 1)
            if ja > je:
                ja, je = 1, 0
            o = ja - 1
            n_x = je + 1 - ja
            qx_i = qx[i, o:]
            old_x = row[o:]
            for jj in range(n_x + 2):
                old_x[jj] = qx_i[jj]
            # y faces between rows i and i + 1 (row i's x-fluxes are still the old ones).
            if i + 1 < ny:
                a2 = min(a, lo[i + 1])
                e2 = max(e, hi[i + 1])
                qn = edge[b, 1] if i + 1 == bounds[b + 1] else qx[i + 1]
                z0 = z[i, a2:]
                z1 = z[i + 1, a2:]
                h0 = h[i, a2:]
                h1 = h[i + 1, a2:]
                m0 = n2[i, a2:]
                m1 = n2[i + 1, a2:]
                qm = qy_old[i, a2:]
                q0 = qy_old[i + 1, a2:]
                qp = qy_old[i + 2, a2:]
                xa = qx[i, a2:]
                xb = qn[a2:]
                out = qy_new[i + 1, a2:]
                vy = vb[a2:]
                for jj in range(e2 - a2):
                    qa = quarter * (xa[jj] + xa[jj + 1] + xb[jj] + xb[jj + 1]) if fric2d else zero
                    out[jj] = _face(
                        z0[jj], z1[jj], h0[jj], h1[jj], q0[jj], qm[jj], qp[jj], qa,
                        half * (m0[jj] + m1[jj]), fric2d, k,
                    )[0]  # fmt: skip
                # their velocities, in a loop of their own (so that both loops vectorise)
                for jj in range(e2 - a2):
                    hf = _flow_depth(z0[jj], z1[jj], h0[jj], h1[jj])
                    vy[jj] = out[jj] / hf if hf >= thresh else zero
            else:
                for j in range(a, e):
                    hc = h[i, j]
                    vb[j] = qy_old[ny, j] / hc if hc >= thresh else zero
            zr = z[i, o:]
            hr = h[i, o:]
            mr = n2[i, o:]
            ya = qy_old[i, o:]
            yb = qy_old[i + 1, o:]
            for jj in range(n_x):
                qa = quarter * (ya[jj] + ya[jj + 1] + yb[jj] + yb[jj + 1]) if fric2d else zero
                qx_i[jj + 1] = _face(
                    zr[jj], zr[jj + 1], hr[jj], hr[jj + 1], old_x[jj + 1], old_x[jj],
                    old_x[jj + 2], qa, half * (mr[jj] + mr[jj + 1]), fric2d, k,
                )[0]  # fmt: skip
            ux_o = ux[o:]
            for jj in range(n_x):
                hf = _flow_depth(zr[jj], zr[jj + 1], hr[jj], hr[jj + 1])
                ux_o[jj + 1] = qx_i[jj + 1] / hf if hf >= thresh else zero
            # speed of the cells at or above the flow depth (the rest of the row has none)
            if a < e:
                if a == 0:
                    hc = h[i, 0]
                    ux[0] = row[0] / hc if hc >= thresh else zero
                if e == nx:
                    hc = h[i, nx - 1]
                    ux[nx] = row[nx] / hc if hc >= thresh else zero
            ua = ux[a:]
            v_a = va[a:]
            v_b = vb[a:]
            hc_ = h[i, a:]
            mv = max_v[i, a:]
            for jj in range(e - a):
                u = half * (ua[jj] + ua[jj + 1])
                v = half * (v_a[jj] + v_b[jj])
                sp = np.sqrt(u * u + v * v) if hc_[jj] >= speed_depth else zero
                m = mv[jj]
                mv[jj] = sp if sp > m else m  # a select: vectorises where max() does not
                ua[jj] = sp
            if write_speed:
                out_i = speed_out[i]
                for j in range(nx):
                    out_i[j] = ux[j] if a <= j < e else zero


@njit(fastmath=_FASTMATH, cache=True, error_model="numpy")
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
        ``EDGE_FIRST_ROW`` (i = 0), ``EDGE_LAST_ROW``, ``EDGE_FIRST_COL`` (j = 0) or
        ``EDGE_LAST_COL``.
    kind : int
        ``EDGE_CLOSED``, ``EDGE_FREE`` or ``EDGE_LEVEL``.
    level : float
        Water level outside a ``EDGE_LEVEL`` edge (m).
    slope : float
        Friction slope driving a ``EDGE_FREE`` edge; negative means "use the local slope".
    """
    ny, nx = h.shape
    n = nx if edge <= EDGE_LAST_ROW else ny
    g = c[C_G]
    dt = c[C_DT]
    thresh = c[C_THRESH]
    one = c[C_ONE]
    zero = c[C_ZERO]
    for k in range(n):
        if edge == EDGE_FIRST_ROW:
            ci, cj, ii, ij, fi, fj, sign = 0, k, 1, k, 0, k, 1.0
        elif edge == EDGE_LAST_ROW:
            ci, cj, ii, ij, fi, fj, sign = ny - 1, k, ny - 2, k, ny, k, -1.0
        elif edge == EDGE_FIRST_COL:
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


@njit(parallel=True, fastmath=_FASTMATH, cache=True, error_model="numpy")
def source_step(
    h, qx, qy, s, rain0, rain1, rain_w, rain_scalar, loss, loss_scalar, row_rain, row_loss,
    lo, hi, src_lo, src_hi, cr_lo, cr_hi, c,
):  # fmt: skip
    """Pass 2: rain and losses into the depths, then the outflow limiter ``s``.

    Parameters
    ----------
    h : ndarray (ny, nx)
        Depth (m), updated in place: ``h += rain * dt``, then losses up to the water there.
    qx, qy : ndarray
        New fluxes from :func:`flux_step` / :func:`boundary_flux` (m²/s).
    s : ndarray (ny, nx)
        Output: the factor (0..1) applied to each cell's outgoing fluxes.
    rain0, rain1 : ndarray (ny, nx)
        Rain rate grids (m/s) bracketing the step, blended as ``(1 - rain_w) * rain0 +
        rain_w * rain1``; arrays of shape (0, 0) to use ``rain_scalar`` (m/s) everywhere.
    loss : ndarray (ny, nx)
        Loss rate (m/s), or shape (0, 0) to use ``loss_scalar``.
    row_rain, row_loss : ndarray (ny,) float64
        Output: depth-sum (m) of the rain added and the water lost in each row.
    lo, hi : ndarray (ny,) int64
        The columns whose faces :func:`flux_step` visited (see :func:`depth_step`).
    src_lo, src_hi : ndarray (ny,) int64
        Per row, the columns holding every source of water (rain, loss, inflow, open edge).
    cr_lo, cr_hi : ndarray (ny,) int64
        Output: per row, the columns that can change in this step (next to a face that may
        carry flow, or with a source); the rest of the row is dry and stays as it is, so it is
        skipped here and in :func:`depth_step`.
    """
    ny, nx = h.shape
    dt = c[C_DT]
    k = c[C_DT] * c[C_INV_DX]
    one = c[C_ONE]
    zero = c[C_ZERO]
    # Keep just inside the water there, so round-off can never take a depth below zero.
    margin = c[C_MARGIN]
    rain_grid = rain0.shape[0] > 0
    loss_grid = loss.shape[0] > 0
    w1 = rain_w
    w0 = one - rain_w
    rs = rain_scalar * dt
    ls = loss_scalar * dt
    for i in prange(ny):
        ca = min(lo[i] - 1, src_lo[i])
        ce = max(hi[i] + 1, src_hi[i])
        if i > 0:
            ca = min(ca, lo[i - 1])
            ce = max(ce, hi[i - 1])
        if i + 1 < ny:
            ca = min(ca, lo[i + 1])
            ce = max(ce, hi[i + 1])
        ca = max(ca, 0)
        ce = max(min(ce, nx), ca)
        cr_lo[i] = ca
        cr_hi[i] = ce
        n_c = ce - ca
        # row views from the first column, index from 0 (see flux_step)
        hr = h[i, ca:]
        r0 = rain0[i, ca:] if rain_grid else hr
        r1 = rain1[i, ca:] if rain_grid else hr
        lr = loss[i, ca:] if loss_grid else hr
        xr = qx[i, ca:]
        yt = qy[i, ca:]
        yb = qy[i + 1, ca:]
        sr = s[i, ca:]
        added = 0.0
        lost = 0.0
        for jj in range(n_c):
            r = (w0 * r0[jj] + w1 * r1[jj]) * dt if rain_grid else rs
            hr[jj] += r
            added += r
        for jj in range(n_c):
            lv = lr[jj] * dt if loss_grid else ls
            hw = hr[jj]
            hn = max(hw - lv, zero)
            lost += hw - hn
            hr[jj] = hn
            out = (max(xr[jj + 1], zero) - min(xr[jj], zero) + max(yb[jj], zero)
                   - min(yt[jj], zero)) * k  # fmt: skip
            sr[jj] = hn * margin / out if out > hn else one
        row_rain[i] = added
        row_loss[i] = lost


def int_bits(x):
    """The bits of a float as a signed integer of the same width (numba only).

    For floats >= 0 the integers order as the floats do, so a maximum over them is an integer
    reduction, which vectorises where a float maximum (NaN semantics) does not.
    """
    return 0


@overload(int_bits)
def _int_bits_impl(x):
    if x == types.float32:
        return lambda x: np.float32(x).view(np.int32)
    if x == types.float64:
        return lambda x: np.float64(x).view(np.int64)
    return None


@njit(parallel=True, fastmath=_FASTMATH, cache=True, error_model="numpy")
def depth_step(
    h, qx, qy_in, qy_out, s, ones, max_h, arrival, ext_lo, ext_hi, lo, hi, row_hmax, row_hsum,
    row_out, t_end, bounds, cr_lo, cr_hi, c,
):  # fmt: skip
    """Pass 3: limit the fluxes, update depths, track maximum depth, arrival and wet extents.

    Only the columns ``[cr_lo, cr_hi)`` of each row (from :func:`source_step`) can change;
    outside them the depth stays and the faces carry no flow.

    Parameters
    ----------
    h : ndarray (ny, nx)
        Depth after sources (m), updated in place.
    qx : ndarray (ny, nx + 1)
        x-fluxes, limited in place.
    qy_in, qy_out : ndarray (ny + 1, nx)
        y-fluxes before limiting (read) and after (written). Must be different arrays.
    s : ndarray (ny, nx)
        Outflow factors from :func:`source_step`.
    ones : ndarray (nx,)
        Ones: the factor of the world outside the domain.
    max_h, arrival : ndarray (ny, nx)
        Running maximum depth (m) and first time (s) the depth exceeded
        ``c[C_ARRIVAL]`` (``inf`` until then); updated in place.
    ext_lo, ext_hi : ndarray (ny,) int64
        Per row, the columns ``[ext_lo, ext_hi)`` spanning the cells at or above the flow
        threshold: read (before the step) and written (after it).
    lo, hi : ndarray (ny,) int64
        Output: the union of the extents before and after the step, the columns
        :func:`flux_step` must visit next (a face that carried flow must be visited once more
        to be set back to zero).
    row_hmax, row_hsum, row_out : ndarray (ny,)
        Output: per row the largest depth (as :func:`int_bits`), the sum of depths (m, NaN
        shows instability) and the boundary outflow (m² over the step, positive out).
    t_end : float
        Time at the end of the step (s), in the arrays' dtype.
    bounds : ndarray (nblocks + 1,) int64
        Row blocks from :func:`row_blocks`.

    Notes
    -----
    The speed is not tracked here: :func:`flux_step` takes it from the fluxes and depths at
    the start of the next step. The cell loop is split in two loops of few arrays each so both
    vectorise.
    """
    ny, nx = h.shape
    k = c[C_DT] * c[C_INV_DX]
    thresh = c[C_THRESH]
    zero = c[C_ZERO]
    arrival_depth = c[C_ARRIVAL]
    for b in prange(bounds.size - 1):
        for i in range(bounds[b], bounds[b + 1]):
            ca = cr_lo[i]
            ce = cr_hi[i]
            # each face is scaled by its upwind cell's factor; outside the domain it is 1.
            # Row views from the first column, index from 0 (see flux_step).
            s_up = s[i - 1] if i > 0 else ones
            s_dn = s[i + 1] if i + 1 < ny else ones
            s_i = s[i]
            j0 = max(ca, 1)
            xr = qx[i, j0:]
            sl = s_i[j0 - 1 :]
            for jj in range(min(ce + 1, nx) - j0):
                q = xr[jj]
                xr[jj] = q * (sl[jj] if q > zero else sl[jj + 1])
            if ca == 0:
                q = qx[i, 0]
                qx[i, 0] = q if q > zero else q * s_i[0]
            if ce == nx:
                q = qx[i, nx]
                qx[i, nx] = q * s_i[nx - 1] if q > zero else q
            n_c = ce - ca
            s_c = s_i[ca:]
            s_u = s_up[ca:]
            s_d = s_dn[ca:]
            y_in = qy_in[i + 1, ca:]
            y_out = qy_out[i + 1, ca:]
            # the y face below this row (written here); the one above is written by row i-1
            for jj in range(n_c):
                q = y_in[jj]
                y_out[jj] = q * (s_c[jj] if q > zero else s_d[jj])
            if i == 0:
                for j in range(ca, ce):
                    q = qy_in[0, j]
                    qy_out[0, j] = q if q > zero else q * s_i[j]
            hr = h[i, ca:]
            xc = qx[i, ca:]
            y_top = qy_in[i, ca:]
            for jj in range(n_c):
                qt = y_top[jj]
                qt = qt * (s_u[jj] if qt > zero else s_c[jj])
                hn = hr[jj] + k * (xc[jj] - xc[jj + 1] + qt - y_out[jj])
                hn = zero if hn < zero else hn  # keeps a NaN, for the instability check
                hr[jj] = hn
            hbits = int_bits(zero)
            hsum = zero
            mh = max_h[i, ca:]
            ar = arrival[i, ca:]
            for jj in range(n_c):
                hn = hr[jj]
                hsum += hn
                hbits = max(hbits, int_bits(hn))
                mh[jj] = max(mh[jj], hn)
                a = ar[jj]
                ar[jj] = t_end if (hn > arrival_depth and t_end < a) else a
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


@njit(cache=True, inline="always", error_model="numpy")
def _face_velocity(q, za, zb, ha, hb, thresh):
    hf = max(za + ha, zb + hb) - max(za, zb)
    return q / hf if hf >= thresh else 0.0


@njit(parallel=True, fastmath=_FASTMATH, cache=True, error_model="numpy")
def speed_field(h, z, qx, qy, thresh, speed_depth, out):
    """Speed at cell centres (m/s) from the velocities on the faces.

    Each face's velocity is its flux over its flow depth ``h_f`` (0 where ``h_f`` is below
    ``thresh``; on the domain edge the cell's depth stands for ``h_f``), as LISFLOOD-FP's
    ``Vx``/``Vy``; the cell's ``(u, v)`` is the mean of its two x faces and of its two y faces.
    A film of water at a wet front next to deep water thus moves at the speed of the water
    crossing its faces, not at a flux divided by the film's own depth. Cells shallower than
    ``speed_depth`` (m) get 0.
    """
    ny, nx = h.shape
    for i in prange(ny):
        for j in range(nx):
            hc = h[i, j]
            if hc < speed_depth or hc < thresh:
                out[i, j] = 0.0
                continue
            zc = z[i, j]
            if j > 0:
                ul = _face_velocity(qx[i, j], z[i, j - 1], zc, h[i, j - 1], hc, thresh)
            else:
                ul = qx[i, 0] / hc
            if j + 1 < nx:
                ur = _face_velocity(qx[i, j + 1], zc, z[i, j + 1], hc, h[i, j + 1], thresh)
            else:
                ur = qx[i, nx] / hc
            if i > 0:
                vt = _face_velocity(qy[i, j], z[i - 1, j], zc, h[i - 1, j], hc, thresh)
            else:
                vt = qy[0, j] / hc
            if i + 1 < ny:
                vb = _face_velocity(qy[i + 1, j], zc, z[i + 1, j], hc, h[i + 1, j], thresh)
            else:
                vb = qy[ny, j] / hc
            u = 0.5 * (ul + ur)
            v = 0.5 * (vt + vb)
            out[i, j] = np.sqrt(u * u + v * v)


@njit(parallel=True, cache=True, error_model="numpy")
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


@njit(cache=True, error_model="numpy")
def add_inflows(h, rows, cols, volumes_m, c):
    """Point inflows: add ``volumes_m`` (m of depth over the step) at cells ``(rows, cols)``."""
    for k in range(rows.size):
        h[rows[k], cols[k]] += volumes_m[k]


@njit(parallel=True, cache=True, error_model="numpy")
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


@njit(cache=True, error_model="numpy")
def edge_exchange(qx, qy, kdx, acc):
    """Add the volume each edge let in and out over a step to ``acc`` (4, 2) float64.

    ``acc[e, 0]`` gathers the inflow and ``acc[e, 1]`` the outflow (m³, both >= 0) of edge
    ``e`` (``EDGE_FIRST_ROW`` ... ``EDGE_LAST_COL``), from the limited face fluxes times
    ``kdx`` = dt · dx (m s).
    """
    ny = qx.shape[0]
    nx = qy.shape[1]
    for e in range(4):
        inward = 0.0
        outward = 0.0
        n = nx if e <= EDGE_LAST_ROW else ny
        for k in range(n):
            if e == EDGE_FIRST_ROW:
                q = qy[0, k]
            elif e == EDGE_LAST_ROW:
                q = -qy[ny, k]
            elif e == EDGE_FIRST_COL:
                q = qx[k, 0]
            else:
                q = -qx[k, nx]
            if q > 0:
                inward += q
            else:
                outward -= q
        acc[e, 0] += inward * kdx
        acc[e, 1] += outward * kdx


@njit(fastmath=_FASTMATH, cache=True, error_model="numpy")
def max_depth_where(h, weight):
    """Largest ``h * weight`` (m): the deepest water of the cells with weight 1 (the others 0).

    One thread, as an integer maximum over the bits (:func:`int_bits`), which vectorises: a
    pass of tens of microseconds on 50,000 cells, less than waking the threads would cost.
    """
    ny, nx = h.shape
    best = int_bits(h[0, 0] * weight[0, 0])
    for i in range(ny):
        hr = h[i]
        wr = weight[i]
        for j in range(nx):
            best = max(best, int_bits(hr[j] * wr[j]))
    return best


@njit(cache=True, error_model="numpy")
def hold_level(h, z, cells, level, acc):
    """Put the flat cells ``cells`` of ``h`` back to the water level ``level`` (m).

    Adds the depth (m) that took to ``acc[0]`` where water was put in and to ``acc[1]`` where
    it was taken out (both >= 0, float64).
    """
    hf = h.reshape(-1)
    zf = z.reshape(-1)
    added = 0.0
    taken = 0.0
    for k in range(cells.size):
        c = cells[k]
        new = max(level - zf[c], 0.0)
        old = hf[c]
        hf[c] = new
        d = np.float64(hf[c]) - np.float64(old)
        if d > 0.0:
            added += d
        else:
            taken -= d
    acc[0] += added
    acc[1] += taken
