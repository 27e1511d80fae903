"""Fixtures of the solver tests: small DEMs built on demand."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr

DemFactory = Callable[..., xr.DataArray]


def _dem(z: np.ndarray, dx: float = 10.0, *, crs: str | None = None) -> xr.DataArray:
    ny, nx = np.shape(z)
    x = (np.arange(nx) + 0.5) * dx
    y = ((np.arange(ny) + 0.5) * dx)[::-1]
    da = xr.DataArray(
        np.asarray(z, dtype=np.float64),
        coords={"y": y, "x": x},
        dims=("y", "x"),
        name="elevation",
        attrs={"units": "m"},
    )
    if crs is not None:
        da = da.rio.write_crs(crs)
    return da


@pytest.fixture(scope="session")
def make_dem() -> DemFactory:
    """``make_dem(z, dx=10.0, crs=None)``: a (y, x) elevation, row 0 north, centres at dx/2."""
    return _dem


@pytest.fixture(scope="session")
def standard_dem() -> Callable[[int], xr.DataArray]:
    """The issue's speed case on N × N cells: 10 km square, z = 0.001 x + 0.005 |y - 5000|."""

    def build(n: int) -> xr.DataArray:
        dx = 10000.0 / n
        x = (np.arange(n) + 0.5) * dx
        z = 0.001 * x[None, :] + 0.005 * np.abs(x[::-1][:, None] - 5000.0)
        return _dem(z, dx)

    return build
