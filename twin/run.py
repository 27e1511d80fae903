"""Run a scenario: its forcing, then the stages every run shares (:mod:`twin.runs`).

``run_scenario`` writes the run's folder (:mod:`twin.runs.files`: flood, impact, CAP alerts,
map, summary, and ``scenario.json``, the scenario as run) all or nothing, and records the run
in the ``runs`` table.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from twin._scenario_check import load_city_cached
from twin._scenario_forcing import build_forcing
from twin.alerts.sign import CapSigner
from twin.runs import Progress, RunPlan, RunResult, execute, open_run
from twin.scenario import Scenario

__all__ = ["run_scenario"]


def run_scenario(
    scenario: Scenario | str | Path,
    out_dir: str | Path,
    *,
    progress: Progress | None = None,
    engine: Engine,
    signer: CapSigner | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Run a scenario and write its files into ``out_dir`` (see :mod:`twin.runs.files`).

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
    run_id
        The run's id (default: a new one).

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
    sc = scenario if isinstance(scenario, Scenario) else Scenario.from_toml(scenario)
    city = load_city_cached(sc.city_path())
    plan = RunPlan(
        city=city,
        start=sc.start_utc,
        duration_s=sc.duration_s,
        output_every_s=sc.output.every.total_seconds(),
        output_format=sc.output.format,
        dtype=sc.output.dtype,
        signer=signer,
        summary={
            "scenario_file": str(sc.source) if sc.source else None,
            "resolution_m": sc.resolution_m,
            "description": sc.description,
        },
        files={"scenario.json": json.dumps(sc.to_toml_dict(), indent=2, ensure_ascii=False)},
    )
    with open_run(engine, sc.name, "scenario", out_dir, run_id=run_id, progress=progress) as run:
        with run.stage("forcing"):
            forcing = build_forcing(sc, city, engine=engine)
        return execute(run, plan, forcing, engine=engine)
