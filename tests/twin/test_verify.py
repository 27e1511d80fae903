"""twin.verify: level scores and warning scores against hand-computed numbers."""

from __future__ import annotations

import doctest

import matplotlib
import numpy as np
import pandas as pd
import pytest

import twin.verify
from twin import TwinError
from twin.verify import (
    align_series,
    compare_levels,
    kge,
    nse,
    plot_levels,
    threshold_events,
    verify_warnings,
)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_docstring_examples_run() -> None:
    result = doctest.testmod(twin.verify)
    assert result.attempted >= 10
    assert result.failed == 0


def test_nse_perfect_mean_and_known() -> None:
    obs = np.array([1.0, 3.0, 2.0, 6.0])
    assert nse(obs, obs) == 1.0
    assert nse(np.full(4, obs.mean()), obs) == pytest.approx(0.0)
    # errors 1,1,1,1 -> 4; spread about mean 3: 4+0+1+9 = 14 -> 1 - 4/14
    assert nse(obs + 1.0, obs) == pytest.approx(1 - 4 / 14)
    # NaN pairs are dropped, not counted
    assert nse([1.0, np.nan, 3.0], [1.0, 2.0, 3.0]) == 1.0


def test_kge_known_values() -> None:
    obs = np.array([1.0, 2.0, 3.0, 4.0])
    assert kge(obs, obs)["kge"] == pytest.approx(1.0)
    doubled = kge(2 * obs, obs)
    assert doubled["r"] == pytest.approx(1.0)
    assert doubled["alpha"] == pytest.approx(2.0)
    assert doubled["beta"] == pytest.approx(2.0)
    assert doubled["kge"] == pytest.approx(1 - np.sqrt(2))
    assert kge(2 * obs, obs, version=2012)["gamma"] == pytest.approx(1.0)
    assert kge(2 * obs, obs, version=2012)["kge"] == pytest.approx(0.0)
    # shifted: r=1, alpha=1, beta=(2.5+1)/2.5 = 1.4 -> 1 - 0.4
    assert kge(obs + 1.0, obs)["kge"] == pytest.approx(0.6)
    # reversed: r=-1, alpha=1, beta=1 -> 1 - 2
    assert kge(obs[::-1], obs)["kge"] == pytest.approx(-1.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: nse([1.0, 1.0], [2.0, 2.0]),
        lambda: nse([1.0, 2.0], [1.0, 2.0, 3.0]),
        lambda: nse([np.nan], [1.0]),
        lambda: kge([1.0, 2.0], [1.0, 1.0]),
        lambda: kge([1.0, 2.0], [1.0, 2.0], version=2010),
    ],
)
def test_metric_bad_input(call) -> None:
    with pytest.raises(TwinError):
        call()


