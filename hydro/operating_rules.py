"""Reservoir operating rules as data, and a rule engine that decides each release.

A dam's rules are a TOML file (or the same mapping)::

    dam_id = "ta-trach"
    decision_step_minutes = 60          # how often the operator decides
    minimum_release_m3s = 20            # environmental flow, always released when possible
    turbine_m3s = 180                   # turbine capacity, part of the release capacity
    max_change_m3s_per_h = 1500         # gate movement limit (optional)

    [[rules]]
    name = "spill above the normal level"
    kind = "spill"                      # dam safety: pass the inflow above this level
    above_level_m = 45.0

    [[rules]]
    name = "hold back while Kim Long is above BĐ2"
    kind = "hold_back"                  # release at most inflow_fraction · inflow
    gauge = "kim-long"
    alarm_m = 2.0
    inflow_fraction = 0.7

    [[rules]]
    name = "flood-season pre-release"
    kind = "pre_release"                # draw down to the target level before a flood
    season = ["09-01", "12-15"]         # MM-DD, inclusive; may wrap over the new year
    target_level_m = 35.0
    release_m3s = 1200
    until_inflow_m3s = 2000             # stop pre-releasing once the flood arrives

    [[rules]]
    name = "pass the inflow"
    kind = "pass_inflow"                # release what comes in, between two levels
    above_level_m = 40.0

The engine takes (time, reservoir level, inflow, downstream gauge levels) and returns a
:class:`Decision`: ``spill`` rules come first (dam safety), then ``hold_back``, then
``pre_release`` and ``pass_inflow`` in file order; with none applicable the minimum release.
Every release is then limited to the gates' capacity at the current level (the spillway
rating of :class:`hydro.Reservoir` with all gates open, plus the turbines), to the gate
movement limit, and to what the reservoir holds. The decision names the rule that made it
and what limited it.

:func:`operate` routes an inflow through a :class:`hydro.Reservoir` under the rules: the
storage changes by ``(inflow − release)·dt`` on one-minute substeps (mass kept to
round-off), and a release is decided at every decision step. The downstream gauge levels
come from a callback ``downstream(time, release_m3s) -> {gauge_id: level_m}``: the hook
through which a 2D model (or a rating curve, or a forecast) feeds the levels back.
:func:`with_strategy` turns the rules as written into the "hold back" and "release early"
variants a scenario compares.

Decision 1606/QĐ-TTg (2019), the joint operating procedure of the Hương basin's
reservoirs, holds releases below inflow while Kim Long is above alarm level 2 (2.0 m,
huengaynay.vn 2025-11-01); the demo's files in ``data/hue/rules`` follow that shape, their
numbers are assumptions of the demo.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from hydro._errors import HydroError
from hydro.reservoir import Reservoir

__all__ = [
    "Decision",
    "Downstream",
    "Rule",
    "RuleSet",
    "Strategy",
    "load_rules",
    "operate",
    "with_strategy",
]

RuleKind = Literal["spill", "hold_back", "pre_release", "pass_inflow"]
_KINDS: dict[str, tuple[str, ...]] = {
    "spill": ("above_level_m",),
    "hold_back": ("gauge", "alarm_m", "inflow_fraction"),
    "pre_release": ("season", "target_level_m", "release_m3s"),
    "pass_inflow": ("above_level_m",),
}
_OPTIONAL = {"until_inflow_m3s", "name", "kind"}
_PRIORITY = {"spill": 0, "hold_back": 1, "pre_release": 2, "pass_inflow": 2}
Downstream = Callable[[pd.Timestamp, float], Mapping[str, float]]
Strategy = Literal["as_written", "hold_back", "release_early"]


@dataclass(frozen=True)
class Rule:
    """One operating rule (see the module docstring for the kinds and their fields)."""

    name: str
    kind: RuleKind
    above_level_m: float = math.nan
    gauge: str = ""
    alarm_m: float = math.nan
    inflow_fraction: float = 1.0
    season: tuple[str, str] = ("01-01", "12-31")
    target_level_m: float = math.nan
    release_m3s: float = 0.0
    until_inflow_m3s: float = math.inf

    def in_season(self, time: pd.Timestamp) -> bool:
        """Whether ``time`` (its month and day) lies in the rule's season, ends included."""
        day = f"{time.month:02d}-{time.day:02d}"
        start, end = self.season
        return start <= day <= end if start <= end else (day >= start or day <= end)


