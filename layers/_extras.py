"""Optional parts of hue-twin: import one, or say which extra installs it.

The core (the demo city, scenario runs, nowcasts, the service on SQLite) needs none of these;
``pip install "hue-twin[all]"`` installs them all and the ``test`` extra pulls them in too.
Every package uses this helper, so ``layers`` (the bottom of ``layers -> hydro -> twin -> api``)
holds it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

__all__ = ["EXTRAS", "import_extra", "install_hint"]

EXTRAS: dict[str, tuple[str, ...]] = {
    "postgres": ("psycopg",),
    "dask": ("dask", "distributed"),
    "parquet": ("pyarrow",),
    "osm": ("pyrosm",),
}
"""Each extra of ``pyproject.toml`` and the top-level modules it provides."""


def install_hint(extra: str) -> str:
    """The command that installs an extra.

    Examples
    --------
    >>> install_hint("dask")
    'pip install "hue-twin[dask]"'
    """
    if extra not in EXTRAS:
        raise KeyError(f"no extra {extra!r}; the extras are {', '.join(EXTRAS)}")
    return f'pip install "hue-twin[{extra}]"'


def import_extra(
    module: str,
    extra: str,
    purpose: str,
    error: Callable[[str], Exception] = ImportError,
) -> ModuleType:
    """Import ``module`` of an optional extra, or raise ``error`` saying what to install.

    Parameters
    ----------
    module
        The module to import, e.g. ``"distributed"``.
    extra
        The extra of ``pyproject.toml`` that installs it (a key of :data:`EXTRAS`).
    purpose
        What needs it, to start the message with (``"an ensemble on Dask"``).
    error
        The exception type to raise (the caller's package error), called with the message.

    Examples
    --------
    >>> import_extra("no_such_module", "dask", "an ensemble on Dask")
    Traceback (most recent call last):
    ...
    ImportError: an ensemble on Dask needs no_such_module, which is not installed: \
pip install "hue-twin[dask]"
    """
    hint = install_hint(extra)
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise error(f"{purpose} needs {module}, which is not installed: {hint}") from exc
