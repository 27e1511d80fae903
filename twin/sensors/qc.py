"""Quality control of sensor readings: each rule a named flag; flagged readings are kept.

Rules, in the order they are applied (a reading may carry several flags):

``unknown_station``
    The station id is not in the station list given to the ingest.
``bad_quantity``
    The station's kind does not report this quantity (rain at a river gauge).
``wrong_unit``
    The unit is unknown or does not fit the quantity (``m3/s`` for a water level).
``future``
    The time lies after ``now`` + ``future_tolerance_s``.
``too_old``
    The time lies before ``earliest_time`` (a clock reset to 1970, a year typo).
``out_of_order``
    In the file, the reading comes after a reading of the same station and quantity with a
    later time (the feed went back in time).
``out_of_range``
    Outside the physical range of the quantity (rain: intensity in mm/h).
``spike``
    Change against the previous good reading faster than ``max_rate_per_h``.
``conflict``
    A second reading for a station, quantity and time that already has a good one, with
    another value: kept (never dropped) but not used; a ``duplicate_conflict`` note says so.
``stuck``
    The repeats of a value that occurs ``stuck_count`` times or more in a row over at least
    ``stuck_min_h`` hours (the first one is a real measurement and stays good); 0 mm of rain
    is never stuck.

Not flags on a reading but counted and noted: ``duplicate`` (the same station, quantity, time
and value again, in the file or already stored: not stored twice) and ``gap`` (consecutive
readings further apart than ``gap_factor`` times the station's median spacing: a ``gap`` note).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from twin.sensors.feeds import RawReading
from twin.sensors.quantities import (
    QUANTITY_UNITS,
    STATION_KINDS,
    QCConfig,
    QuantityLimits,
    convert_unit,
)

__all__ = ["FLAGS", "CheckedReading", "QCResult", "SensorNote", "StoredPoint", "check_readings"]

FLAGS = (
    "unknown_station",
    "bad_quantity",
    "wrong_unit",
    "future",
    "too_old",
    "out_of_order",
    "conflict",
    "out_of_range",
    "spike",
    "stuck",
)
"""Every reading flag, in the order they are checked and stored."""

#: Flags about the arrival of a reading, not its value.
_ARRIVAL_FLAGS = frozenset({"future", "out_of_order"})

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StoredPoint:
    """A reading already in the database, as QC needs it for context."""

    time: datetime
    value: float | None
    good: bool
    flags: tuple[str, ...] = ()


@dataclass(slots=True)
class CheckedReading:
    """A reading after QC: the value in its canonical unit and its flags (empty: good)."""

    raw: RawReading
    value: float | None
    unit: str
    interval_s: float | None
    flags: list[str] = field(default_factory=list)
    #: 0 for the first reading of its station, quantity and time; 1, 2, ... for later ones
    #: with other values (a flagged reading never blocks a good one).
    copy_no: int = 0

    @property
    def good(self) -> bool:
        """True when no QC rule flagged the reading (only good readings force the model)."""
        return not self.flags


@dataclass(frozen=True, slots=True)
class SensorNote:
    """A note about a station's series: a ``gap`` or a ``duplicate_conflict``."""

    station_id: str
    quantity: str
    kind: str
    start: datetime
    end: datetime
    detail: str


Item = tuple[datetime, float | None, bool, CheckedReading | None]
"""A point of a merged series: time, value, good, and the new reading (None: stored)."""


@dataclass(slots=True)
class QCResult:
    """What QC makes of a file: readings to store, duplicates dropped, notes."""

    readings: list[CheckedReading]
    duplicates: int
    notes: list[SensorNote]

    def counts(self) -> dict[str, int]:
        """Counts by flag (a reading with two flags counts twice) plus good, duplicate, gap."""
        counts = {"good": sum(r.good for r in self.readings)}
        for flag in FLAGS:
            counts[flag] = sum(flag in r.flags for r in self.readings)
        counts["duplicate"] = self.duplicates
        counts["gap"] = sum(n.kind == "gap" for n in self.notes)
        return counts


