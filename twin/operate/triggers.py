"""Triggers: a new reading that calls for a nowcast now, not at the next regular cycle.

- a river gauge's level crossing the chosen alarm level (BĐ1..BĐ3 of the city's gauges
  layer) upward: its previous good reading was below, this one is at or above;
- a dam's outflow changing by more than a threshold from its previous good reading;
- rain heavier than a threshold at a gauge (the reading's depth over its interval).

Only good readings (QC passed) count: a spike flagged by QC never starts a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

__all__ = ["Trigger", "find_triggers"]


@dataclass(frozen=True, slots=True)
class Trigger:
    """One reason to run a nowcast now."""

    kind: str  # "gauge_alarm", "dam_release", "rain"
    station_id: str
    time: datetime
    value: float
    threshold: float
    detail: str

    def key(self) -> str:
        """A name of the trigger that two schedulers give alike (station, kind, time)."""
        return f"{self.kind}:{self.station_id}:{self.time.strftime('%Y%m%dT%H%MZ')}"


def find_triggers(
    readings: pd.DataFrame,
    new_batches: set[int],
    *,
    alarm_levels: dict[str, Any],
    gauge_alarm: int,
    dam_release_change_m3s: float,
    rain_mm_h: float,
) -> list[Trigger]:
    """The triggers among the readings of ``new_batches``.

    Parameters
    ----------
    readings
        Good readings (:func:`twin.sensors.readings_frame` with ``good_only=True``): those
        of the new batches and the ones before them, to compare with.
    new_batches
        Batch ids of the files just ingested.
    alarm_levels
        Gauge id -> (BĐ1, BĐ2, BĐ3) in m (:func:`twin.alerts.alarm_levels_from_gauges`).
    gauge_alarm
        Which alarm level (1..3) is a trigger.
    dam_release_change_m3s, rain_mm_h
        Thresholds of the other triggers.

    Returns
    -------
    list of Trigger
        In time order.
    """
    out: list[Trigger] = []
    if readings.empty or not new_batches:
        return out
    frame = readings.sort_values(["station_id", "quantity", "time"])
    for (station, quantity), group in frame.groupby(["station_id", "quantity"], sort=False):
        values = group["value"].to_numpy(dtype=float)
        times = group["time"].tolist()
        fresh = group["batch_id"].isin(new_batches).to_numpy()
        for k in range(len(group)):
            if not fresh[k]:
                continue
            when = pd.Timestamp(times[k]).to_pydatetime()
            before = values[k - 1] if k > 0 else None
            if quantity == "water_level" and str(station) in alarm_levels:
                level = alarm_levels[str(station)][gauge_alarm - 1]
                if level is not None and values[k] >= level and (before is None or before < level):
                    out.append(
                        Trigger(
                            "gauge_alarm",
                            str(station),
                            when,
                            float(values[k]),
                            float(level),
                            f"{station} at {values[k]:.2f} m, past BĐ{gauge_alarm} ({level:g} m)",
                        )
                    )
            elif quantity == "outflow" and before is not None:
                change = values[k] - before
                if abs(change) > dam_release_change_m3s:
                    out.append(
                        Trigger(
                            "dam_release",
                            str(station),
                            when,
                            float(values[k]),
                            dam_release_change_m3s,
                            f"{station} outflow {before:g} -> {values[k]:g} m3/s",
                        )
                    )
            elif quantity == "rain":
                interval_s = group["interval_s"].iloc[k]
                if interval_s is None or not interval_s > 0:
                    continue
                rate = values[k] * 3600.0 / float(interval_s)
                if rate > rain_mm_h:
                    out.append(
                        Trigger(
                            "rain",
                            str(station),
                            when,
                            rate,
                            rain_mm_h,
                            f"{station} rain {rate:.1f} mm/h",
                        )
                    )
    return sorted(out, key=lambda t: (t.time, t.station_id))
