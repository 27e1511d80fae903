"""Forcings read from the sensor database: dam releases, rain gauges, the lagoon level."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from twin._errors import TwinError

__all__ = ["dam_release_from_sensors", "series_seconds"]


def series_seconds(series: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """A UTC-indexed series' times as seconds after ``origin``."""
    idx = pd.DatetimeIndex(series.index)
    idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
    return np.asarray((idx - origin.tz_convert("UTC")).total_seconds(), dtype=float)


def dam_release_from_sensors(
    engine: Any, dam_id: str, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[xr.DataArray, pd.DataFrame]:
    """A dam's measured outflow (good readings only) from ``start`` to ``end`` as a release.

    The last good reading at or before ``start`` is held until the first one after it; after
    the last reading the release holds its last value (persistence).

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
    from twin.db import make_engine
    from twin.sensors import latest_good, series

    engine = engine if engine is not None else make_engine()
    q = series(engine, dam_id, "outflow", start.to_pydatetime(), end.to_pydatetime())
    before = latest_good(engine, dam_id, "outflow", at=start.to_pydatetime())
    if before is not None:
        q = pd.concat([pd.Series([before.value], index=[pd.Timestamp(before.time)]), q])
    if q.empty:
        raise TwinError(
            f"dams: no good outflow reading of dam {dam_id!r} by {end.isoformat()}; "
            "ingest its sensor feed or give a release schedule"
        )
    q = q[~q.index.duplicated(keep="last")].sort_index()
    t = series_seconds(q, start)
    t = np.maximum(t, 0.0)
    keep = np.concatenate([t[1:] > t[:-1], [True]])
    t, v = t[keep], q.to_numpy(dtype=float)[keep]
    if t.size == 1 or t[-1] < (end - start).total_seconds():
        t = np.append(t, (end - start).total_seconds())
        v = np.append(v, v[-1])
    level = series(engine, dam_id, "water_level", start.to_pydatetime(), end.to_pydatetime())
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