def _interval(r: RawReading, previous: datetime | None, config: QCConfig) -> float | None:
    if r.quantity != "rain":
        return None
    if r.interval_s is not None:
        return r.interval_s
    if previous is not None and previous < r.time:
        return (r.time - previous).total_seconds()
    return config.default_rain_interval_s


def check_readings(
    raw: Sequence[RawReading],
    stations: Mapping[str, str],
    *,
    now: datetime,
    history: Mapping[Key, Sequence[StoredPoint]] | None = None,
    config: QCConfig | None = None,
    last_times: dict[Key, datetime] | None = None,
) -> QCResult:
    """Apply every QC rule to the readings of one file.

    Parameters
    ----------
    raw
        Readings in file order.
    stations
        Station id -> kind (``"dam"``, ``"river"``, ``"rain"``).
    now
        Aware time the ingest happens at (readings after it are ``future``).
    history
        Readings already stored per (station_id, quantity) around the file's times, so that
        spikes, stuck runs, gaps and duplicates are judged across files.
    config
        Thresholds; default :class:`QCConfig`.
    last_times
        The latest time per (station_id, quantity) of the readings before ``raw`` in the same
        file (a file checked in parts); updated in place.

    Returns
    -------
    QCResult
    """
    config = config or QCConfig()
    history = history or {}
    future_limit = now + timedelta(seconds=config.future_tolerance_s)
    stored_times: dict[Key, dict[datetime, list[StoredPoint | CheckedReading]]] = {}
    for k, pts in history.items():
        for p in pts:
            stored_times.setdefault(k, {}).setdefault(p.time, []).append(p)
    seen: dict[Key, dict[datetime, list[StoredPoint | CheckedReading]]] = defaultdict(dict)
    last_in_file: dict[Key, datetime] = {} if last_times is None else last_times
    checked: list[CheckedReading] = []
    notes: list[SensorNote] = []
    duplicates = 0

    for r in raw:
        key = (r.station_id, r.quantity)
        kind = stations.get(r.station_id)
        value = convert_unit(r.value, r.unit, r.quantity)
        unit = QUANTITY_UNITS.get(r.quantity, r.unit) if value is not None else r.unit
        flags: list[str] = []
        if kind is None:
            flags.append("unknown_station")
        elif r.quantity not in STATION_KINDS.get(kind, ()):
            flags.append("bad_quantity")
        elif value is None:
            flags.append("wrong_unit")
        if r.time > future_limit:
            flags.append("future")
        if r.time < config.earliest_time:
            flags.append("too_old")
        previous = last_in_file.get(key)
        if previous is not None and r.time < previous:
            flags.append("out_of_order")
        last_in_file[key] = r.time

        there = stored_times.get(key, {}).get(r.time, []) + seen[key].get(r.time, [])
        if any(_same(p, value, flags) for p in there):
            duplicates += 1
            continue
        if any(p.good for p in there):
            good_one = next(p for p in there if p.good)
            flags.append("conflict")
            notes.append(
                SensorNote(
                    r.station_id,
                    r.quantity,
                    "duplicate_conflict",
                    r.time,
                    r.time,
                    f"line {r.line}: value {r.value} {r.unit} differs from the good one "
                    f"({good_one.value}); kept as a conflict",
                )
            )
        reading = CheckedReading(r, value, unit, None, flags, copy_no=len(there))
        seen[key].setdefault(r.time, []).append(reading)
        checked.append(reading)

    for key, at in seen.items():
        kind = stations.get(key[0])
        limits = config.limits_for(kind, key[1]) if kind is not None else None
        # the series is one reading per time: conflicts stay out, a new reading outranks
        # the flagged ones stored at its time, and of several stored the good one stands
        new = [
            p
            for pts in at.values()
            for p in pts
            if isinstance(p, CheckedReading) and "conflict" not in p.flags
        ]
        taken = {r.raw.time for r in new}
        stored: dict[datetime, StoredPoint] = {}
        for p in history.get(key, ()):
            keep = p.time not in taken and "conflict" not in p.flags
            if keep and (p.time not in stored or p.good):
                stored[p.time] = p
        _check_series(key, new, list(stored.values()), limits, config, notes)
    return QCResult(checked, duplicates, notes)


