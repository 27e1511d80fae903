"""What every ``twin`` command shares: the consoles, the settings, the engine, the error guard.

The settings (:class:`api.settings.Settings`, the ``TWIN_*`` variables) are the only source of
configuration: the database and every folder a command writes by default come from them, never
from the current folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from api.settings import Settings
    from twin.alerts.sign import CapSigner

__all__ = [
    "DB_OPTION",
    "data_dir",
    "engine",
    "err",
    "fail",
    "guard",
    "handled_errors",
    "out",
    "settings",
    "setup_logging",
    "signer",
]


def out() -> Console:
    """The console of the results (made at each use: the terminal's width of that moment)."""
    return Console()


def err() -> Console:
    """The console of errors and progress (stderr)."""
    return Console(stderr=True)


DB_OPTION = typer.Option(
    "--database-url",
    help="SQLAlchemy URL (default: TWIN_DATABASE_URL, else twin.db in TWIN_DATA_DIR).",
)


def settings() -> Settings:
    """The ``TWIN_*`` settings (read from the environment at each call)."""
    from api.settings import Settings

    return Settings()


def setup_logging() -> None:
    """Log as ``TWIN_LOG_FORMAT`` and ``TWIN_LOG_LEVEL`` say (text at INFO while the settings
    are invalid: the command then reports them itself)."""
    from pydantic import ValidationError

    from api._logs import configure_logging

    try:
        s = settings()
    except ValidationError:
        configure_logging()
        return
    configure_logging(s.log_format, s.log_level)


def data_dir() -> Path:
    """The data folder of the settings (absolute), where commands write by default."""
    return Path(settings().data_dir).resolve()


def engine(database_url: str | None = None) -> Engine:
    """The database engine: ``database_url`` when given, else the settings' database."""
    from twin.db import make_engine

    return make_engine(database_url or settings().resolved_database_url)


def signer() -> CapSigner | None:
    """The CAP signer of the settings (None when no key is configured)."""
    from twin.alerts.sign import CapSigner

    s = settings()
    return CapSigner.configured(s.cap_signing_key, s.cap_signing_cert)


def handled_errors() -> tuple[type[BaseException], ...]:
    """The errors a command reports as a one-line message (exit 2) instead of a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from hydro import HydroError
    from layers import LayerError
    from twin import TwinError

    return (TwinError, LayerError, HydroError, SQLAlchemyError, OSError, ValueError, TimeoutError)


def fail(message: object) -> typer.Exit:
    """Print ``error: message`` on stderr; the exit (code 2) to raise."""
    err().print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@contextmanager
def guard() -> Iterator[None]:
    """Turn a handled error (:func:`handled_errors`) into its message and exit code 2."""
    try:
        yield
    except handled_errors() as exc:
        raise fail(exc) from None