def test_align_interpolates_and_skips_gaps() -> None:
    t0 = pd.Timestamp("2020-10-10T00:00Z")
    model = pd.Series([0.0, 2.0, 4.0], index=[0.0, 3600.0, 7200.0])  # elapsed seconds
    obs_t = t0 + pd.to_timedelta([-600, 900, 1800, 3600, 5400, 8000], unit="s")
    obs = pd.Series([9.0, np.nan, 1.1, 2.1, 2.9, 9.0], index=obs_t)
    pairs = align_series(model, obs, start=t0)
    assert list(pairs.index) == list(obs_t[[2, 3, 4]])
    np.testing.assert_allclose(pairs["modelled"], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(pairs["observed"], [1.1, 2.1, 2.9])
    with pytest.raises(TwinError, match="start="):
        align_series(model, obs)


def test_compare_levels_table() -> None:
    t = pd.date_range("2020-10-10", periods=6, freq="h", tz="UTC")
    obs = pd.DataFrame(
        {"KL": [1.0, 2.0, 3.5, 3.0, 2.0, np.nan], "PO": [2.0, 2.5, 3.0, 4.0, 3.0, 2.0]}, index=t
    )
    model = pd.DataFrame(
        {
            "KL": [1.0, 2.0, 3.5, 3.0, 2.0, 1.0],  # perfect where observed
            "PO": [2.0, 2.5, 3.0, 3.5, 4.5, 3.0],  # peak 0.5 m high, one hour late
            "XX": 0.0,
        },
        index=t,
    )
    table = compare_levels(model, obs)
    assert list(table.index) == ["KL", "PO"]
    kl, po = table.loc["KL"], table.loc["PO"]
    assert kl["n"] == 5 and kl["nse"] == pytest.approx(1.0) and kl["kge"] == pytest.approx(1.0)
    assert kl["peak_error_m"] == 0.0 and kl["peak_timing_error_s"] == 0.0
    assert po["peak_error_m"] == pytest.approx(0.5)
    assert po["peak_timing_error_s"] == pytest.approx(3600.0)
    assert po["peak_time_observed"] == t[3]
    # errors 0,0,0,-0.5,1.5,1.0 -> SSE 3.5; obs mean 2.75, spread .5625+.0625*3+1.5625+.5625
    assert po["nse"] == pytest.approx(1 - 3.5 / 2.875)
    assert po["rmse_m"] == pytest.approx(np.sqrt(3.5 / 6))
    assert po["bias_m"] == pytest.approx(2.0 / 6)
    with pytest.raises(TwinError, match="no gauge in both"):
        compare_levels(model[["XX"]], obs)


def test_compare_levels_peak_uses_native_model_times() -> None:
    # the model peaks between two observation times: the peak error must see it
    model = pd.Series([0.0, 1.0, 3.0, 1.0, 0.0], index=[0.0, 900.0, 1800.0, 2700.0, 3600.0])
    obs = pd.Series([0.0, 2.0, 0.0], index=[0.0, 1800.0, 3600.0])
    row = compare_levels({"G": model}, {"G": obs}).loc["G"]
    assert row["peak_modelled_m"] == 3.0 and row["peak_error_m"] == 1.0
    assert row["peak_timing_error_s"] == 0.0


def test_threshold_events_datetimes_and_gaps() -> None:
    t = pd.date_range("2020-10-10", periods=6, freq="h", tz="UTC")
    s = pd.Series([2.5, 1.0, np.nan, 3.0, 1.0, 2.5], index=t)
    onsets = threshold_events(s, 2.0)
    # first sample above; 1.0 (01:00) -> 3.0 (03:00) crosses at 02:00; 1.0 -> 2.5 at 04:40
    expected = [t[0], t[2], t[4] + pd.Timedelta("40min")]
    assert list(onsets) == expected
    assert len(threshold_events(pd.Series([np.nan, np.nan]), 1.0)) == 0


def test_verify_warnings_hits_misses_false_alarms_lead_times() -> None:
    t0 = pd.Timestamp("2020-10-10T00:00Z")
    h = pd.Timedelta("1h")
    warnings = pd.DataFrame(
        {
            "area": ["W01", "W01", "W02", "W03", "W04"],
            "issued_at": [t0, t0 + 2 * h, t0 + 5 * h, t0, t0 + 13 * h],
        }
    )
    events = pd.DataFrame(
        {
            "area": ["W01", "W02", "W04", "W05"],
            "onset": [t0 + 6 * h, t0 + 4 * h, t0 + 12 * h, t0 + 3 * h],
        }
    )
    v = verify_warnings(
        warnings, events, max_lead="12h", late="2h", areas=[f"W0{i}" for i in range(1, 8)]
    )
    s = v.scores
    # W01 hit (lead 6 h from the first warning; the update is not a false alarm);
    # W02 hit 1 h late (lead -1 h); W04 hit 1 h late; W05 miss; W03 false alarm.
    assert (s["hits"], s["misses"], s["false_alarms"], s["correct_negatives"]) == (3, 1, 1, 2)
    assert s["pod"] == pytest.approx(0.75)
    assert s["far"] == pytest.approx(0.25)
    assert s["csi"] == pytest.approx(0.6)
    assert s["mean_lead_time_s"] == pytest.approx((6 - 1 - 1) * 3600 / 3)
    assert s["min_lead_time_s"] == -3600.0
    hit = v.table[(v.table["area"] == "W01")].iloc[0]
    assert hit["outcome"] == "hit" and hit["issued_at"] == t0 and hit["lead_time_s"] == 6 * 3600
    strict = verify_warnings(warnings, events, max_lead="12h").scores
    assert (strict["hits"], strict["misses"], strict["false_alarms"]) == (1, 3, 3)
    assert np.isnan(strict["correct_negatives"])
    ax = v.plot()
    assert ax.get_title() == "POD 0.75  FAR 0.25  CSI 0.60"


def test_verify_warnings_bad_input() -> None:
    w = pd.DataFrame({"area": ["W01"], "issued_at": [pd.Timestamp("2020-10-10", tz="UTC")]})
    e = pd.DataFrame({"area": ["W01"], "onset": [3600.0]})
    with pytest.raises(TwinError, match="both be datetimes"):
        verify_warnings(w, e)
    with pytest.raises(TwinError, match="needs columns"):
        verify_warnings(w.rename(columns={"area": "ward"}), e.rename(columns={"onset": "t"}))
    with pytest.raises(TwinError, match="duration"):
        verify_warnings(w, e.assign(onset=w["issued_at"]), max_lead="soon")
    empty = verify_warnings(w.iloc[:0], e.iloc[:0])
    assert empty.scores["hits"] == 0 and np.isnan(empty.scores["pod"])


def test_plot_levels_elapsed_model_and_dated_obs() -> None:
    t0 = pd.Timestamp("2020-10-10T00:00Z")
    model = pd.Series([1.0, 2.0, 3.0, 2.0], index=[0.0, 3600.0, 7200.0, 10800.0])
    obs = pd.Series([1.0, 2.0, 3.0, 2.0], index=t0 + pd.to_timedelta(model.index, unit="s"))
    ax = plot_levels(model, obs, start=t0, alarm_levels_m=(1.0, np.nan, 3.5))
    assert ax.get_title() == "NSE 1.00  KGE 1.00  peak error +0.00 m"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "modelled",
        "observed",
        "alarm 1",
        "alarm 3",
    ]


