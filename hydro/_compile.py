"""Where numba caches the flood model's kernels, and a word while it compiles them.

The kernels (``cache=True``) are compiled on their first call, once per dtype: about a minute
on two cores, during which a run would otherwise sit silent at its first progress step. Later
processes load them from numba's cache in about a second. numba writes its cache next to the
sources (``hydro/__pycache__``) when it can, else in the user's cache folder
(``~/.cache/numba``); an installation that can write neither (a read-only image whose user has
no home) would fail at import, so then the cache goes to a folder in the temporary directory,
through ``NUMBA_CACHE_DIR`` (a ``NUMBA_CACHE_DIR`` the user set and numba can write wins).

Importing this module (``hydro/__init__`` does, before the kernels) sets the cache folder and
installs a numba event listener: the first time a hydro kernel is compiled for a dtype in this
process, :data:`notify` is called with :data:`COMPILE_MESSAGE` (by default a line on stderr,
which a rich progress bar shows above itself).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from numba.core import config, event

__all__ = ["COMPILE_MESSAGE", "cache_dir", "notify", "precompile"]

COMPILE_MESSAGE = (
    "hydro: compiling the flood model ({dtype}), once, about a minute; "
    "later runs load it from {cache}"
)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


notify: Callable[[str], None] = _stderr
"""Called with the message when compiling starts; replace it to route the message elsewhere."""


def _writable(folder: Path) -> bool:
    # the test numba's own cache locators make
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def cache_dir() -> Path:
    """The folder numba caches the kernels in (choosing a writable one if it has none).

    numba's own order: ``NUMBA_CACHE_DIR``, then ``__pycache__`` next to the sources, then the
    user's cache folder, each only where it can write.
    """
    chosen = getattr(config, "CACHE_DIR", "")  # NUMBA_CACHE_DIR, as numba read it
    in_tree = Path(__file__).resolve().parent / "__pycache__"
    user_wide = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "numba"
    candidates = ([Path(chosen)] if chosen else []) + [in_tree, user_wide]
    for folder in candidates:
        if _writable(folder):
            return folder
    fallback = Path(tempfile.gettempdir()) / f"hue-twin-numba-{os.getuid()}"
    os.environ["NUMBA_CACHE_DIR"] = str(fallback)  # also for worker processes started later
    config.reload_config()
    return fallback


class _FirstCompile(event.Listener):
    """Calls :data:`notify` once per dtype, when a hydro kernel starts compiling."""

    def __init__(self) -> None:
        self.announced: set[str] = set()

    def on_start(self, ev: event.Event) -> None:
        dispatcher = ev.data.get("dispatcher") if isinstance(ev.data, dict) else None
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if not module.startswith("hydro."):
            return
        dtypes = [str(a.dtype) for a in ev.data.get("args", ()) if hasattr(a, "dtype")]
        dtype = next((d for d in dtypes if d.startswith("float")), None)
        if dtype is None or dtype in self.announced:  # helpers on integers compile in a blink
            return
        self.announced.add(dtype)
        notify(COMPILE_MESSAGE.format(dtype=dtype, cache=_CACHE))

    def on_end(self, ev: event.Event) -> None:
        pass


def precompile(dtypes: tuple[str, ...] = ("float32", "float64")) -> None:
    """Compile (or load from the cache) the kernels a run uses, by running a tiny model.

    An image build or a test session calls it once, so that no later run waits.
    """
    import numpy as np
    import xarray as xr

    from hydro.model import FloodModel

    x = (np.arange(8) + 0.5) * 10.0
    dem = xr.DataArray(
        np.add.outer(np.zeros(8), 0.01 * x), coords={"y": x[::-1], "x": x}, dims=("y", "x")
    )
    for dtype in dtypes:
        model = FloodModel(dem, dtype=dtype)
        model.add_rain(50.0)
        model.add_inflow(x=15.0, y=15.0, discharge=1.0)
        model.set_boundary("east", "free")
        model.set_boundary("west", "level", level=0.5)
        model.run(until=60)


def _install() -> Any:
    listener = _FirstCompile()
    event.register("numba:compile", listener)
    return listener


_CACHE = cache_dir()
_LISTENER = _install()
