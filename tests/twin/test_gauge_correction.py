"""The AR error model at a gauge: fitting, correction with decay, band, and skill by lead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin import TwinError
from twin.gauge_correction import correct_forecast, fit_error_model, forecast_skill
from twin.verify import forecast_skill as verify_forecast_skill

TIMES = pd.date_range("2025-10-20", periods=24 * 12, freq="h")


def truth() -> pd.Series:
    t_h = np.arange(TIMES.size, dtype=float)
    flood = 3.0 * np.exp(-(((t_h - 160.0) / 30.0) ** 2))
    return pd.Series(0.8 + 0.3 * np.sin(2 * np.pi * t_h / 12.4) + flood, index=TIMES)


def biased_lagged_model(level: pd.Series) -> pd.Series:
    """A model 2 h late, 15 % too low in its swings and 0.25 m high."""
    late = level.shift(2).bfill()
    return 0.85 * late + 0.15 * level.mean() + 0.25


def test_fit_recovers_an_ar1_process() -> None:
    rng = np.random.default_rng(0)
    e = np.zeros(400)
    for i in range(1, e.size):
        e[i] = 0.8 * e[i - 1] + rng.normal(0, 0.05)
    idx = pd.date_range("2025-01-01", periods=e.size, freq="15min")
    model = fit_error_model(pd.Series(e, idx), order=1, window=400)
    assert model.coefficients[0] == pytest.approx(0.8, abs=0.06)
    assert model.sigma_m == pytest.approx(0.05, rel=0.15)
    assert model.step == pd.Timedelta("15min")
    mean, sd = model.predict(10)
    # the correction decays and the band widens towards the process spread
    assert abs(mean[-1]) < abs(mean[0]) and np.all(np.diff(sd) > 0)
    assert sd[0] == pytest.approx(model.sigma_m)
    assert sd[-1] < model.sigma_m / np.sqrt(1 - model.coefficients[0] ** 2) + 1e-12


def test_gaps_split_the_series_and_too_few_readings_fail() -> None:
    idx = pd.date_range("2025-01-01", periods=12, freq="h")
    e = pd.Series([0.1, np.nan, 0.2, np.nan, 0.1, np.nan, 0.3, np.nan, 0.2, np.nan, 0.1, 0.1], idx)
    with pytest.raises(TwinError, match="usable pairs"):
        fit_error_model(e, order=1)
    with pytest.raises(TwinError, match="order must be 1 or 2"):
        fit_error_model(e, order=3)


@pytest.mark.parametrize("order", [1, 2])
def test_correction_lowers_the_error_against_held_back_readings(order: int) -> None:
    rng = np.random.default_rng(1)
    level = truth()
    observed = level + rng.normal(0, 0.02, level.size)
    observed.iloc[50:53] = np.nan  # a gap in the feed
    modelled = biased_lagged_model(level)
    forecasts = []
    for issue in TIMES[72:-24:6]:
        window = modelled.loc[: issue + pd.Timedelta(hours=24)]
        fc = correct_forecast(window, observed, issue_time=issue, order=order)
        assert fc["lead_h"].min() == pytest.approx(1.0) and fc["lead_h"].max() == 24.0
        assert np.all(fc["lower_m"] <= fc["corrected_m"]) and np.all(
            fc["corrected_m"] <= fc["upper_m"]
        )
        forecasts.append(fc)
    skill = forecast_skill(forecasts, level, lead_bins_h=[0, 3, 6, 12, 24])
    assert list(skill.index) == [3.0, 6.0, 12.0, 24.0]
    # the correction helps most at short leads
    assert skill.loc[3.0, "rmse_corrected_m"] < 0.7 * skill.loc[3.0, "rmse_raw_m"]
    assert skill.loc[3.0, "nse_corrected"] > skill.loc[3.0, "nse_raw"]
    if order == 1:
        # AR(1) decays monotonically: no lead worse, better over the day. (AR(2) extrapolates
        # the half-tide oscillation of a lagged model's error and overshoots at 6-12 h.)
        assert np.all(skill["rmse_corrected_m"] < 1.01 * skill["rmse_raw_m"])
        pooled = forecast_skill(forecasts, level, lead_bins_h=[0, 24])
        assert pooled["rmse_corrected_m"].iloc[0] < 0.9 * pooled["rmse_raw_m"].iloc[0]
    assert skill.loc[3.0, "coverage"] > 0.5
    assert verify_forecast_skill is forecast_skill


def test_no_readings_before_the_issue_time() -> None:
    level = truth()
    with pytest.raises(TwinError, match="no good readings"):
        correct_forecast(level, level.loc["2025-11-01":], issue_time=TIMES[10])
    with pytest.raises(TwinError, match="increasing edges"):
        forecast_skill([level.to_frame("raw_m")], level, lead_bins_h=[3])
