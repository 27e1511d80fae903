"""The numba kernels against a plain NumPy reference of one time step (as landlab does)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numba import njit

from hydro import _kernels as K  # noqa: N812

G = 9.81


@njit(cache=True)
def _cbrt_all(a, out):  # type: ignore[no-untyped-def]
    for i in range(a.size):
        out[i] = K.fast_cbrt(a[i])


def _ulps(out: np.ndarray, ref: np.ndarray, dtype: type) -> np.ndarray:
    """|out - ref| in units in the last place of ``dtype`` at ``ref``."""
    spacing = np.spacing(np.abs(ref).astype(dtype)).astype(ref.dtype)
    return np.abs(out.astype(ref.dtype) - ref) / spacing


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_cbrt_is_faithfully_rounded(dtype: type) -> None:
    """Under 1 ulp from the exact cube root, over 11 decades of depth (m)."""
    a = np.geomspace(1e-6, 1e5, 1_000_003).astype(dtype)
    out = np.empty_like(a)
    _cbrt_all(a, out)
    # the reference must be finer than the type: float64 for float32; for float64 the
    # 80-bit long double where the platform has one (x86), else float64 itself (<= 1 ulp off)
    wide = np.longdouble if np.finfo(np.longdouble).nmant >= 63 else np.float64
    exact = dtype == np.float32 or wide is np.longdouble
    ref_type = np.float64 if dtype == np.float32 else wide
    ref = np.cbrt(a.astype(ref_type))
    assert _ulps(out, ref, dtype).max() < (1.0 if exact else 2.0)


@njit(fastmath=K._FASTMATH, error_model="numpy")
def _h73_all(a, out):  # type: ignore[no-untyped-def]
    for i in range(a.size):
        h = a[i]
        out[i] = h * h * K.fast_cbrt(h)


def test_friction_power_to_float32_round_off() -> None:
    """h^(7/3) = h² · cbrt(h): the faithful cube root times two float32 products."""
    a = np.geomspace(1e-3, 50.0, 1_000_003).astype(np.float32)
    out = np.empty_like(a)
    _h73_all(a, out)
    a64 = a.astype(np.float64)
    errors = _ulps(out, a64 * a64 * np.cbrt(a64), np.float32)
    assert errors.max() < 2.5
    assert np.mean(errors <= 1.0) > 0.9


def _speed(h, z, qx, qy, qx_edge, qy_edge, thresh):  # type: ignore[no-untyped-def]
    """Speed at cell centres from the face velocities q / h_f (edges: old flux / the depth)."""
    eta = z + h

    def vel(q, ea, eb, za, zb):  # type: ignore[no-untyped-def]
        hf = np.maximum(ea, eb) - np.maximum(za, zb)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(hf >= thresh, q / hf, 0.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        vx = np.concatenate(
            [
                np.where(h[:, :1] >= thresh, qx_edge[:, :1] / h[:, :1], 0.0),
                vel(qx[:, 1:-1], eta[:, :-1], eta[:, 1:], z[:, :-1], z[:, 1:]),
                np.where(h[:, -1:] >= thresh, qx_edge[:, -1:] / h[:, -1:], 0.0),
            ],
            axis=1,
        )
        vy = np.concatenate(
            [
                np.where(h[:1] >= thresh, qy_edge[:1] / h[:1], 0.0),
                vel(qy[1:-1], eta[:-1], eta[1:], z[:-1], z[1:]),
                np.where(h[-1:] >= thresh, qy_edge[-1:] / h[-1:], 0.0),
            ],
            axis=0,
        )
    u = 0.5 * (vx[:, :-1] + vx[:, 1:])
    v = 0.5 * (vy[:-1] + vy[1:])
    return np.where(h >= thresh, np.sqrt(u * u + v * v), 0.0)


def _reference_step(h, z, n2, qx, qy, dt, dx, theta, thresh, rain, margin, fric2d=False):  # type: ignore[no-untyped-def]
    """One step of the scheme in plain NumPy, closed edges (float64).

    Returns the new depths and fluxes, and the speed over the step (new fluxes over the flow
    depths at the start).
    """
    h = h.copy()
    qx = qx.copy()
    qy = qy.copy()
    qx0, qy0 = qx.copy(), qy.copy()
    # the transverse old fluxes around each interior face (LISFLOOD-FP's 2D friction)
    qy_at_x = 0.25 * (qy[:-1, :-1] + qy[:-1, 1:] + qy[1:, :-1] + qy[1:, 1:])
    qx_at_y = 0.25 * (qx[:-1, :-1] + qx[:-1, 1:] + qx[1:, :-1] + qx[1:, 1:])

    def face(za, zb, ha, hb, qo, ql, qr, n2a, n2b, qt_other):  # type: ignore[no-untyped-def]
        ea, eb = za + ha, zb + hb
        hf = np.maximum(ea, eb) - np.maximum(za, zb)
        qt = theta * qo + 0.5 * (1 - theta) * (ql + qr)
        hs = np.maximum(hf, thresh)
        qf = np.sqrt(qo**2 + qt_other**2) if fric2d else np.abs(qo)
        den = 1 + G * dt * 0.5 * (n2a + n2b) * qf / hs ** (7 / 3)
        drive = G * hs * dt * (eb - ea) / dx
        new = (qt - drive) / den
        # LISFLOOD-FP: a theta-weighted flux against the water-surface drop falls back to
        # the plain Bates et al. (2010) update with the face's own old flux
        new = np.where(new * (ea - eb) < 0, (qo - drive) / den, new)
        return np.where(hf >= thresh, new, 0.0)

    qx[:, 1:-1] = face(
        z[:, :-1], z[:, 1:], h[:, :-1], h[:, 1:], qx[:, 1:-1], qx[:, :-2], qx[:, 2:],
        n2[:, :-1], n2[:, 1:], qy_at_x,
    )  # fmt: skip
    qy[1:-1, :] = face(
        z[:-1], z[1:], h[:-1], h[1:], qy[1:-1], qy[:-2], qy[2:], n2[:-1], n2[1:], qx_at_y
    )
    speed = _speed(h, z, qx, qy, qx0, qy0, thresh)
    h += rain * dt
    out = (
        np.maximum(qx[:, 1:], 0) - np.minimum(qx[:, :-1], 0)
        + np.maximum(qy[1:], 0) - np.minimum(qy[:-1], 0)
    ) * dt / dx  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(out > h, h * margin / out, 1.0)
    qx[:, 1:-1] *= np.where(qx[:, 1:-1] > 0, s[:, :-1], s[:, 1:])
    qy[1:-1] *= np.where(qy[1:-1] > 0, s[:-1], s[1:])
    h = np.maximum(h + dt / dx * (qx[:, :-1] - qx[:, 1:] + qy[:-1] - qy[1:]), 0.0)
    return h, qx, qy, speed


def _kernel_step(h, z, n2, qx, qy, dt, dx, theta, thresh, rain, margin, fric2d=False, nblocks=3):  # type: ignore[no-untyped-def]
    ny, nx = h.shape
    h, qx, qy = h.copy(), qx.copy(), qy.copy()
    qy_b = qy.copy()
    c = np.zeros(K.N_CONSTANTS)
    c[K.C_G], c[K.C_DT], c[K.C_INV_DX] = G, dt, 1 / dx
    c[K.C_THETA], c[K.C_HALF_1M_THETA], c[K.C_THRESH] = theta, 0.5 * (1 - theta), thresh
    c[K.C_ZERO], c[K.C_ONE], c[K.C_HALF], c[K.C_MARGIN] = 0, 1, 0.5, margin
    c[K.C_SPEED_DEPTH] = thresh  # the NumPy reference reports speed from the flow depth
    bounds = K.row_blocks(ny, nblocks)
    scratch = np.zeros((bounds.size - 1, 4, nx + 1))
    edge = np.zeros((bounds.size - 1, 2, nx + 1))
    lo = np.zeros(ny, np.int64)
    hi = np.full(ny, nx, np.int64)
    max_v = np.zeros_like(h)
    K.copy_edge_rows(qx, bounds, edge)
    speed = np.full_like(h, np.nan)
    K.flux_step(
        h, z, n2, qx, qy, qy_b, scratch, edge, lo, hi, bounds, fric2d, max_v, speed, True, c
    )
    np.testing.assert_array_equal(speed, max_v)
    s = np.empty_like(h)
    e = np.zeros((0, 0))
    rows = [np.zeros(ny) for _ in range(5)]
    src = (np.zeros(ny, np.int64), np.full(ny, nx, np.int64))
    cr = (np.zeros(ny, np.int64), np.zeros(ny, np.int64))
    K.source_step(h, qx, qy_b, s, e, e, 0.0, rain, e, 0.0, rows[0], rows[1], lo, hi, *src, *cr, c)
    big = np.zeros_like(h)
    arrival = np.full_like(h, np.inf)
    c[K.C_ARRIVAL] = 0.1
    K.depth_step(
        h, qx, qy_b, qy, s, np.ones(nx), big, arrival, lo.copy(), hi.copy(), lo, hi,
        np.zeros(ny, np.int64), rows[3], rows[4], dt, bounds, *cr, c,
    )  # fmt: skip
    return h, qx, qy, max_v


@given(
    shape=st.tuples(st.integers(2, 9), st.integers(2, 9)),
    seed=st.integers(0, 2**32 - 1),
    dt=st.floats(0.01, 2.0),
    theta=st.floats(0.5, 1.0),
    rain=st.sampled_from([0.0, 1e-5]),
    fric2d=st.booleans(),
    nblocks=st.integers(1, 4),
)
def test_one_step_matches_numpy_reference(shape, seed, dt, theta, rain, fric2d, nblocks) -> None:  # type: ignore[no-untyped-def]
    ny, nx = shape
    rng = np.random.default_rng(seed)
    dx = 5.0
    z = rng.uniform(0, 2, shape)
    h = rng.uniform(0, 1, shape) * (rng.uniform(size=shape) > 0.3)
    n2 = rng.uniform(0.0, 0.1, shape) ** 2
    qx = rng.normal(0, 0.5, (ny, nx + 1))
    qy = rng.normal(0, 0.5, (ny + 1, nx))
    qx[:, [0, -1]] = 0
    qy[[0, -1], :] = 0
    args = (h, z, n2, qx, qy, dt, dx, theta, 1e-3, rain, 1 - 1e-12, fric2d)
    ref = _reference_step(*args)
    got = _kernel_step(*args, nblocks=nblocks)
    for r, g in zip(ref, got, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)
    assert np.all(got[0] >= 0)


@given(arrays(np.float64, (5, 6), elements=st.floats(0, 3)), st.floats(0.05, 5.0))
def test_limiter_never_leaves_negative_depth(h, dt) -> None:  # type: ignore[no-untyped-def]
    """Fluxes far larger than the water there: outflow is scaled, depth stays >= 0."""
    z = np.zeros_like(h)
    rng = np.random.default_rng(1)
    qx = rng.normal(0, 50, (5, 7))
    qy = rng.normal(0, 50, (6, 6))
    qx[:, [0, -1]] = 0
    qy[[0, -1], :] = 0
    n2 = np.full_like(h, 1e-4)
    h1, _, _, _ = _kernel_step(h, z, n2, qx, qy, dt, 1.0, 1.0, 1e-3, 0.0, 1 - 1e-12)
    assert np.all(h1 >= 0)
    assert h1.sum() == pytest.approx(h.sum(), rel=1e-12, abs=1e-12)
