"""A run's execution as explicit stages: forcing -> simulate -> impact -> warnings -> record.

The caller (a scenario, a nowcast) opens the run (:func:`open_run`: its id, its record, its
clock), builds its forcing inside the ``forcing`` stage, and hands the forcing and the
:class:`RunPlan` to :func:`execute`, which runs the rest::

    with open_run(engine, "quick", "scenario", out_dir) as run:
        with run.stage("forcing"):
            forcing = build_forcing(scenario, city, engine=engine)
        result = execute(run, plan, forcing, engine=engine)

A failure in any stage records the run as ``failed`` (with the error) and leaves its folder
as it was.
"""

from __future__ import annotations

import logging
import shutil
import time as _time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr
from sqlalchemy import Engine

from layers.spacing import grid_spacing_m
from twin._errors import TwinError
from twin.impact import Impact, assess_impact
from twin.runs._json import jsonable, records
from twin.runs.files import replace_dir, staging_dir, write_outputs, write_summary
from twin.runs.record import finish_run, start_run
from twin.runs.warnings import issue_run_alerts

if TYPE_CHECKING:
    from layers import City
    from twin._scenario_forcing import Forcing
    from twin.alerts.sign import CapSigner

__all__ = ["Progress", "RunContext", "RunPlan", "RunResult", "execute", "open_run", "simulate"]

_log = logging.getLogger("twin.runs")

Progress = Callable[[str, float], None]
"""``progress(stage, fraction)``: the stage's name and how far the whole run is (0-1)."""

# where each stage starts on the progress bar; the solver takes the span from forcing to solve
_STAGES = {"forcing": 0.02, "solve": 0.05, "impact": 0.85, "write": 0.93, "done": 1.0}


