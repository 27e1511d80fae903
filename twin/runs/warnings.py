"""The warnings stage of a run: impact -> CAP 1.2 messages (:mod:`twin.alerts`) -> alerts/*.xml.

A nowcast's messages carry CAP status ``Actual``: they are the live stream, recorded in the
database and chained (an area's later message is an Update or a Cancel of the one in effect).
A scenario is a plan, not a flood: its messages carry ``Exercise`` and are the run's own whole
warning set (one Alert per area warned), never diffed against another run's, so running the
same scenario twice gives two folders with the same warnings. An operator may publish a
finished run's warnings as real ones later, from its files (:func:`publish_run_alerts`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from twin._errors import TwinError
from twin._time import as_utc, local_iso
from twin.alerts import (
    AlertRules,
    CapMessage,
    CapSigner,
    GaugeExceedance,
    WardImpact,
    alarm_levels_from_gauges,
    consistency_problems,
    gauge_exceedances,
    issue_alerts,
    plan_alerts,
    write_alerts,
)
from twin.impact import Impact
from twin.runs.files import read_summary

if TYPE_CHECKING:
    from layers import City

__all__ = ["issue_run_alerts", "publish_run_alerts", "ward_impacts_for_alerts"]


def _nearest_shelter_names(wards: Any, shelters: Any) -> list[str | None]:
    if shelters is None or len(shelters) == 0:
        return [None] * len(wards)
    sx = shelters.geometry.x.to_numpy()
    sy = shelters.geometry.y.to_numpy()
    names = shelters["name"].astype(str).to_numpy()
    out: list[str | None] = []
    for geom in wards.geometry:
        p = geom.representative_point()
        out.append(str(names[int(np.argmin((sx - p.x) ** 2 + (sy - p.y) ** 2))]))
    return out


def ward_impacts_for_alerts(impact: Impact, city: City, *, start: pd.Timestamp) -> list[WardImpact]:
    """The ward table of a run as :class:`twin.alerts.WardImpact` records (lon/lat outlines)."""
    wards = impact.wards
    lonlat = wards.to_crs(4326).geometry
    shelters = _nearest_shelter_names(wards, getattr(city, "shelters", None))
    out = []
    for k, (_, w) in enumerate(wards.iterrows()):
        some, most, all_ = (
            int(w["people_hazard_some"]),
            int(w["people_hazard_most"]),
            int(w["people_hazard_all"]),
        )
        low = max(int(w["population"]) - some - most - all_, 0)
        arrival_s = float(w["arrival_s"])
        arrival = (
            (start + pd.Timedelta(seconds=round(arrival_s))).to_pydatetime()
            if np.isfinite(arrival_s)
            else start.to_pydatetime()
        )
        out.append(
            WardImpact(
                str(w["ward_id"]),
                str(w["name"]),
                lonlat.iloc[k],
                people_by_hazard_class=(low, some, most, all_),
                max_hazard_class=int(w["hazard_class_max"]),
                arrival=arrival,
                shelter=shelters[k],
                max_depth_m=float(w["max_depth_m"]),
            )
        )
    return out


def _gauge_events(
    impact: Impact, city: City, start: pd.Timestamp, rules: AlertRules
) -> list[GaugeExceedance]:
    events: list[GaugeExceedance] = []
    if impact.gauges.empty:
        return events
    gauges = city.gauges.set_index(city.gauges["gauge_id"].astype(str))
    lonlat = gauges.to_crs(4326).geometry
    for gid, g in impact.gauges.groupby("gauge_id"):
        if str(gid) not in rules.gauge_alarm_levels:
            continue
        idx = start + pd.to_timedelta(g["elapsed_s"].to_numpy(dtype=float), unit="s")
        levels = pd.Series(g["level_m"].to_numpy(dtype=float), index=idx)
        row = gauges.loc[str(gid)]
        found = gauge_exceedances(
            str(gid),
            levels,
            rules=rules,
            gauge_name=str(row.get("name", gid)),
            river=None if pd.isna(row.get("river")) else str(row.get("river")),
        )
        p = lonlat.loc[str(gid)]
        events += [
            GaugeExceedance(**{**e.__dict__, "lon": float(p.x), "lat": float(p.y)}) for e in found
        ]
    return events


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._+-]")


def _whole_set(
    wards: list[WardImpact],
    gauges: list[GaugeExceedance],
    *,
    now: datetime,
    rules: AlertRules,
    run_id: str | None,
) -> list[CapMessage]:
    """Every planned warning as an Alert of its own, outside the live lifecycle.

    The identifiers carry the run id, so that two runs of one scenario never share one.
    """
    now = as_utc(now).replace(microsecond=0)
    stamp = datetime.fromisoformat(local_iso(now, rules.timezone)).strftime("%Y%m%dT%H%M%S")
    tag = (run_id or uuid.uuid4().hex)[:12]
    messages = []
    for plan in plan_alerts(wards, gauges, now=now, rules=rules):
        msg = CapMessage(
            identifier=_SAFE_NAME.sub("_", f"hue-twin.{stamp}.{plan.area_key}.{tag}")[:180],
            sender=rules.sender,
            sent=now,
            status=rules.status,
            msg_type="Alert",
            infos=plan.infos,
            timezone=rules.timezone,
        )
        problems = consistency_problems(msg)
        if problems:
            raise TwinError(f"the Alert for {plan.area_key!r} is not consistent", problems)
        messages.append(msg)
    return messages


def _issue(
    impact: Impact,
    city: City,
    *,
    start: pd.Timestamp,
    engine: Any,
    status: str,
    run_id: str | None,
    now: datetime,
    chained: bool = True,
) -> list[CapMessage]:
    rules = AlertRules.for_city(
        city, status=status, gauge_alarm_levels=alarm_levels_from_gauges(city.gauges)
    )
    wards = ward_impacts_for_alerts(impact, city, start=start)
    gauges = _gauge_events(impact, city, start, rules)
    if not chained:
        return _whole_set(wards, gauges, now=now, rules=rules, run_id=run_id)
    return issue_alerts(engine, wards, gauges, now=now, rules=rules, run_id=run_id)


def describe_message(message: CapMessage) -> dict[str, Any]:
    """A short dict of one CAP message for the map and the summary."""
    info = message.infos[0] if message.infos else None
    ward_ids = [v for area in (info.areas if info else ()) for _k, v in area.geocodes]
    return {
        "identifier": message.identifier,
        "msg_type": message.msg_type,
        "status": message.status,
        "ward_ids": ward_ids,
        "severity": info.severity if info else "",
        "headline": (info.headline or "") if info else "",
    }


def issue_run_alerts(
    impact: Impact,
    city: City,
    *,
    start: pd.Timestamp,
    engine: Any,
    status: str = "Exercise",
    run_id: str | None = None,
    now: datetime | None = None,
    signer: CapSigner | None = None,
) -> tuple[list[dict[str, Any]], Callable[[Path], list[str]]]:
    """Issue the run's CAP alerts and give a writer of their XML.

    ``Actual`` messages are the live stream (recorded in the database, chained with Update
    and Cancel); the others (a scenario's ``Exercise``) are the run's whole warning set.

    Parameters
    ----------
    impact, city
        The run's impact and its city.
    start
        Start of the run (aware): the origin of arrival times.
    engine
        Database of the alert lifecycle.
    status
        CAP status: ``Exercise`` for scenarios, ``Actual`` for nowcasts.
    run_id
        Stored with the messages.
    now
        Time of issue (default: ``start``).
    signer
        Signs the XML files (None: unsigned).

    Returns
    -------
    alerts, writer
        One dict per new message (``identifier``, ``msg_type``, ``status``, ``ward_ids``,
        ``severity``, ``headline``), and ``writer(folder)`` that writes one XML file per
        message and returns the file names.
    """
    issued_at = now if now is not None else start.to_pydatetime()
    messages = _issue(
        impact,
        city,
        start=start,
        engine=engine,
        status=status,
        run_id=run_id,
        now=issued_at,
        chained=status == "Actual",
    )

    def writer(folder: Path) -> list[str]:
        return [p.name for p in write_alerts(messages, folder, signer=signer)]

    return [describe_message(m) for m in messages], writer


def publish_run_alerts(
    folder: str | Path,
    city: City,
    *,
    engine: Any,
    now: datetime,
    status: str = "Actual",
    run_id: str | None = None,
) -> list[CapMessage]:
    """Issue a finished run's warnings again, from its files, as real (``Actual``) messages.

    The run's ward impact (``impact_wards.geojson``), gauge series (``gauges.csv``) and start
    (``summary.json``) go through the same rules as at the end of the run, into the lifecycle
    of ``status``: the run's plan replaces the warnings in effect of that status (an area no
    longer planned gets a Cancel; an unchanged one gets nothing).

    Parameters
    ----------
    folder
        The run's output folder (see :mod:`twin.runs.files`).
    city
        The city the run was made on.
    engine
        Database of the alert lifecycle.
    now
        Aware time of issue.
    status
        CAP status of the new messages.
    run_id
        Stored with the messages (default: the run id in ``summary.json``).

    Returns
    -------
    list of CapMessage
        The new messages only (empty when the warnings in effect already say the same).

    Raises
    ------
    twin.TwinError
        When the folder lacks a file of a finished run.
    """
    folder = Path(folder)
    missing = [n for n in ("summary.json", "impact_wards.geojson") if not (folder / n).is_file()]
    if missing:
        raise TwinError(
            f"run folder {folder.name} lacks {', '.join(missing)}: only the folder of a "
            "finished run made by twin can be published"
        )
    summary = read_summary(folder)
    if not summary.get("start"):
        raise TwinError(f"summary.json of run folder {folder.name} has no start time")
    start = pd.Timestamp(summary["start"])
    wards = gpd.read_file(folder / "impact_wards.geojson").to_crs(city.crs)
    try:
        gauges = pd.read_csv(folder / "gauges.csv", dtype={"gauge_id": str})
    except (FileNotFoundError, pd.errors.EmptyDataError):
        gauges = pd.DataFrame(columns=["gauge_id", "elapsed_s", "level_m"])
    empty = pd.DataFrame()
    # Only the ward and gauge tables make warnings; the other tables stay empty.
    impact = Impact(
        wards=wards,
        roads=gpd.GeoDataFrame(geometry=[], crs=city.crs),
        lights=gpd.GeoDataFrame(geometry=[], crs=city.crs),
        circuits=empty,
        gauges=gauges,
        gauge_summary=empty,
        dams=empty,
    )
    return _issue(
        impact,
        city,
        start=start,
        engine=engine,
        status=status,
        run_id=run_id if run_id is not None else summary.get("run_id"),
        now=now,
    )
