"""Forcings read from the sensor database: dam releases, rain gauges, the lagoon level."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from twin._errors import TwinError

__all__ = ["dam_release_from_sensors", "held_series", "series_seconds"]


def series_seconds(series: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """A UTC-indexed series' times as seconds after ``origin``."""
    idx = pd.DatetimeIndex(series.index)
    idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
    return np.asarray((idx - origin.tz_convert("UTC")).total_seconds(), dtype=float)


def held_series(
    series: pd.Series, origin: pd.Timestamp, end: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s after ``origin``) and values of a reading series over [origin, end].

    The value at ``origin`` is interpolated between the readings around it (or the first
    reading's, when none is earlier); after the last reading the value holds to ``end``.
    """
    s = series[~series.index.duplicated(keep="last")].sort_index()
    t = series_seconds(s, origin)
    v = s.to_numpy(dtype=float)
    horizon = (end - origin).total_seconds()
    inside = (t > 0) & (t < horizon)
    times = np.concatenate([[0.0], t[inside], [horizon]])
    values = np.interp(times, t, v)  # np.interp holds the end values outside the readings
    return times, values


def dam_release_from_sensors(
    engine: Any,
    dam_id: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    readings_until: pd.Timestamp | None = None,
) -> tuple[xr.DataArray, pd.DataFrame]:
    """A dam's measured outflow (good readings only) from ``start`` to ``end`` as a release.

    Between readings the release is linear; at ``start`` it is interpolated from the readings
    around it; after the last reading it holds its last value (persistence). A nowcast gives
    ``readings_until`` (its ``at``) so that no later reading is used.

    Returns
    -------
    release, table
        DataArray (m³/s over elapsed seconds) and the table ``elapsed_s``, ``release_m3s``,
        ``level_m`` (the measured reservoir level, NaN where not measured).

    Raises
    ------
    TwinError
        When the dam has no good outflow reading by ``end``.
    """
    from twin.sensors import latest_good, series

    if engine is None:
        raise TwinError(
            f"dams: dam {dam_id!r} releases what its sensors measured: give the sensor database"
        )
    last = min(end, readings_until) if readings_until is not None else end
    q = series(engine, dam_id, "outflow", start.to_pydatetime(), last.to_pydatetime())
    before = latest_good(engine, dam_id, "outflow", at=start.to_pydatetime())
    if before is not None:
        q = pd.concat([pd.Series([before.value], index=[pd.Timestamp(before.time)]), q])
    if q.empty:
        raise TwinError(
            f"dams: no good outflow reading of dam {dam_id!r} by {end.isoformat()}; "
            "ingest its sensor feed or give a release schedule"
        )
    t, v = held_series(q, start, end)
    level = series(engine, dam_id, "water_level", start.to_pydatetime(), last.to_pydatetime())
    lv = (
        np.interp(t, series_seconds(level, start), level.to_numpy(dtype=float))
        if not level.empty
        else np.full(t.size, np.nan)
    )
    da = xr.DataArray(
        v,
        coords={"time": ("time", t, {"units": "s"})},
        dims="time",
        name="release",
        attrs={"units": "m3 s-1"},
    )
    return da, pd.DataFrame({"elapsed_s": t, "release_m3s": v, "level_m": lv})