def test_modelled_levels_from_a_result() -> None:
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import Point

    from hydro.accessor import example_result
    from twin.verify import modelled_levels

    gauges = gpd.GeoDataFrame(
        {"gauge_id": ["KL", "RAIN"], "kind": ["river", "rain"], "alarm1_m": [1.0, np.nan]},
        geometry=[Point(776545.0, 1821605.0), Point(776505.0, 1821605.0)],
        crs=32648,
    )
    start = pd.Timestamp("2020-10-10T00:00Z")
    wide = modelled_levels(example_result(), gauges, start=start)
    assert list(wide.columns) == ["KL"]
    assert wide.index[1] == start + pd.Timedelta("10min")
    # the wettest cell (last column): depth 0 (unknown level), 0.5, 1.0, 1.5 over a 1 m bed
    np.testing.assert_allclose(wide["KL"], [np.nan, 1.5, 2.0, 2.5])
    with pytest.raises(TwinError, match="no river gauge"):
        modelled_levels(example_result(), gauges.iloc[[1]])


def test_level_events_feed_verify_warnings() -> None:
    from twin.verify import level_events

    t = pd.date_range("2025-10-26T11:00Z", periods=4, freq="h")
    observed = pd.DataFrame({"KL": [1.0, 2.5, 3.0, 1.0], "PO": [1.0, 1.0, 1.0, 1.0]}, index=t)
    modelled = pd.DataFrame({"KL": [1.5, 1.9, 2.2, 2.0], "PO": [0.0, 4.0, 4.0, 0.0]}, index=t)
    bd2 = {"KL": 2.0, "PO": 3.0, "XX": 1.0}
    happened = level_events(observed, bd2)
    assert happened.to_dict("list") == {"area": ["KL"], "onset": [t[0] + pd.Timedelta("40min")]}
    warned = level_events(modelled, bd2).rename(columns={"onset": "issued_at"})
    # the model passes BĐ2 at Kim Long at 12:20 (40 min late) and at Phú Ốc (a false alarm)
    v = verify_warnings(warned, happened, max_lead="6h", late="3h")
    assert v.scores["hits"] == 1 and v.scores["false_alarms"] == 1 and v.scores["misses"] == 0
    assert v.scores["min_lead_time_s"] == pytest.approx(-40 * 60)
    assert level_events(observed, {"PO": 5.0}).empty
