"""Shared bits of the hydro benchmark scripts: machine description, results file, tables."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parent.parent
#: The project's shared reference data (full benchmark inputs), beside the repository.
REFDATA = REPO.parent / "shared" / "refdata" / "benchmarks"
TEST_DATA = REPO / "tests" / "hydro" / "data"


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what :func:`platform.processor` says."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return cpu


def machine() -> dict[str, Any]:
    """CPU, cores, versions and the load average (timings on a shared machine vary)."""
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "numba_threads": numba.get_num_threads(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
    }


def markdown(frame: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A DataFrame as a markdown table (no tabulate dependency)."""
    cols = [frame.index.name or ""] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---:|" * len(cols)]
    for idx, row in frame.iterrows():
        cells = [str(idx)] + [_cell(v, floatfmt) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: Any, floatfmt: str) -> str:
    if isinstance(value, float | np.floating):
        if value != 0 and abs(value) < 1e-3:
            return f"{value:.1e}"
        return format(value, floatfmt)
    return str(value)


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>-<UTC time>.json`` and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, default=_plain))
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, pd.DataFrame):
        return json.loads(value.to_json(orient="index"))
    return str(value)
