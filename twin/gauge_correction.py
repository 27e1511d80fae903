"""Forecasts that learn from the gauges: an autoregressive model of the error at each gauge.

At a forecast's issue time the modelled level at a river gauge is compared with the gauge's
last good readings. The residuals ``e = observed − modelled`` (m) are fitted by an AR(p)
model (``p`` = 1 or 2, least squares on the last ``window`` readings; gaps, NaN, split the
series and no lag pair spans one)::

    e[t] = φ1·e[t−1] + φ2·e[t−2] + ε,   ε ~ N(0, σ²)

and the forecast is corrected by the error propagated over the lead time, which decays
towards zero as the AR weights shrink (the "error correction" of operational flood
forecasting: e.g. Refsgaard 1997, Nordic Hydrology 28; Madsen and Skotner 2005, J. Hydrol.
308). The uncertainty band is the k-step-ahead prediction interval of the AR model,
``±z·σ·sqrt(Σ_{j<k} ψ_j²)`` with ``ψ`` its impulse-response weights. A fit that is not
stationary falls back to AR(1), and AR(1) keeps ``|φ| <= 0.999``.

:func:`forecast_skill` (also in :mod:`twin.verify`) scores raw and corrected forecasts by
lead time against the readings held back after each issue time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from twin._errors import TwinError

__all__ = ["ARErrorModel", "correct_forecast", "fit_error_model", "forecast_skill"]


@dataclass(frozen=True)
class ARErrorModel:
    """A fitted autoregressive error model.

    Attributes
    ----------
    coefficients
        ``(φ1,)`` or ``(φ1, φ2)``.
    sigma_m
        Standard deviation of the innovations (m).
    step
        The readings' step (the AR model's time unit).
    last_errors_m
        The latest residuals, newest first (the recursion's start).
    last_time
        Time of the newest residual.
    """

    coefficients: tuple[float, ...]
    sigma_m: float
    step: pd.Timedelta
    last_errors_m: tuple[float, ...]
    last_time: pd.Timestamp

    def predict(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Error forecast and its standard deviation for 1..``steps`` steps ahead (m)."""
        phi = np.asarray(self.coefficients)
        hist = list(self.last_errors_m)
        psi = [1.0]
        mean = np.empty(steps)
        sd = np.empty(steps)
        for k in range(steps):
            value = float(sum(p * h for p, h in zip(phi, hist, strict=False)))
            mean[k] = value
            hist = [value, *hist][: phi.size]
            sd[k] = self.sigma_m * math.sqrt(sum(w * w for w in psi))
            psi.append(float(sum(phi[j] * psi[-1 - j] for j in range(min(phi.size, len(psi))))))
        return mean, sd


def _regular_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    if index.size < 2:
        raise TwinError("gauge correction: need at least two readings")
    return pd.Timedelta(index.to_series().diff().median())


def fit_error_model(residuals: pd.Series, *, order: int = 1, window: int = 48) -> ARErrorModel:
    """Fit an AR(``order``) model to the last ``window`` residuals of a gauge.

    Parameters
    ----------
    residuals
        ``observed − modelled`` (m) over a DatetimeIndex on a regular step; NaN are gaps.
    order
        1 or 2.
    window
        How many of the latest readings to fit on.

    Raises
    ------
    TwinError
        Too few good consecutive readings for the order, or a bad order.
    """
    if order not in (1, 2):
        raise TwinError(f"gauge correction: order must be 1 or 2, got {order!r}")
    series = residuals.sort_index()
    index = pd.DatetimeIndex(series.index)
    step = _regular_step(index)
    tail = series.iloc[-window:]
    good = tail.dropna()
    if good.empty:
        raise TwinError("gauge correction: no good readings in the fitting window")
    # on the regular grid, so that a lag never jumps a gap
    grid = pd.date_range(good.index[0], good.index[-1], freq=step)
    e = tail.reindex(grid).to_numpy(dtype=float)
    rows = [
        (e[i], *(e[i - j] for j in range(1, order + 1)))
        for i in range(order, e.size)
        if np.all(np.isfinite(e[i - order : i + 1]))
    ]
    if len(rows) < max(4, 2 * order):
        raise TwinError(
            f"gauge correction: {len(rows)} usable pairs of consecutive readings in the last "
            f"{window}; need at least {max(4, 2 * order)}"
        )
    data = np.asarray(rows)
    y, x = data[:, 0], data[:, 1:]
    phi, *_ = np.linalg.lstsq(x, y, rcond=None)
    if order == 2 and not (abs(phi[1]) < 1 and phi[0] + phi[1] < 1 and phi[1] - phi[0] < 1):
        return fit_error_model(residuals, order=1, window=window)
    if order == 1:
        phi = np.clip(phi, -0.999, 0.999)
    sigma = float(np.sqrt(np.mean((y - x @ phi) ** 2)))
    latest = good.iloc[::-1]
    return ARErrorModel(
        coefficients=tuple(float(p) for p in phi),
        sigma_m=sigma,
        step=step,
        last_errors_m=tuple(float(v) for v in latest.iloc[:order]),
        last_time=pd.Timestamp(good.index[-1]),
    )


def correct_forecast(
    modelled: pd.Series,
    observed: pd.Series,
    *,
    issue_time: pd.Timestamp | str,
    order: int = 1,
    window: int = 48,
    z: float = 1.96,
) -> pd.DataFrame:
    """Correct a gauge's modelled levels after ``issue_time`` with its AR error model.

    Parameters
    ----------
    modelled
        Modelled level (m) over a DatetimeIndex spanning the readings before the issue time
        and the forecast after it; linear in time between samples.
    observed
        The gauge's readings (m) on a regular step; NaN are gaps. Only readings at or before
        ``issue_time`` are used.
    issue_time
        The forecast's issue time.
    order, window
        See :func:`fit_error_model`.
    z
        Half-width of the band in standard deviations (1.96: a 95 % band).

    Returns
    -------
    pandas.DataFrame
        Indexed by the modelled times after ``issue_time``: ``lead_h``, ``raw_m``,
        ``correction_m``, ``corrected_m``, ``lower_m``, ``upper_m``.
    """
    issue = pd.Timestamp(issue_time)
    mod = modelled.sort_index()
    obs = observed.sort_index().loc[:issue]
    if obs.dropna().empty:
        raise TwinError(f"gauge correction: no good readings at or before {issue}")
    t0 = mod.index[0]
    mod_at_obs = np.interp(
        (obs.index - t0).total_seconds(), (mod.index - t0).total_seconds(), mod.to_numpy(float)
    )
    inside = (obs.index >= mod.index[0]) & (obs.index <= mod.index[-1])
    resid = pd.Series(np.where(inside, obs.to_numpy(dtype=float) - mod_at_obs, np.nan), obs.index)
    model = fit_error_model(resid, order=order, window=window)
    ahead = mod.loc[mod.index > issue]
    steps_ahead = (ahead.index - model.last_time) / model.step
    n = max(1, math.ceil(float(np.max(steps_ahead)))) if len(ahead) else 1
    mean, sd = model.predict(n)
    k = np.arange(1, n + 1, dtype=float)
    corr = np.interp(steps_ahead, np.concatenate([[0.0], k]), np.concatenate([[mean[0]], mean]))
    spread = np.interp(steps_ahead, np.concatenate([[0.0], k]), np.concatenate([[0.0], sd]))
    raw = ahead.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "lead_h": (ahead.index - issue) / pd.Timedelta(hours=1),
            "raw_m": raw,
            "correction_m": corr,
            "corrected_m": raw + corr,
            "lower_m": raw + corr - z * spread,
            "upper_m": raw + corr + z * spread,
        },
        index=ahead.index,
    )


