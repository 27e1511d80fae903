"""Infiltration that changes over the event: SCS Curve Number and Green-Ampt, per cell.

Both give, each step, a loss rate per cell that the source pass takes from the water there
(never more than the cell holds), so the volume balance stays exact.

- SCS Curve Number (USDA NRCS, National Engineering Handbook part 630, ch. 10): of the
  cumulative rain ``P`` since the start, the runoff is ``Q = (P - Ia)² / (P - Ia + S)`` for
  ``P > Ia`` (else 0), with the potential retention ``S = 25.4 (1000 / CN - 10)`` mm and the
  initial abstraction ``Ia = λ S`` (λ = 0.2). The rest of each step's rain, ``ΔP - ΔQ``, is
  the loss rate of that step.
- Green-Ampt (Green and Ampt 1911; Rawls, Brakensiek and Miller 1983 for the parameters): the
  infiltration capacity is ``f = Ks (1 + ψ Δθ / F)`` with ``F`` the depth infiltrated so far
  (starting at ``initial_mm``, > 0); each step takes ``min(f dt, water there)`` and adds it to
  ``F``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from hydro._errors import HydroError

__all__ = ["CurveNumber", "GreenAmpt", "per_class"]

_MM = 1e-3


def _positive(name: str, grid: np.ndarray, *, allow_zero: bool = False) -> None:
    bad = grid < 0 if allow_zero else grid <= 0
    if not np.all(np.isfinite(grid)) or np.any(bad):
        limit = ">= 0" if allow_zero else "> 0"
        raise HydroError(f"{name}: must be finite and {limit} everywhere (smallest {grid.min():g})")


class CurveNumber:
    """SCS Curve Number losses from a grid of curve numbers (0 < CN <= 100)."""

    def __init__(self, cn: np.ndarray, ia_ratio: float) -> None:
        if not np.all(np.isfinite(cn)) or np.any((cn <= 0) | (cn > 100)):
            raise HydroError("curve number: CN must lie in (0, 100] everywhere")
        if not 0.0 <= ia_ratio < 1.0:
            raise HydroError(f"curve number: ia_ratio must be in [0, 1), got {ia_ratio}")
        self.s_m = 25.4 * (1000.0 / cn - 10.0) * _MM
        self.ia_m = ia_ratio * self.s_m
        self.rain_m = np.zeros_like(cn)
        self.runoff_m = np.zeros_like(cn)

    def _runoff(self, p: np.ndarray) -> np.ndarray:
        excess = np.maximum(p - self.ia_m, 0.0)
        return np.where(excess > 0, excess * excess / (excess + self.s_m), 0.0)

    def loss_rate(self, rain_m_s: np.ndarray | float, h: np.ndarray, dt: float) -> np.ndarray:
        """The loss rate (m/s) over the next step, given this step's rain rate (m/s)."""
        self.rain_m = self.rain_m + np.asarray(rain_m_s) * dt
        runoff = self._runoff(self.rain_m)
        infiltrated = (np.asarray(rain_m_s) * dt) - (runoff - self.runoff_m)
        self.runoff_m = runoff
        return np.maximum(infiltrated, 0.0) / dt


class GreenAmpt:
    """Green-Ampt losses from grids of Ks (m/s), suction ψ (m) and moisture deficit Δθ (-)."""

    def __init__(
        self, ksat_m_s: np.ndarray, suction_m: np.ndarray, deficit: np.ndarray, initial_m: float
    ) -> None:
        _positive("green-ampt ksat", ksat_m_s, allow_zero=True)
        _positive("green-ampt suction", suction_m, allow_zero=True)
        _positive("green-ampt moisture deficit", deficit, allow_zero=True)
        if not initial_m > 0:
            raise HydroError(f"green-ampt: initial_mm must be > 0, got {initial_m / _MM:g}")
        self.ks = ksat_m_s
        self.psi_dtheta = suction_m * deficit
        self.infiltrated_m = np.full_like(ksat_m_s, initial_m)

    def loss_rate(self, rain_m_s: np.ndarray | float, h: np.ndarray, dt: float) -> np.ndarray:
        """The loss rate (m/s) over the next step: the capacity, up to the water there."""
        capacity = self.ks * (1.0 + self.psi_dtheta / self.infiltrated_m) * dt
        taken = np.minimum(capacity, h + np.asarray(rain_m_s) * dt)
        self.infiltrated_m += taken
        return taken / dt


def per_class(classes: xr.DataArray, values: Mapping[int, float], what: str) -> xr.DataArray:
    """A parameter grid from a grid of land-cover classes and a value per class.

    Parameters
    ----------
    classes : xarray.DataArray (y, x) of int
        Land-cover class codes (the city's land-use grid on the model grid).
    values : mapping of int to float
        The parameter per class (a curve number, Ks in mm/h, ...).
    what : str
        The parameter's name, for the error.

    Raises
    ------
    HydroError
        Naming every class present in the grid that ``values`` lacks.
    """
    codes = np.asarray(classes.values)
    present = {int(c) for c in np.unique(codes)}
    missing = sorted(present - {int(k) for k in values})
    if missing:
        raise HydroError(f"{what}: no value for land-cover class(es) {missing}; add them")
    out = np.zeros(codes.shape)
    for code, value in values.items():
        out[codes == int(code)] = float(value)
    return xr.DataArray(out, coords=classes.coords, dims=classes.dims, name=what)