@dataclass(frozen=True)
class Decision:
    """A release decision: how much, by which rule, and what limited it."""

    time: pd.Timestamp
    release_m3s: float
    rule: str
    reason: str


@dataclass(frozen=True)
class RuleSet:
    """A dam's operating rules (build with :func:`load_rules`)."""

    dam_id: str
    rules: tuple[Rule, ...]
    decision_step_minutes: float = 60.0
    minimum_release_m3s: float = 0.0
    turbine_m3s: float = 0.0
    max_change_m3s_per_h: float = math.inf
    gauges: tuple[str, ...] = field(default=())

    def capacity_m3s(self, reservoir: Reservoir, level_m: float) -> float:
        """Release capacity at a level: spillway with all gates open plus the turbines."""
        return reservoir.spillway_m3s(level_m) + self.turbine_m3s

    def decide(
        self,
        time: pd.Timestamp,
        level_m: float,
        inflow_m3s: float,
        gauge_levels: Mapping[str, float],
        *,
        reservoir: Reservoir,
        previous_m3s: float | None = None,
    ) -> Decision:
        """Decide the release at ``time``.

        Parameters
        ----------
        time
            Decision time (its month and day select seasonal rules).
        level_m
            Reservoir level (m).
        inflow_m3s
            Current inflow (m³/s).
        gauge_levels
            Downstream gauge levels by gauge id (m); a missing or NaN level leaves the
            gauge's rules out (said in the reason).
        reservoir
            The reservoir whose rating limits the release.
        previous_m3s
            The release decided one step before (for the gate movement limit).
        """
        rule_name, wanted, why = "minimum release", self.minimum_release_m3s, "no rule applies"
        for rule in sorted(self.rules, key=lambda r: _PRIORITY[r.kind]):
            applied = self._apply(rule, time, level_m, inflow_m3s, gauge_levels)
            if applied is not None:
                rule_name, wanted, why = rule.name, applied[0], applied[1]
                break
        release = max(wanted, self.minimum_release_m3s)
        notes = [why]
        if previous_m3s is not None and math.isfinite(self.max_change_m3s_per_h):
            step = self.max_change_m3s_per_h * self.decision_step_minutes / 60.0
            ramped = min(max(release, previous_m3s - step), previous_m3s + step)
            if ramped != release:
                notes.append(f"gate movement limited to {step:.0f} m³/s per step")
                release = ramped
        capacity = self.capacity_m3s(reservoir, level_m)
        if release > capacity:
            notes.append(f"limited by the gate capacity {capacity:.0f} m³/s at {level_m:.2f} m")
            release = capacity
        return Decision(time, float(release), rule_name, "; ".join(notes))

    def _apply(
        self,
        rule: Rule,
        time: pd.Timestamp,
        level_m: float,
        inflow_m3s: float,
        gauge_levels: Mapping[str, float],
    ) -> tuple[float, str] | None:
        if rule.kind == "spill" and level_m >= rule.above_level_m:
            return inflow_m3s, f"level {level_m:.2f} m at or above {rule.above_level_m} m"
        if rule.kind == "pass_inflow" and level_m >= rule.above_level_m:
            return inflow_m3s, f"level {level_m:.2f} m at or above {rule.above_level_m} m"
        if rule.kind == "hold_back":
            gauge = gauge_levels.get(rule.gauge, math.nan)
            if math.isfinite(gauge) and gauge >= rule.alarm_m:
                return (
                    rule.inflow_fraction * inflow_m3s,
                    f"{rule.gauge} at {gauge:.2f} m, at or above {rule.alarm_m} m",
                )
        if (
            rule.kind == "pre_release"
            and rule.in_season(time)
            and level_m > rule.target_level_m
            and inflow_m3s < rule.until_inflow_m3s
        ):
            return (
                max(rule.release_m3s, inflow_m3s),
                f"in season, level {level_m:.2f} m above the target {rule.target_level_m} m",
            )
        return None


