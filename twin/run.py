"""Run a scenario: forcings, the flood model, impact, alerts, and the files of the run.

``run_scenario`` writes into ``out_dir`` (all or nothing: into a temporary folder beside it,
renamed into place at the end)::

    flood.nc | flood.zarr      the flood result (depth, wse, speed over time; maxima, arrival)
    impact_wards.geojson       wards with people exposed, flooded area, max depth, arrival
    impact_roads.geojson       road segments: max depth, closing times, cut, reachable
    impact_lights.geojson      street lights: depth at the pole, in water, broken + flooded
    gauges.csv                 modelled level at each river gauge over time, alarm levels
    alerts/                    CAP 1.2 XML, one file per message
    map.html                   folium map: depth, wards by impact, cut roads, alerts
    summary.json               totals, timings, volume balance, gauges, dams, circuits
    scenario.json              the scenario as run

GeoJSON is RFC 7946: WGS 84 lon/lat. Times are ISO 8601 UTC; ``*_s`` columns are seconds
after the start of the run. Each run is a row of the ``runs`` table.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time as _time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from sqlalchemy import Engine, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from layers.geojson import write_geojson
from twin._errors import NotFoundError, TwinError
from twin._run_alerts import issue_run_alerts
from twin._scenario_check import load_city_cached
from twin._scenario_forcing import Forcing, apply_forcing, build_forcing
from twin.alerts.sign import CapSigner
from twin.db import Base, session_scope
from twin.impact import Impact, assess_impact
from twin.scenario import Scenario
from twin.sensors._timeutil import UTCDateTime

__all__ = [
    "Progress",
    "RunRecord",
    "RunResult",
    "execute",
    "get_run",
    "list_runs",
    "run_scenario",
    "simulate",
    "write_outputs",
]

Progress = Callable[[str, float], None]
"""``progress(stage, fraction)``: the stage's name and how far the whole run is (0-1)."""

# share of the progress bar per stage; the solver takes the rest
_STAGES = {"load": 0.02, "forcing": 0.05, "solve": 0.85, "impact": 0.93, "write": 1.0}