@dataclass(frozen=True)
class RunPlan:
    """The inputs of a run's stages after its forcing.

    Attributes
    ----------
    city
        The city the run floods.
    start
        Aware start of the simulated time (elapsed seconds count from it).
    duration_s, output_every_s
        Length of the run and output interval (s).
    output_format, dtype
        ``netcdf`` or ``zarr``; solver precision.
    save_state
        ``(time_s, path)``: save the model state when the model reaches ``time_s``.
    alert_time
        Time of issue of the warnings (default: ``start``).
    signer
        Signs the CAP files (None: unsigned).
    summary
        Entries of the summary particular to the kind of run.
    files
        Text files of the kind of run (name -> text), e.g. ``scenario.json``.
    """

    city: City
    start: pd.Timestamp
    duration_s: float
    output_every_s: float
    output_format: str = "netcdf"
    dtype: str = "float32"
    save_state: tuple[float, Path] | None = None
    alert_time: datetime | None = None
    signer: CapSigner | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class RunResult:
    """What a finished run gives back."""

    run_id: str
    out_dir: Path
    summary: dict[str, Any]
    impact: Impact
    result: xr.Dataset
    alerts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunContext:
    """A run under way: its id, folder, kind, summary so far, timings and progress."""

    run_id: str
    name: str
    kind: str
    out_dir: Path
    report: Progress
    summary: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    t0: float = field(default_factory=_time.perf_counter)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Report the stage ``name`` and time it into ``timings[name + '_s']``."""
        self.report(name, _STAGES[name])
        t = _time.perf_counter()
        yield
        self.timings[f"{name}_s"] = _time.perf_counter() - t


@contextmanager
def open_run(
    engine: Engine,
    name: str,
    kind: str,
    out_dir: str | Path,
    *,
    run_id: str | None = None,
    progress: Progress | None = None,
) -> Iterator[RunContext]:
    """Record a run as running; record it as failed if the block raises.

    Parameters
    ----------
    engine
        Database of the ``runs`` table.
    name, kind
        The scenario's name (or the nowcast's) and ``scenario`` or ``nowcast``.
    out_dir
        Folder of the run's files.
    run_id
        The run's id (at most 32 characters; default a new random hex id).
    progress
        ``progress(stage, fraction)``.
    """
    run_id = run_id or uuid.uuid4().hex
    if len(run_id) > 32:
        raise TwinError(f"a run id has at most 32 characters, got {len(run_id)}")
    run = RunContext(
        run_id=run_id,
        name=name,
        kind=kind,
        out_dir=Path(out_dir).resolve(),
        report=progress or (lambda stage, fraction: None),
        summary={"run_id": run_id, "scenario": name, "kind": kind},
    )
    start_run(engine, run_id, name, kind, run.out_dir)
    try:
        yield run
    except BaseException as exc:
        finish_run(engine, run_id, "failed", run.summary, error=str(exc) or type(exc).__name__)
        # type and message: "ValueError" alone does not say what to fix
        _log.warning("%s run %s (%s) failed: %s: %s", kind, run_id, name, type(exc).__name__, exc)
        raise


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
    from twin._scenario_forcing import apply_forcing

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


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float | bool | np.generic)


def execute(run: RunContext, plan: RunPlan, forcing: Forcing, *, engine: Engine) -> RunResult:
    """The stages after the forcing: simulate, impact, warnings, files, record.

    Parameters
    ----------
    run
        From :func:`open_run` (the run's id, folder and progress).
    plan
        The run's inputs.
    forcing
        The model inputs built in the run's ``forcing`` stage.
    engine
        Database of the runs, the alerts (and the sensors).

    Returns
    -------
    RunResult
    """
    lo, hi = _STAGES["solve"], _STAGES["impact"]
    with run.stage("solve"):
        result, balance = simulate(
            forcing,
            duration_s=plan.duration_s,
            output_every_s=plan.output_every_s,
            dtype=plan.dtype,
            progress=lambda f: run.report("solve", lo + (hi - lo) * f),
            save_state=plan.save_state,
        )
    with run.stage("impact"):
        impact = assess_impact(
            plan.city, result, start=plan.start, dam_operations=forcing.dam_operations
        )
        alerts, alert_writer = issue_run_alerts(
            impact,
            plan.city,
            start=plan.start,
            engine=engine,
            status="Actual" if run.kind == "nowcast" else "Exercise",
            run_id=run.run_id,
            now=plan.alert_time,
            signer=plan.signer,
        )
    ny, nx = forcing.elevation.shape
    cell_m = grid_spacing_m(forcing.elevation)[0]
    summary = run.summary
    summary.update(
        {
            "start": plan.start.tz_convert("UTC").isoformat(),
            "duration_s": plan.duration_s,
            "output_every_s": plan.output_every_s,
            "grid": {
                "ny": ny,
                "nx": nx,
                "cells": ny * nx,
                "cell_m": cell_m,
            },
            "rain_mean_total_mm": forcing.rain_mean_total_mm,
            "totals": impact.totals,
            "volume_balance": balance,
            "solver": {
                k: jsonable(v) for k, v in result.attrs.items() if _scalar(v) and k not in balance
            },
            "gauges": records(impact.gauge_summary),
            "dams": records(impact.dams),
            "circuits_to_switch_off": records(impact.circuits),
            "alerts": len(alerts),
            **plan.summary,
        }
    )
    run.report("write", _STAGES["write"])
    t = _time.perf_counter()
    tmp = staging_dir(run.out_dir)
    try:
        for fname, text in plan.files.items():
            (tmp / fname).write_text(text, encoding="utf-8")
        summary["files"] = write_outputs(
            tmp,
            result=result,
            impact=impact,
            city=plan.city,
            start=plan.start,
            output_format=plan.output_format,
            alerts=alerts,
            alert_writer=alert_writer,
            title=run.name,
        )
        # the summary is the last file: its timings are those of the whole run
        run.timings["write_s"] = _time.perf_counter() - t
        run.timings["total_s"] = _time.perf_counter() - run.t0
        summary["timings"] = run.timings
        write_summary(tmp, summary)
        replace_dir(tmp, run.out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    run.report("done", _STAGES["done"])
    finish_run(engine, run.run_id, "finished", summary)
    return RunResult(run.run_id, run.out_dir, summary, impact, result, alerts)
