"""Persistence: one SQLAlchemy 2 engine and a declarative base for every table of the twin.

The embedded default is a SQLite file in WAL mode with ``synchronous=FULL``: a transaction
that has returned from ``commit()`` is on disk and survives a crash of the process (and of
the machine). PostgreSQL is used when a ``postgresql://`` URL is given.

Each part of the twin (sensors, alerts, dispatch, runs, reports, keys) declares its tables on
:class:`Base` in its own module (:data:`TABLE_MODULES`). :func:`create_schema` brings a
database to the latest schema with the Alembic migrations of ``twin/migrations``, whichever
modules were imported: a new database gets every table, a database of an earlier release
is upgraded in place.
"""

from __future__ import annotations

import importlib
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from layers._extras import install_hint
from twin._errors import TwinError

__all__ = [
    "TABLE_MODULES",
    "Base",
    "create_schema",
    "make_engine",
    "schema_metadata",
    "session_scope",
    "writes",
]

#: The modules that declare the twin's tables.
TABLE_MODULES = (
    "twin.sensors.store",
    "twin.alerts.store",
    "twin.dispatch._tables",
    "twin.reports.service_requests",
    "twin.runs.record",
    "twin.keys",
    "twin.operate._tables",
)
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x7477696E  # "twin": the advisory lock key of migrations on PostgreSQL


class Base(DeclarativeBase):
    """Declarative base shared by every table of the twin."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; FULL makes each commit durable.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | None, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``.

    The twin reads no environment: the service and the CLI take the URL from their settings
    (:class:`api.settings.Settings`, ``TWIN_DATABASE_URL`` or ``TWIN_DATA_DIR``).

    Parameters
    ----------
    url
        A SQLAlchemy URL. ``sqlite:///path.db`` makes the parent folder if needed.
        None is an error (kept in the type for callers that pass an optional URL on).
    echo
        Log SQL statements.

    Returns
    -------
    sqlalchemy.Engine
        On a database at the latest schema (:func:`create_schema`).

    Raises
    ------
    TwinError
        When no URL is given.

    Examples
    --------
    >>> engine = make_engine("sqlite://")
    >>> engine.dialect.name
    'sqlite'
    """
    if not url:
        raise TwinError("no database URL given: pass one, e.g. sqlite:///data/hue/twin.db")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, echo=echo, future=True)
    except ModuleNotFoundError as exc:  # the URL's driver is an extra
        shown = make_url(url).render_as_string(hide_password=True)
        raise TwinError(
            f"the database {shown} needs the Python module {exc.name!r}, which is not installed: "
            f"for PostgreSQL use postgresql+psycopg://... and {install_hint('postgres')}"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    create_schema(engine)
    return engine


def schema_metadata() -> MetaData:
    """The metadata of every table of the twin (each module of :data:`TABLE_MODULES` imported)."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return Base.metadata


def create_schema(engine: Engine) -> None:
    """Bring the database to the latest schema: run the migrations it has not had yet.

    A new database gets every table; one made by a release before migrations (its tables
    made by ``create_all``, no ``alembic_version``) is taken from its tables on, and upgraded.
    """
    from alembic import command
    from alembic.config import Config

    schema_metadata()
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # processes starting together (service workers) migrate one after the other
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


_write_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_write_locks_guard = threading.Lock()


def writes(engine: Engine) -> AbstractContextManager[Any]:
    """Hold while writing to the database: one writer at a time on SQLite (per engine).

    SQLite lets one transaction write at once and makes the others retry with growing sleeps;
    queueing the writers of this process in order keeps the latency of each write flat. The
    stores take it themselves, so their callers cannot forget it; it is re-entrant, so a
    caller that holds it around several writes may call them. Other databases need no queue.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _write_locks_guard:
        lock = _write_locks.get(engine)
        if lock is None:
            lock = _write_locks[engine] = threading.RLock()
    return lock


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error.

    Nothing is half-written: either every change inside the block lands, or none.
    """
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
