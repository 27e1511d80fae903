"""A word while the kernels compile, once; the compiled kernels cached where they can be written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A kernel in a module named like the solver's, so the listener takes it for one (compiling the
# real kernels takes a minute; this takes a second).
PROBE = """
from numba import njit


@njit(cache=True)
def total(a):
    s = 0.0
    for v in a:
        s += v
    return s
"""

RUN_PROBE = """
import importlib.util, sys
import numpy as np
import hydro
spec = importlib.util.spec_from_file_location("hydro._compile_probe", sys.argv[1])
probe = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = probe
spec.loader.exec_module(probe)
print(probe.total(np.ones(4, dtype=np.float32)), probe.total(np.ones(2, dtype=np.float32)))
"""


def _python(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_first_compile_says_so_once_and_the_next_process_loads_the_cache(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    cache = tmp_path / "cache"
    env = {"NUMBA_CACHE_DIR": str(cache)}

    first = _python(RUN_PROBE, str(probe), env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["4.0", "2.0"]
    said = [line for line in first.stderr.splitlines() if "compiling the flood model" in line]
    assert said == [
        f"hydro: compiling the flood model (float32), once, about a minute; "
        f"later runs load it from {cache}"
    ]
    assert list(cache.rglob("*.nbi")), "nothing was cached"

    second = _python(RUN_PROBE, str(probe), env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["4.0", "2.0"]
    assert "compiling" not in second.stderr


def test_listener_ignores_other_code_and_integer_helpers(monkeypatch) -> None:
    from numba import types
    from numba.core import event

    from hydro import _compile

    said: list[str] = []
    monkeypatch.setattr(_compile, "notify", said.append)
    listener = _compile._FirstCompile()

    def start(module: str, *args: object) -> None:
        def f() -> None: ...

        f.__module__ = module
        dispatcher = type("D", (), {"py_func": f})()
        listener.on_start(
            event.Event(
                "numba:compile",
                event.EventStatus.START,
                data={"dispatcher": dispatcher, "args": args},
            )
        )

    start("somebody.else", types.float32[:, :])
    start("hydro._kernels", types.int64[:])
    assert said == []
    start("hydro._kernels", types.float32[:, :], types.int64)
    start("hydro._kernels", types.float32[:])
    start("hydro._kernels", types.float64[:, :])
    assert [s.split("(")[1].split(")")[0] for s in said] == ["float32", "float64"]


FALLBACK = """
import os
from numba.core import config
import hydro._compile as c
assert os.environ.get("NUMBA_CACHE_DIR") is None and not config.CACHE_DIR
c._writable = lambda folder: False  # as in a read-only image whose user has no home
folder = c.cache_dir()
print(folder, os.environ["NUMBA_CACHE_DIR"], config.CACHE_DIR)
"""


def test_nowhere_writable_falls_back_to_a_temporary_folder() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", FALLBACK],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    folder, from_env, from_config = done.stdout.split()
    assert folder == from_env == from_config
    assert Path(folder).name == f"hue-twin-numba-{os.getuid()}"
