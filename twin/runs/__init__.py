"""Runs: the one owner of a scenario or nowcast run.

- :mod:`twin.runs.record`: its record, the ``runs`` table (get, list, the latest finished);
- :mod:`twin.runs.files`: its folder (layout, writing all or nothing, the result, the summary);
- :mod:`twin.runs.stages`: its execution, forcing -> simulate -> impact -> warnings -> record;
- :mod:`twin.runs.warnings`: the warnings stage, and publishing a run's warnings later.

A run has one id everywhere: its record's, its summary's ``run_id``, its CAP messages',
and, for the runs the service makes, its folder's name and its id in the API.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from twin.runs.files import (
    RESULT_FILES,
    open_result,
    read_summary,
    result_path,
    write_outputs,
    write_summary,
)
from twin.runs.record import (
    RunRecord,
    finished_runs,
    get_run,
    latest_finished,
    list_runs,
    recorded_ids,
)
from twin.runs.stages import Progress, RunContext, RunPlan, RunResult, execute, open_run, simulate
from twin.runs.warnings import issue_run_alerts, publish_run_alerts

__all__ = [
    "RESULT_FILES",
    "Progress",
    "RunContext",
    "RunPlan",
    "RunRecord",
    "RunResult",
    "execute",
    "finished_runs",
    "get_run",
    "issue_run_alerts",
    "latest_finished",
    "latest_result",
    "list_runs",
    "open_result",
    "open_run",
    "publish_run_alerts",
    "read_summary",
    "recorded_ids",
    "result_path",
    "simulate",
    "write_outputs",
    "write_summary",
]


def latest_result(engine: Engine, *, kind: str | None = None) -> Path | None:
    """The flood result of the last finished run (of ``kind``) that still has one, or None."""
    for record in finished_runs(engine, kind=kind):
        found = result_path(record["out_dir"])
        if found is not None:
            return found
    return None