def _number(
    raw: Mapping[str, Any], key: str, where: str, problems: list[str], *, minimum: float = 0.0
) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}: {key} must be a number, got {value!r}")
        return math.nan
    if value < minimum:
        problems.append(f"{where}: {key} must be >= {minimum}, got {value}")
    return float(value)


def _season(value: Any, where: str, problems: list[str]) -> tuple[str, str]:
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
    )
    if ok:
        try:
            for v in value:
                pd.Timestamp(f"2024-{v}")
        except ValueError:
            ok = False
    if not ok:
        problems.append(f'{where}: season must be two "MM-DD" dates, got {value!r}')
        return ("01-01", "12-31")
    return (str(value[0]), str(value[1]))


def load_rules(
    source: str | Path | Mapping[str, Any], *, known_gauges: Collection[str] | None = None
) -> RuleSet:
    """Read and check a dam's operating rules.

    Parameters
    ----------
    source
        A TOML file or its parsed mapping.
    known_gauges
        Gauge ids a ``hold_back`` rule may name (the city's gauges layer); ``None``: not
        checked.

    Returns
    -------
    RuleSet

    Raises
    ------
    HydroError
        One error listing every problem (unreadable file, unknown kind or key, missing or
        invalid value, unknown gauge, repeated rule name).
    """
    label = "operating rules"
    if isinstance(source, str | Path):
        label = f"operating rules {source}"
        try:
            raw: Mapping[str, Any] = tomllib.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise HydroError(f"{label}: cannot read the file: {exc}") from None
    else:
        raw = source
    problems: list[str] = []
    dam_id = raw.get("dam_id")
    if not isinstance(dam_id, str) or not dam_id:
        problems.append("dam_id must be a non-empty text")
    top = {
        "decision_step_minutes": 60.0,
        "minimum_release_m3s": 0.0,
        "turbine_m3s": 0.0,
        "max_change_m3s_per_h": math.inf,
    }
    for key in top:
        if key in raw:
            top[key] = _number(raw, key, "top level", problems)
    if top["decision_step_minutes"] == 0:
        problems.append("top level: decision_step_minutes must be > 0")
    unknown_top = set(raw) - set(top) - {"dam_id", "rules", "name", "description"}
    if unknown_top:
        problems.append(f"top level: unknown keys {sorted(unknown_top)}")
    rules: list[Rule] = []
    names: set[str] = set()
    raw_rules = raw.get("rules", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("give at least one [[rules]] table")
        raw_rules = []
    for i, entry in enumerate(raw_rules, start=1):
        where = f"rule {i}"
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: must be a table")
            continue
        kind = entry.get("kind")
        name = str(entry.get("name", f"{kind} {i}"))
        where = f"rule {i} ({name})"
        if name in names:
            problems.append(f"{where}: the name is used twice; give each rule its own name")
        names.add(name)
        if kind not in _KINDS:
            problems.append(f"{where}: kind must be one of {sorted(_KINDS)}, got {kind!r}")
            continue
        unknown = set(entry) - set(_KINDS[kind]) - _OPTIONAL
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)} for kind {kind!r}")
        missing = [k for k in _KINDS[kind] if k not in entry]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        fields: dict[str, Any] = {"name": name, "kind": kind}
        for key in _KINDS[kind]:
            if key == "gauge":
                gauge = entry["gauge"]
                if not isinstance(gauge, str) or (
                    known_gauges is not None and gauge not in known_gauges
                ):
                    known = sorted(known_gauges) if known_gauges is not None else []
                    problems.append(f"{where}: unknown gauge {gauge!r}; known gauges: {known}")
                fields["gauge"] = str(gauge)
            elif key == "season":
                fields["season"] = _season(entry["season"], where, problems)
            else:
                fields[key] = _number(entry, key, where, problems, minimum=-math.inf)
        if "inflow_fraction" in fields and not 0.0 <= fields["inflow_fraction"] <= 1.0:
            problems.append(f"{where}: inflow_fraction must lie in [0, 1]")
        if "release_m3s" in fields and fields["release_m3s"] < 0:
            problems.append(f"{where}: release_m3s must be >= 0")
        if "until_inflow_m3s" in entry:
            fields["until_inflow_m3s"] = _number(entry, "until_inflow_m3s", where, problems)
        rules.append(Rule(**fields))
    if problems:
        raise HydroError(f"{label}: " + "; ".join(problems))
    return RuleSet(
        dam_id=str(dam_id),
        rules=tuple(rules),
        gauges=tuple(sorted({r.gauge for r in rules if r.gauge})),
        **top,
    )


