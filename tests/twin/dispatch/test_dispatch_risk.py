"""Risk at a point from a flood result, and the priority score."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from twin import TwinError
from twin.dispatch import FACTORS, FloodState, assess_points, priority_scores


def test_risk_now_peak_time_to_danger_and_trend(rising_east: Any, at: Any) -> None:
    fs = FloodState(rising_east, now=1800.0)
    r = fs.assess(*at(500, 400))
    assert r.depth_m == pytest.approx(0.2)  # 0.4 m/h x 0.5 h
    # speed interpolated too: 0 at t=0 (dry), 0.2 at 1 h -> 0.1; HR = 0.2 * (0.1 + 0.5) = 0.12
    assert r.speed_ms == pytest.approx(0.1)
    assert r.hazard_rating == pytest.approx(0.12) and r.hazard_class == 0
    assert r.peak_depth_m == pytest.approx(2.4) and r.peak_in_s == pytest.approx(6 * 3600 - 1800)
    assert r.peak_class == 3
    # class 2 (HR >= 1.25) first at t = 1 h: d = 0.4, HR = 0.4 * 0.7 + 1 = 1.28
    assert r.time_to_danger_s == pytest.approx(1800.0)
    assert r.trend == "rising" and r.trend_m_per_h == pytest.approx(0.4)
    dry = fs.assess(*at(100, 400))
    assert dry.depth_m == 0 and dry.time_to_danger_s == np.inf and dry.trend == "steady"


def test_falling_water_and_datetime_times(flood_factory: Any, at: Any) -> None:
    ds = flood_factory(lambda x, y, t: 2.0 - 0.3 * t / 3600.0 + 0 * x)
    ds = ds.assign_coords(
        time=np.datetime64("2026-11-02T00:00") + ds.time.values.astype("timedelta64[s]")
    )
    fs = FloodState(ds, now=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    r = fs.assess(*at(100, 100))
    assert r.depth_m == pytest.approx(1.4) and r.trend == "falling"
    assert r.time_to_danger_s == 0.0 and r.danger_at == datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    assert r.to_dict()["danger_at"] == "2026-11-02T02:00:00+00:00"


def test_now_from_attrs_and_clamped(rising_east: Any) -> None:
    rising_east.attrs["now"] = 3600.0
    assert FloodState(rising_east).now_s == 3600.0
    assert FloodState(rising_east, now=1e9).now_s == 6 * 3600.0


def test_bad_flood_inputs(rising_east: Any, tmp_path: Any) -> None:
    with pytest.raises(TwinError, match="lacks"):
        FloodState(rising_east.drop_vars("speed"))
    with pytest.raises(TwinError, match="does not exist"):
        FloodState(tmp_path / "none.nc")
    with pytest.raises(TwinError, match="seconds"):
        FloodState(rising_east, now=datetime(2026, 1, 1, tzinfo=UTC))


def test_points_off_grid_or_unknown_are_dry(rising_east: Any, at: Any) -> None:
    fs = FloodState(rising_east, now=7200.0)
    a = assess_points(fs, [at(500, 400)[0], 0.0, np.nan], [at(500, 400)[1], 0.0, np.nan])
    assert a["on_grid"].tolist() == [True, False, False]
    assert a["depth_m"][1:].tolist() == [0.0, 0.0]
    assert assess_points(None, [1.0], [2.0])["time_to_danger_s"][0] == np.inf


def test_priority_factors_add_up_and_order() -> None:
    s = priority_scores(
        hazard_class_now=[0, 2, 0],
        peak_class=[0, 3, 2],
        time_to_danger_s=[np.inf, 0.0, 3 * 3600.0],
        people=[1, 3, 1],
        vulnerable=[0, 1, 10],
        reported_water_m=[np.nan, 1.2, 0.5],
        waiting_s=[0.0, 600.0, 1e6],
    )
    total = np.sum([s[f] for f in FACTORS], axis=0)
    np.testing.assert_allclose(s["score"], total)
    assert s["time_to_danger"].tolist() == [0.0, 30.0, 15.0]
    assert s["vulnerable"].tolist() == [0.0, 8.0, 40.0]  # capped
    assert s["waiting"].tolist() == [0.0, 2.0, 30.0]  # capped
    assert s["score"][1] > s["score"][2] > s["score"][0]