class RunRecord(Base):
    """One run of a scenario or a nowcast (the ``runs`` table)."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="scenario")
    status: Mapped[str] = mapped_column(String(20))
    started: Mapped[datetime] = mapped_column(UTCDateTime())
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    out_dir: Mapped[str] = mapped_column(Text)
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    def as_dict(self) -> dict[str, Any]:
        """The record as plain data (summary parsed)."""
        return {
            "id": self.id,
            "scenario": self.scenario,
            "kind": self.kind,
            "status": self.status,
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "out_dir": self.out_dir,
            "summary": json.loads(self.summary_json or "{}"),
            "error": self.error,
        }


@dataclass
class RunResult:
    """What :func:`run_scenario` gives back."""

    run_id: str
    out_dir: Path
    summary: dict[str, Any]
    impact: Impact
    result: xr.Dataset
    alerts: list[dict[str, Any]] = field(default_factory=list)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_jsonable(r) for r in frame.to_dict("records")]


def simulate(
    forcing: Forcing,
    *,
    duration_s: float,
    output_every_s: float,
    dtype: str = "float32",
    progress: Callable[[float], None] | None = None,
    save_state: tuple[float, Path] | None = None,
) -> tuple[xr.Dataset, dict[str, float]]:
    """Run the flood model over ``forcing``; the result keeps elapsed-seconds ``time``.

    Parameters
    ----------
    forcing
        From :func:`twin._scenario_forcing.build_forcing` (or the nowcast's).
    duration_s, output_every_s
        Length of the run and output interval (s).
    dtype
        Solver precision.
    progress
        Called with the fraction of simulated time done.
    save_state
        ``(time_s, path)``: save the model state (``FloodModel.save_state``) when the model
        reaches ``time_s``, for a later warm start.

    Returns
    -------
    result, volume_balance
    """
    import hydro

    try:
        model = hydro.FloodModel(
            forcing.elevation, manning=forcing.manning, dtype=dtype, **forcing.solver
        )
        apply_forcing(model, forcing)
        legs = [duration_s]
        if save_state is not None:
            save_at, save_path = save_state
            save_path.parent.mkdir(parents=True, exist_ok=True)
            if save_at <= 0:
                model.save_state(save_path)
            elif save_at < duration_s:
                legs = [save_at, duration_s]
        parts = []
        for k, until in enumerate(legs):
            lo = legs[k - 1] if k else 0.0

            def callback(f: float, lo: float = lo, until: float = until) -> None:
                if progress is not None:
                    progress((lo + (until - lo) * float(f)) / duration_s)

            parts.append(model.run(until=until, output_every=output_every_s, progress=callback))
            if save_state is not None and until == save_state[0]:
                model.save_state(save_state[1])
    except hydro.HydroError as exc:
        raise TwinError(f"the flood model refused the run: {exc}") from None
    result = parts[-1]
    if len(parts) > 1:
        snaps = ["depth", "wse", "speed"]
        first = parts[0][snaps].isel(time=slice(0, -1))
        joined = xr.concat([first, result[snaps]], dim="time")
        result = result.drop_vars(snaps).drop_dims("time").assign(joined)
        result.attrs = parts[-1].attrs
    balance = {k: float(v) for k, v in dict(model.volume_balance).items()}
    return result, balance


def _with_datetimes(result: xr.Dataset, start: pd.Timestamp) -> xr.Dataset:
    """The result with ``time`` as UTC datetimes (as written to the file)."""
    t = result["time"].values
    if np.issubdtype(t.dtype, np.datetime64):
        return result
    origin = start.tz_convert("UTC").tz_localize(None)
    times = origin + pd.to_timedelta(np.asarray(t, dtype=float), unit="s")
    out = result.assign_coords(time=("time", times.values))
    out["time"].attrs = {"long_name": "time", "standard_name": "time"}
    out["time"].encoding["units"] = f"seconds since {origin.isoformat(sep=' ')}"
    out.attrs["start"] = start.tz_convert("UTC").isoformat()
    return out


def write_outputs(
    folder: Path,
    *,
    result: xr.Dataset,
    impact: Impact,
    city: Any,
    start: pd.Timestamp,
    output_format: str,
    alerts: list[dict[str, Any]],
    alert_writer: Callable[[Path], list[str]] | None,
    summary: dict[str, Any],
) -> list[str]:
    """Write every file of a run into ``folder`` (which must exist); return their names."""
    from twin.maps import flood_map

    timed = _with_datetimes(result, start)
    for name in timed.data_vars:
        timed[name].encoding.pop("_FillValue", None)
    if output_format == "zarr":
        timed.drop_attrs(deep=False).assign_attrs(_netcdf_attrs(timed.attrs)).to_zarr(
            folder / "flood.zarr", mode="w", consolidated=True
        )
    else:
        timed.assign_attrs(_netcdf_attrs(timed.attrs)).to_netcdf(folder / "flood.nc")
    # RFC 7946: lon/lat, counter-clockwise exterior rings, no "crs" member.
    write_geojson(impact.wards, folder / "impact_wards.geojson")
    write_geojson(impact.roads, folder / "impact_roads.geojson")
    write_geojson(impact.lights, folder / "impact_lights.geojson")
    impact.gauges.to_csv(folder / "gauges.csv", index=False, float_format="%.3f")
    alerts_dir = folder / "alerts"
    alerts_dir.mkdir()
    if alert_writer is not None:
        alert_writer(alerts_dir)
    flood_map(
        result,
        impact.wards,
        impact.roads,
        crs=city.crs,
        alerts=alerts,
        lights=impact.lights,
        title=str(summary.get("scenario", "")),
        path=folder / "map.html",
    )
    names = [*sorted(p.name for p in folder.iterdir()), "summary.json"]
    summary["files"] = sorted(set(names))
    (folder / "summary.json").write_text(
        json.dumps(_jsonable(summary), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return summary["files"]


def _netcdf_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes NetCDF and Zarr can hold (nested mappings as JSON text)."""
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if isinstance(v, dict | list | tuple):
            out[k] = json.dumps(_jsonable(v))
        elif isinstance(v, bool):
            out[k] = int(v)
        elif v is None:
            continue
        else:
            out[k] = v
    return out


def _replace_dir(tmp: Path, out_dir: Path) -> None:
    """Put ``tmp`` at ``out_dir``; an existing ``out_dir`` is replaced only once ``tmp`` is
    complete, so a reader sees the old run or the new one, never half of either."""
    old: Path | None = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _record_start(engine: Engine, run_id: str, name: str, kind: str, out_dir: Path) -> None:
    with session_scope(engine) as s:
        s.add(
            RunRecord(
                id=run_id,
                scenario=name,
                kind=kind,
                status="running",
                started=datetime.now(UTC),
                out_dir=str(out_dir),
                summary_json="{}",
            )
        )


def _record_end(
    engine: Engine, run_id: str, status: str, summary: dict[str, Any], error: str | None = None
) -> None:
    with session_scope(engine) as s:
        rec = s.get(RunRecord, run_id)
        if rec is None:
            return
        rec.status = status
        rec.finished = datetime.now(UTC)
        rec.summary_json = json.dumps(_jsonable(summary), ensure_ascii=False)
        rec.error = error


def get_run(engine: Engine, run_id: str) -> dict[str, Any]:
    """One row of the ``runs`` table as plain data.

    Raises
    ------
    NotFoundError
        When no run has that id.
    """
    with session_scope(engine) as s:
        rec = s.get(RunRecord, run_id)
        if rec is None:
            raise NotFoundError(f"no run with id {run_id!r}")
        return rec.as_dict()


def list_runs(engine: Engine, *, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest first."""
    with session_scope(engine) as s:
        rows = s.scalars(select(RunRecord).order_by(RunRecord.started.desc()).limit(limit))
        return [r.as_dict() for r in rows]


def execute(
    name: str,
    kind: str,
    city: Any,
    forcing_fn: Callable[[], Forcing],
    out_dir: str | Path,
    *,
    start: pd.Timestamp,
    duration_s: float,
    output_every_s: float,
    output_format: str = "netcdf",
    dtype: str = "float32",
    progress: Progress | None = None,
    engine: Engine,
    extra_summary: dict[str, Any] | None = None,
    save_state: tuple[float, Path] | None = None,
    extra_files: dict[str, str] | None = None,
    alert_time: datetime | None = None,
    signer: CapSigner | None = None,
) -> RunResult:
    """The steps every run shares (scenario or nowcast): see :func:`run_scenario`."""
    out_dir = Path(out_dir).resolve()
    run_id = uuid.uuid4().hex
    report: Progress = progress or (lambda stage, fraction: None)
    timings: dict[str, float] = {}
    t_all = _time.perf_counter()
    _record_start(engine, run_id, name, kind, out_dir)
    summary: dict[str, Any] = {"run_id": run_id, "scenario": name, "kind": kind}
    try:
        t = _time.perf_counter()
        report("forcing", _STAGES["load"])
        forcing = forcing_fn()
        timings["forcing_s"] = _time.perf_counter() - t

        t = _time.perf_counter()
        lo, hi = _STAGES["forcing"], _STAGES["solve"]
        result, balance = simulate(
            forcing,
            duration_s=duration_s,
            output_every_s=output_every_s,
            dtype=dtype,
            progress=lambda f: report("solve", lo + (hi - lo) * f),
            save_state=save_state,
        )
        timings["solve_s"] = _time.perf_counter() - t

        t = _time.perf_counter()
        report("impact", _STAGES["solve"])
        impact = assess_impact(city, result, start=start, dam_operations=forcing.dam_operations)
        alerts, alert_writer = issue_run_alerts(
            impact,
            city,
            start=start,
            engine=engine,
            status="Actual" if kind == "nowcast" else "Exercise",
            run_id=run_id,
            now=alert_time,
            signer=signer,
        )
        timings["impact_s"] = _time.perf_counter() - t

        ny, nx = forcing.elevation.shape
        summary.update(
            {
                "start": start.tz_convert("UTC").isoformat(),
                "duration_s": duration_s,
                "output_every_s": output_every_s,
                "grid": {"ny": ny, "nx": nx, "cells": ny * nx, "cell_m": _cell_m(forcing)},
                "rain_mean_total_mm": forcing.rain_mean_total_mm,
                "totals": impact.totals,
                "volume_balance": balance,
                "solver": {
                    k: _jsonable(v)
                    for k, v in result.attrs.items()
                    if _scalar(v) and k not in balance
                },
                "gauges": _records(impact.gauge_summary),
                "dams": _records(impact.dams),
                "circuits_to_switch_off": _records(impact.circuits),
                "alerts": len(alerts),
                **(extra_summary or {}),
            }
        )
        t = _time.perf_counter()
        report("write", _STAGES["impact"])
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        tmp.chmod(0o755)
        try:
            timings["write_s"] = 0.0
            timings["total_s"] = _time.perf_counter() - t_all
            summary["timings"] = timings
            for fname, text in (extra_files or {}).items():
                (tmp / fname).write_text(text, encoding="utf-8")
            write_outputs(
                tmp,
                result=result,
                impact=impact,
                city=city,
                start=start,
                output_format=output_format,
                alerts=alerts,
                alert_writer=alert_writer,
                summary=summary,
            )
            timings["write_s"] = _time.perf_counter() - t
            timings["total_s"] = _time.perf_counter() - t_all
            (tmp / "summary.json").write_text(
                json.dumps(_jsonable(summary), indent=2, ensure_ascii=False), encoding="utf-8"
            )
            _replace_dir(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        report("done", 1.0)
    except BaseException as exc:
        _record_end(engine, run_id, "failed", summary, error=str(exc) or type(exc).__name__)
        raise
    _record_end(engine, run_id, "finished", summary)
    return RunResult(run_id, out_dir, summary, impact, result, alerts)


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float | bool | np.generic)


def _cell_m(forcing: Forcing) -> float:
    x = np.asarray(forcing.elevation["x"], dtype=float)
    return abs(float(x[1] - x[0]))


def run_scenario(
    scenario: Scenario | str | Path,
    out_dir: str | Path,
    *,
    progress: Progress | None = None,
    engine: Engine,
    signer: CapSigner | None = None,
) -> RunResult:
    """Run a scenario and write its files into ``out_dir`` (see the module notes).

    Parameters
    ----------
    scenario
        A :class:`Scenario`, or the path of its TOML file.
    out_dir
        Folder of the run's files; replaced as a whole when it exists.
    progress
        ``progress(stage, fraction)`` called as the run goes (stages: forcing, solve, impact,
        write, done).
    engine
        Database of the ``runs`` table (and of the sensors and alerts).
    signer
        Signs the run's CAP files (None: unsigned).

    Returns
    -------
    RunResult
        Run id, the folder, the summary, the impact tables and the flood result.

    Raises
    ------
    TwinError
        A bad scenario (every problem listed, before any computing) or a run the model refuses.
        A failed run leaves ``out_dir`` as it was and is recorded as ``failed``.
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    city = load_city_cached(scenario.city_path())
    sc = scenario
    extra = {
        "scenario_file": str(sc.source) if sc.source else None,
        "resolution_m": sc.resolution_m,
        "description": sc.description,
    }
    return execute(
        sc.name,
        "scenario",
        city,
        lambda: build_forcing(sc, city, engine=engine),
        out_dir,
        start=sc.start_utc,
        duration_s=sc.duration_s,
        output_every_s=sc.output.every.total_seconds(),
        output_format=sc.output.format,
        dtype=sc.output.dtype,
        progress=progress,
        engine=engine,
        extra_summary=extra,
        extra_files={"scenario.json": json.dumps(sc.to_toml_dict(), indent=2, ensure_ascii=False)},
        signer=signer,
    )