def with_strategy(rules: RuleSet, strategy: Strategy) -> RuleSet:
    """A variant of the rules for comparing operating strategies.

    ``"as_written"``: unchanged. ``"hold_back"``: no pre-release and no passing of the
    inflow below the spill level: the reservoir keeps all it can until it must spill.
    ``"release_early"``: pre-release whatever the season and however large the inflow (the
    drawdown goes on into the flood), the other rules kept.
    """
    if strategy == "as_written":
        return rules
    if strategy == "hold_back":
        kept = tuple(r for r in rules.rules if r.kind == "spill")
    elif strategy == "release_early":
        kept = tuple(
            replace(r, season=("01-01", "12-31"), until_inflow_m3s=math.inf)
            if r.kind == "pre_release"
            else r
            for r in rules.rules
        )
    else:
        raise HydroError(
            f"strategy must be 'as_written', 'hold_back' or 'release_early', got {strategy!r}"
        )
    return replace(rules, rules=kept)


def operate(
    reservoir: Reservoir,
    rules: RuleSet,
    inflow: xr.DataArray | pd.Series,
    *,
    initial_level_m: float,
    downstream: Downstream | None = None,
    step_s: float = 60.0,
) -> tuple[xr.Dataset, pd.DataFrame]:
    """Route an inflow through a reservoir whose releases the rules decide.

    Parameters
    ----------
    reservoir
        The reservoir (storage table and spillway rating).
    rules
        Its operating rules.
    inflow
        Inflow (m³/s) over a datetime ``time`` (a DataArray or a Series), linear between
        samples.
    initial_level_m
        Level at the first time (m).
    downstream
        ``downstream(time, release_m3s) -> {gauge_id: level_m}``, called at each decision
        with the mean release since the previous decision; the 2D model's gauges
        (:class:`twin.reservoir_coupling.ModelDownstream`), a rating curve or observed
        levels. ``None``: no gauge levels (hold-back rules never apply).
    step_s
        Substep of the storage balance (s).

    Returns
    -------
    (xarray.Dataset, pandas.DataFrame)
        On the inflow's times: ``level_m``, ``storage_m3``, ``release_m3s``, ``inflow_m3s``
        and ``rule`` (the rule in force), with the volumes in the attributes
        (``volume_in_m3``, ``volume_released_m3``, ``volume_error_m3``); and the decision
        log (time, release_m3s, rule, reason, level_m, inflow_m3s, gauge levels).
    """
    series = inflow.to_series() if isinstance(inflow, xr.DataArray) else inflow
    times = pd.DatetimeIndex(series.index)
    q_in = np.asarray(series.to_numpy(), dtype=float)
    problems: list[str] = []
    if times.size < 2 or not times.is_monotonic_increasing or times.has_duplicates:
        problems.append("inflow needs at least two datetime samples, increasing")
    if not np.all(np.isfinite(q_in)) or np.any(q_in < 0):
        problems.append("inflow must be finite and >= 0 m³/s")
    if not step_s > 0:
        problems.append(f"step_s must be > 0, got {step_s}")
    if problems:
        raise HydroError(f"operate ({rules.dam_id}): " + "; ".join(problems))
    t_s = (times - times[0]).total_seconds().to_numpy()
    storage = reservoir.storage_m3(initial_level_m)
    s_min = reservoir._volumes[0]
    decide_every = rules.decision_step_minutes * 60.0
    n_sub = math.ceil(t_s[-1] / step_s)
    out_level, out_storage, out_release, out_rule = [], [], [], []
    log: list[dict[str, Any]] = []
    decision: Decision | None = None
    next_decision = 0.0
    vol_in = vol_out = 0.0
    vol_at_decision = t_at_decision = 0.0
    k_out = 0
    s0 = storage
    for j in range(n_sub + 1):
        t = min(j * step_s, t_s[-1])
        level = reservoir.level_m(storage)
        q_now = float(np.interp(t, t_s, q_in))
        if t >= next_decision - 1e-9 or decision is None:
            now = times[0] + pd.Timedelta(seconds=t)
            # what actually flowed since the last decision (the gates may have capped it)
            flowing = (
                (vol_out - vol_at_decision) / (t - t_at_decision)
                if t > t_at_decision
                else rules.minimum_release_m3s
            )
            vol_at_decision, t_at_decision = vol_out, t
            gauges = dict(downstream(now, flowing)) if downstream else {}
            decision = rules.decide(
                now,
                level,
                q_now,
                gauges,
                reservoir=reservoir,
                previous_m3s=decision.release_m3s if decision else None,
            )
            log.append(
                {
                    "time": now,
                    "release_m3s": decision.release_m3s,
                    "rule": decision.rule,
                    "reason": decision.reason,
                    "level_m": level,
                    "inflow_m3s": q_now,
                    **{f"{g}_m": v for g, v in gauges.items()},
                }
            )
            next_decision += decide_every
        dt = min(step_s, t_s[-1] - t)
        i_avg = 0.5 * (q_now + float(np.interp(t + dt, t_s, q_in)))
        # the gates cannot pass more than the rating at this level, nor what is not there
        release = min(decision.release_m3s, rules.capacity_m3s(reservoir, level))
        if dt > 0:
            release = max(0.0, min(release, (storage - s_min) / dt + i_avg))
        while k_out < t_s.size and t_s[k_out] <= t + 1e-9:
            out_level.append(level)
            out_storage.append(storage)
            out_release.append(release)
            out_rule.append(decision.rule)
            k_out += 1
        if j == n_sub:
            break
        storage = storage + dt * (i_avg - release)
        vol_in += dt * i_avg
        vol_out += dt * release
    ds = xr.Dataset(
        {
            "level_m": ("time", np.asarray(out_level), {"units": "m"}),
            "storage_m3": ("time", np.asarray(out_storage), {"units": "m3"}),
            "release_m3s": ("time", np.asarray(out_release), {"units": "m3 s-1"}),
            "inflow_m3s": ("time", q_in, {"units": "m3 s-1"}),
            "rule": ("time", np.asarray(out_rule, dtype=object)),
        },
        coords={"time": times.tz_localize(None) if times.tz is not None else times},
        attrs={
            "title": f"rule-based operation of {rules.dam_id}",
            "volume_in_m3": vol_in,
            "volume_released_m3": vol_out,
            "volume_error_m3": (storage - s0) - (vol_in - vol_out),
        },
    )
    return ds, pd.DataFrame(log)
