"""Adapters from the impact tables of :mod:`twin.impact` to the inputs of the warning rules."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from twin._errors import TwinError
from twin._time import as_utc
from twin.alerts.rules import GaugeExceedance, WardImpact

__all__ = ["gauge_exceedances_from_summary", "ward_impacts_from_frame"]

_HAZARD_COLUMNS = ("people_hazard_some", "people_hazard_most", "people_hazard_all")


def _nearest_shelters(wards: Any, shelters: Any) -> dict[str, str]:
    """Ward id -> name of a shelter inside the ward, else the one nearest its centre."""
    if shelters is None or len(shelters) == 0:
        return {}
    shelters = shelters.to_crs(wards.crs) if wards.crs is not None else shelters
    out: dict[str, str] = {}
    for ward_id, geometry in zip(wards["ward_id"], wards.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        inside = shelters[shelters.within(geometry)]
        pool = inside if len(inside) else shelters
        distance = pool.distance(geometry.representative_point())
        out[str(ward_id)] = str(pool.loc[distance.idxmin(), "name"])
    return out


def _arrival(value: Any) -> datetime | None:
    """An arrival time given as ISO text or a timestamp; None when dry (None, NaT, "")."""
    if isinstance(value, str):
        value = value.strip()
        if value in ("", "NaT", "None", "null"):
            return None
    elif not isinstance(value, datetime) or pd.isna(value):
        return None
    return as_utc(value)


def ward_impacts_from_frame(
    wards: Any,
    *,
    shelters: Any = None,
    start: pd.Timestamp | None = None,
    observed: bool = False,
) -> list[WardImpact]:
    """One :class:`WardImpact` per row of a ward impact table (``Impact.wards``).

    Parameters
    ----------
    wards
        GeoDataFrame with ``ward_id``, ``name``, ``people_hazard_some``/``_most``/``_all``,
        ``hazard_class_max``, ``max_depth_m`` and ``arrival_time`` (ISO, None when dry) or
        ``arrival_s`` (seconds after ``start``); geometry in any CRS (converted to WGS 84).
    shelters
        GeoDataFrame of shelters (``name``, points): the one inside each ward, or nearest
        to it, is named in the instruction.
    start
        Start of the run, when arrivals are given as ``arrival_s``.
    observed
        The flooding is observed rather than modelled.

    Raises
    ------
    twin.TwinError
        When a needed column is missing.
    """
    needed = ["ward_id", "name", "hazard_class_max", *_HAZARD_COLUMNS]
    missing = [c for c in needed if c not in wards.columns]
    if "arrival_time" not in wards.columns and ("arrival_s" not in wards.columns or start is None):
        missing.append("arrival_time (or arrival_s with start)")
    if missing:
        raise TwinError(f"ward impact table lacks column(s): {', '.join(missing)}")
    nearest = _nearest_shelters(wards, shelters)
    lonlat = wards.to_crs(4326) if wards.crs is not None else wards
    impacts = []
    for (_, row), geometry in zip(wards.iterrows(), lonlat.geometry, strict=True):
        arrival = _arrival(row["arrival_time"]) if "arrival_time" in wards.columns else None
        if arrival is None and "arrival_s" in wards.columns and start is not None:
            seconds = float(row["arrival_s"])
            if math.isfinite(seconds):
                arrival = as_utc(start + pd.Timedelta(seconds=seconds))
        if arrival is None:
            continue  # never wet in the run: nothing to warn about
        depth = float(row["max_depth_m"]) if "max_depth_m" in wards.columns else None
        impacts.append(
            WardImpact(
                ward_id=str(row["ward_id"]),
                name=str(row["name"]),
                polygon=geometry,
                people_by_hazard_class=(
                    0,
                    *(round(float(row[c])) for c in _HAZARD_COLUMNS),
                ),  # type: ignore[arg-type]
                max_hazard_class=int(row["hazard_class_max"]),
                arrival=arrival,
                shelter=nearest.get(str(row["ward_id"])),
                max_depth_m=depth if depth is not None and math.isfinite(depth) else None,
                observed=observed,
            )
        )
    return impacts


def gauge_exceedances_from_summary(
    summary: pd.DataFrame,
    *,
    start: pd.Timestamp,
    gauges: Any = None,
    observed: bool = False,
) -> list[GaugeExceedance]:
    """Alarm levels passed, from a gauge summary table (``Impact.gauge_summary``).

    Parameters
    ----------
    summary
        ``gauge_id``, ``name``, ``peak_level_m`` and ``passed_bd1_s`` .. ``passed_bd3_s``
        (seconds after ``start``, NaN if never).
    start
        Start of the run (aware).
    gauges
        The city's gauges layer (optional): ``river`` and the position for the area.
    """
    extra: dict[str, tuple[str | None, float | None, float | None]] = {}
    if gauges is not None and len(gauges):
        lonlat = gauges.to_crs(4326) if gauges.crs is not None else gauges
        for (_, g), point in zip(gauges.iterrows(), lonlat.geometry, strict=True):
            river = g.get("river")
            extra[str(g["gauge_id"])] = (
                str(river) if isinstance(river, str) and river else None,
                None if point is None else float(point.x),
                None if point is None else float(point.y),
            )
    found = []
    for _, row in summary.iterrows():
        gauge_id = str(row["gauge_id"])
        river, lon, lat = extra.get(gauge_id, (None, None, None))
        for level in (1, 2, 3):
            seconds = float(row.get(f"passed_bd{level}_s", float("nan")))
            if not math.isfinite(seconds):
                continue
            peak = float(row.get("peak_level_m", float("nan")))
            found.append(
                GaugeExceedance(
                    gauge_id=gauge_id,
                    gauge_name=str(row.get("name", gauge_id)),
                    alarm_level=level,
                    time=as_utc(start + pd.Timedelta(seconds=seconds)),
                    level_m=peak if math.isfinite(peak) else None,
                    threshold_m=_threshold(row, level),
                    river=river,
                    observed=observed,
                    lon=lon,
                    lat=lat,
                )
            )
    return found


def _threshold(row: pd.Series, level: int) -> float | None:
    value = row.get(f"alarm{level}_m")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
