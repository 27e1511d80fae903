"""hydro sets OMP_WAIT_POLICY=passive and a short GOMP_SPINCOUNT for numba's OpenMP threads,
unless the user chose."""

from __future__ import annotations

import os
import subprocess
import sys


def _policy(env: dict[str, str], name: str = "OMP_WAIT_POLICY") -> str:
    code = f"import hydro, os; print(os.environ[{name!r}])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_omp_threads_sleep_instead_of_spinning() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert _policy(env) == "passive"
    assert _policy({**env, "OMP_WAIT_POLICY": "active"}) == "active"


def test_workers_spin_briefly_between_the_regions_of_a_step() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    assert int(_policy(env, "GOMP_SPINCOUNT")) == 5000
    assert _policy({**env, "GOMP_SPINCOUNT": "0"}, "GOMP_SPINCOUNT") == "0"