def _same(point: StoredPoint | CheckedReading, value: float | None, flags: list[str]) -> bool:
    """True when a new reading (its value and flags so far) repeats ``point``: the same value,
    unless ``point`` was flagged for when or in what order it arrived and the new one was not
    (a reading that came too early must not block the real one)."""
    if point.value != value:
        return False
    return not (set(point.flags) & _ARRIVAL_FLAGS) or bool(set(flags) & _ARRIVAL_FLAGS)


def _check_series(
    key: Key,
    new: list[CheckedReading],
    stored: Sequence[StoredPoint],
    limits: QuantityLimits | None,
    config: QCConfig,
    notes: list[SensorNote],
) -> None:
    """Interval, range, spike, stuck and gap checks of one station's quantity, in time order."""
    items: list[Item] = [(p.time, p.value, p.good, None) for p in stored]
    items += [(r.raw.time, r.value, r.good, r) for r in new]
    items.sort(key=lambda it: it[0])

    previous_time: datetime | None = None
    for t, _, _, r in items:
        if r is not None:
            r.interval_s = _interval(r.raw, previous_time, config)
        previous_time = t

    if limits is not None:
        _range_and_spike(items, limits)
        if limits.stuck_count is not None:
            _stuck(items, limits, {p.time for p in stored if p.flags == ("stuck",)})
    # a reading with an impossible time (a year typo) would open a gap of years
    dated = [it for it in items if it[3] is None or not {"future", "too_old"} & set(it[3].flags)]
    _gaps(key, dated, config, notes)


def _range_and_spike(
    items: list[Item],
    limits: QuantityLimits,
) -> None:
    last_good: tuple[datetime, float] | None = None
    for t, value, good, r in items:
        if r is None:
            if good and value is not None:
                last_good = (t, value)
            continue
        if not r.good or r.value is None:
            continue
        size = r.value
        if r.interval_s is not None:
            size = r.value / (r.interval_s / 3600.0)
        if not limits.min <= size <= limits.max:
            r.flags.append("out_of_range")
            continue
        if limits.max_rate_per_h is not None and last_good is not None:
            hours = (t - last_good[0]).total_seconds() / 3600.0
            if hours > 0 and abs(r.value - last_good[1]) / hours > limits.max_rate_per_h:
                r.flags.append("spike")
                continue
        last_good = (t, r.value)


def _stuck(items: list[Item], limits: QuantityLimits, stored_stuck: set[datetime]) -> None:
    """Flag the repeats of a value seen ``stuck_count`` times in a row over ``stuck_min_h``."""
    assert limits.stuck_count is not None
    # a stored reading already flagged stuck still belongs to the run it is part of
    usable = [
        (t, value, r)
        for t, value, good, r in items
        if value is not None
        and ((good or t in stored_stuck) if r is None else not set(r.flags) - {"stuck"})
    ]
    start = 0
    while start < len(usable):
        end = start
        while end + 1 < len(usable) and usable[end + 1][1] == usable[start][1]:
            end += 1
        hours = (usable[end][0] - usable[start][0]).total_seconds() / 3600.0
        if (
            end - start + 1 >= limits.stuck_count
            and hours >= limits.stuck_min_h
            and usable[start][1] != limits.stuck_ignore
        ):
            for _, _, r in usable[start + 1 : end + 1]:
                if r is not None and "stuck" not in r.flags:
                    r.flags.append("stuck")
        start = end + 1


def _gaps(
    key: Key,
    items: list[Item],
    config: QCConfig,
    notes: list[SensorNote],
) -> None:
    if len(items) < 3:
        return
    times = np.array([it[0].timestamp() for it in items])
    steps = np.diff(times)
    positive = steps[steps > 0]
    if positive.size == 0:
        return
    usual = float(np.median(positive))
    limit = max(config.gap_factor * usual, config.min_gap_s)
    for i, step in enumerate(steps):
        involves_new = items[i][3] is not None or items[i + 1][3] is not None
        if step > limit and involves_new:
            notes.append(
                SensorNote(
                    key[0],
                    key[1],
                    "gap",
                    items[i][0],
                    items[i + 1][0],
                    f"no reading for {step / 3600:.2f} h (usual interval {usual / 60:.0f} min)",
                )
            )
