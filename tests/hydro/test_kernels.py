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


@pytest.mark.parametrize(("dtype", "max_ulp"), [(np.float32, 2.0), (np.float64, 2.0)])
def test_fast_cbrt_to_full_precision(dtype: type, max_ulp: float) -> None:
    a = np.geomspace(1e-6, 1e5, 1_000_003).astype(dtype)
    out = np.empty_like(a)
    _cbrt_all(a, out)
    ref = np.cbrt(a.astype(np.float64))
    rel = np.abs(out.astype(np.float64) - ref) / ref
    assert rel.max() <= max_ulp * np.finfo(dtype).eps


def _reference_step(h, z, n2, qx, qy, dt, dx, theta, thresh, rain, margin):  # type: ignore[no-untyped-def]
    """One step of the scheme in plain NumPy, closed edges (float64)."""
    h = h.copy()
    qx = qx.copy()
    qy = qy.copy()

    def face(za, zb, ha, hb, qo, ql, qr, n2a, n2b):  # type: ignore[no-untyped-def]
        ea, eb = za + ha, zb + hb
        hf = np.maximum(ea, eb) - np.maximum(za, zb)
        qt = theta * qo + 0.5 * (1 - theta) * (ql + qr)
        hs = np.maximum(hf, thresh)
        new = (qt - G * hs * dt * (eb - ea) / dx) / (
            1 + G * dt * 0.5 * (n2a + n2b) * np.abs(qo) / hs ** (7 / 3)
        )
        return np.where(hf >= thresh, new, 0.0)

    qx[:, 1:-1] = face(
        z[:, :-1], z[:, 1:], h[:, :-1], h[:, 1:], qx[:, 1:-1], qx[:, :-2], qx[:, 2:],
        n2[:, :-1], n2[:, 1:],
    )  # fmt: skip
    qy[1:-1, :] = face(z[:-1], z[1:], h[:-1], h[1:], qy[1:-1], qy[:-2], qy[2:], n2[:-1], n2[1:])
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
    return h, qx, qy


def _kernel_step(h, z, n2, qx, qy, dt, dx, theta, thresh, rain, margin):  # type: ignore[no-untyped-def]
    ny, nx = h.shape
    h, qx, qy = h.copy(), qx.copy(), qy.copy()
    qy_b = qy.copy()
    c = np.zeros(K.N_CONSTANTS)
    c[K.C_G], c[K.C_DT], c[K.C_INV_DX] = G, dt, 1 / dx
    c[K.C_THETA], c[K.C_HALF_1M_THETA], c[K.C_THRESH] = theta, 0.5 * (1 - theta), thresh
    c[K.C_ZERO], c[K.C_ONE], c[K.C_HALF], c[K.C_MARGIN] = 0, 1, 0.5, margin
    bounds = K.row_blocks(ny, 3)
    scratch = np.zeros((bounds.size - 1, nx + 1))
    lo = np.zeros(ny, np.int64)
    hi = np.full(ny, nx, np.int64)
    K.flux_step(h, z, n2, qx, qy, qy_b, scratch, lo, hi, bounds, c)
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
        h, qx, qy_b, qy, s, np.ones(nx), big, big.copy(), arrival, lo.copy(), hi.copy(), lo, hi,
        np.zeros(ny, np.int64), rows[3], rows[4], dt, big.copy(), True, scratch, bounds, *cr, c,
    )  # fmt: skip
    return h, qx, qy


@given(
    shape=st.tuples(st.integers(2, 9), st.integers(2, 9)),
    seed=st.integers(0, 2**32 - 1),
    dt=st.floats(0.01, 2.0),
    theta=st.floats(0.5, 1.0),
    rain=st.sampled_from([0.0, 1e-5]),
)
def test_one_step_matches_numpy_reference(shape, seed, dt, theta, rain) -> None:  # type: ignore[no-untyped-def]
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
    args = (h, z, n2, qx, qy, dt, dx, theta, 1e-3, rain, 1 - 1e-12)
    ref = _reference_step(*args)
    got = _kernel_step(*args)
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
    h1, _, _ = _kernel_step(h, z, np.full_like(h, 1e-4), qx, qy, dt, 1.0, 1.0, 1e-3, 0.0, 1 - 1e-12)
    assert np.all(h1 >= 0)
    assert h1.sum() == pytest.approx(h.sum(), rel=1e-12, abs=1e-12)
