"""hydro sets OMP_WAIT_POLICY=passive for numba's OpenMP threads, unless the user chose."""

from __future__ import annotations

import os
import subprocess
import sys


def _policy(env: dict[str, str]) -> str:
    code = "import hydro, os; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_omp_threads_sleep_instead_of_spinning() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert _policy(env) == "passive"
    assert _policy({**env, "OMP_WAIT_POLICY": "active"}) == "active"
