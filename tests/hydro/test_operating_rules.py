"""Operating rules: TOML checks, the rule engine's decisions and three strategies on a flood."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hydro import HydroError, Reservoir
from hydro.operating_rules import Downstream, Strategy, load_rules, operate, with_strategy

AREA_M2 = 60.0e6  # a prismatic 60 km² reservoir

RULES = """
dam_id = "test-dam"
decision_step_minutes = 60
minimum_release_m3s = 50
turbine_m3s = 150
max_change_m3s_per_h = 1000

[[rules]]
name = "spill above the normal level"
kind = "spill"
above_level_m = 40.0

[[rules]]
name = "hold back while Kim Long is above BĐ2"
kind = "hold_back"
gauge = "kim-long"
alarm_m = 2.0
inflow_fraction = 0.6

[[rules]]
name = "flood-season pre-release"
kind = "pre_release"
season = ["10-26", "12-15"]
target_level_m = 34.0
release_m3s = 800
until_inflow_m3s = 1500

[[rules]]
name = "pass the inflow while the city is safe"
kind = "pass_inflow"
above_level_m = 34.0
"""


def reservoir() -> Reservoir:
    return Reservoir(
        storage_levels_m=[0.0, 60.0],
        storage_volumes_m3=[0.0, 60.0 * AREA_M2],
        spillway_crest_m=25.0,
        spillway_width_m=60.0,
        discharge_coeff=2.0,
        gate_count=4,
    )


def flood() -> pd.Series:
    """200 m³/s for a day, then a triangle to 4,000 m³/s and back over two days."""
    times = pd.date_range("2025-10-25", periods=121, freq="h")
    t_h = np.arange(121.0)
    q = np.interp(t_h, [0, 36, 60, 96, 120], [200, 200, 4000, 200, 200])
    return pd.Series(q, index=times)


def kim_long(local: pd.Series) -> Downstream:
    """Kim Long level from the release plus the local flood (1 m per 1,000 m³/s)."""

    def level(time: pd.Timestamp, release_m3s: float) -> dict[str, float]:
        q = release_m3s + float(np.interp(time.value, local.index.asi8, local.to_numpy()))
        return {"kim-long": q / 1000.0}

    return level


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "test-dam.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


def test_load_rules(rules_file: Path) -> None:
    rules = load_rules(rules_file, known_gauges={"kim-long", "phu-oc"})
    assert rules.dam_id == "test-dam"
    assert [r.kind for r in rules.rules] == ["spill", "hold_back", "pre_release", "pass_inflow"]
    assert rules.gauges == ("kim-long",)
    assert rules.rules[2].in_season(pd.Timestamp("2025-10-27"))
    assert not rules.rules[2].in_season(pd.Timestamp("2025-10-25 23:00"))
    assert not rules.rules[2].in_season(pd.Timestamp("2025-06-01"))


def test_bad_rules_give_one_error_listing_every_problem(tmp_path: Path) -> None:
    bad = RULES.replace('gauge = "kim-long"', 'gauge = "kim-lng"')
    bad = bad.replace('season = ["10-26", "12-15"]', 'season = ["09-31", "12-15"]')
    bad = bad.replace("minimum_release_m3s = 50", "minimum_release_m3s = -5")
    bad += '\n[[rules]]\nname = "x"\nkind = "open_everything"\n'
    bad += '\n[[rules]]\nname = "y"\nkind = "spill"\nabove_lvl_m = 3\n'
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(HydroError) as err:
        load_rules(path, known_gauges={"kim-long", "phu-oc"})
    text = str(err.value)
    for expected in (
        "unknown gauge 'kim-lng'",
        "season must be",
        "minimum_release_m3s must be >= 0",
        "kind must be one of",
        "unknown keys ['above_lvl_m']",
        "missing above_level_m",
    ):
        assert expected in text
    with pytest.raises(HydroError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")


def test_decisions_name_their_rule_and_respect_the_gates(rules_file: Path) -> None:
    rules = load_rules(rules_file)
    res = reservoir()
    t = pd.Timestamp("2025-10-26 06:00")
    spill = rules.decide(t, 41.0, 3000.0, {"kim-long": 3.0}, reservoir=res)
    assert spill.rule == "spill above the normal level"  # dam safety before the city
    assert spill.release_m3s == pytest.approx(3000.0)
    hold = rules.decide(t, 36.0, 3000.0, {"kim-long": 2.5}, reservoir=res)
    assert hold.rule.startswith("hold back") and hold.release_m3s == pytest.approx(1800.0)
    pre = rules.decide(t, 36.0, 300.0, {"kim-long": 1.0}, reservoir=res)
    assert pre.rule == "flood-season pre-release" and pre.release_m3s == pytest.approx(800.0)
    # no gauge reading: the hold-back rule cannot apply; the pre-release stops at 1,500 m³/s
    none = rules.decide(t, 36.0, 2000.0, {}, reservoir=res)
    assert none.rule.startswith("pass the inflow") and none.release_m3s == pytest.approx(2000.0)
    low_lake = rules.decide(t, 33.0, 2000.0, {"kim-long": 1.0}, reservoir=res)
    assert low_lake.rule == "minimum release" and low_lake.release_m3s == pytest.approx(50.0)
    # gate capacity at 26 m: 2·60·1^1.5 + 150 turbines = 270 m³/s
    low = rules.decide(t, 26.0, 1000.0, {"kim-long": 2.5}, reservoir=res)
    assert low.release_m3s == pytest.approx(270.0) and "gate capacity" in low.reason
    ramp = rules.decide(t, 36.0, 300.0, {}, reservoir=res, previous_m3s=2500.0)
    assert ramp.release_m3s == pytest.approx(1500.0) and "gate movement" in ramp.reason


def test_strategies_on_a_synthetic_flood(rules_file: Path) -> None:
    rules = load_rules(rules_file, known_gauges={"kim-long"})
    q_in = flood()
    local = pd.Series(
        np.interp(np.arange(121.0), [0, 40, 64, 120], [100, 100, 1200, 100]), index=q_in.index
    )
    out = {}
    strategies: tuple[Strategy, ...] = ("as_written", "hold_back", "release_early")
    for strategy in strategies:
        ds, log = operate(
            reservoir(),
            with_strategy(rules, strategy),
            q_in,
            initial_level_m=37.0,
            downstream=kim_long(local),
        )
        assert abs(ds.attrs["volume_error_m3"]) < 1e-6 * ds.attrs["volume_in_m3"]
        assert ds.attrs["volume_in_m3"] == pytest.approx(
            float(np.trapezoid(q_in.to_numpy(), dx=3600.0)), rel=1e-9
        )
        assert set(log["rule"]) <= {r.name for r in rules.rules} | {"minimum release"}
        assert log["reason"].str.len().min() > 0
        out[strategy] = ds
    peak_level = {k: float(v.level_m.max()) for k, v in out.items()}
    peak_release = {k: float(v.release_m3s.max()) for k, v in out.items()}
    released = {k: v.attrs["volume_released_m3"] for k, v in out.items()}
    # holding everything back releases least and raises the lake highest, up to the spill
    assert released["hold_back"] < released["as_written"] < released["release_early"]
    assert peak_level["hold_back"] > 40.0 > peak_level["as_written"]
    assert set(out["hold_back"].rule.values) == {"minimum release", "spill above the normal level"}
    # releasing early (a day before the season opens here) leaves more room
    assert peak_level["release_early"] < peak_level["as_written"] - 0.5
    # as written, the dam cuts the 4,000 m³/s flood peak
    assert peak_release["as_written"] < 0.8 * 4000.0
    rules_used = set(out["as_written"].rule.values)
    assert {"flood-season pre-release", "hold back while Kim Long is above BĐ2"} <= rules_used


def test_operate_rejects_bad_inflow(rules_file: Path) -> None:
    rules = load_rules(rules_file)
    bad = pd.Series([1.0, math.nan], index=pd.date_range("2025-10-01", periods=2, freq="h"))
    with pytest.raises(HydroError, match="finite"):
        operate(reservoir(), rules, bad, initial_level_m=30.0)