def forecast_skill(
    forecasts: Iterable[pd.DataFrame], observed: pd.Series, *, lead_bins_h: Iterable[float]
) -> pd.DataFrame:
    """RMSE and NSE of raw and corrected forecasts by lead time against held-back readings.

    Parameters
    ----------
    forecasts
        Frames of :func:`correct_forecast` (one per issue time).
    observed
        The gauge's readings (m); those after each issue time are the held-back truth.
    lead_bins_h
        Edges of the lead-time bins (h), e.g. ``[0, 6, 12, 24]``.

    Returns
    -------
    pandas.DataFrame
        One row per bin (``lead_h`` its right edge): ``n``, ``rmse_raw_m``,
        ``rmse_corrected_m``, ``nse_raw``, ``nse_corrected`` and ``coverage`` (share of
        readings inside the band).
    """
    frames = [f for f in forecasts if len(f)]
    if not frames:
        raise TwinError("forecast_skill: no forecasts given")
    edges = np.asarray(list(lead_bins_h), dtype=float)
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise TwinError("forecast_skill: lead_bins_h must be at least two increasing edges")
    table = pd.concat(frames)
    truth = observed.reindex(table.index).to_numpy(dtype=float)
    table = table.assign(observed_m=truth).dropna(subset=["observed_m"])
    rows = []
    for lo, hi in pairwise(edges):
        part = table[(table["lead_h"] > lo) & (table["lead_h"] <= hi)]
        o = part["observed_m"].to_numpy()
        spread = float(np.sum((o - o.mean()) ** 2)) if o.size else math.nan
        row: dict[str, float] = {"lead_h": float(hi), "n": float(o.size)}
        for label in ("raw", "corrected"):
            err = part[f"{label}_m"].to_numpy() - o
            row[f"rmse_{label}_m"] = float(np.sqrt(np.mean(err**2))) if o.size else math.nan
            row[f"nse_{label}"] = 1.0 - float(np.sum(err**2)) / spread if spread else math.nan
        inside = (o >= part["lower_m"].to_numpy()) & (o <= part["upper_m"].to_numpy())
        row["coverage"] = float(inside.mean()) if o.size else math.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("lead_h")
