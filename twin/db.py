"""Persistence: one SQLAlchemy 2 engine and a declarative base for every table of the twin.

The embedded default is a SQLite file in WAL mode with ``synchronous=FULL``: a transaction
that has returned from ``commit()`` is on disk and survives a crash of the process (and of
the machine). PostgreSQL is used when a ``postgresql://`` URL is given.

Each part of the twin (sensors, alerts, dispatch, runs, reports) declares its tables on
:class:`Base` in its own module; :func:`create_all` makes the tables that are missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from twin._errors import TwinError

__all__ = ["Base", "create_all", "make_engine", "session_scope"]


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
        With the tables of every imported twin module created.

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
    engine = create_engine(url, echo=echo, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    create_all(engine)
    return engine


def create_all(engine: Engine) -> None:
    """Create every table declared on :class:`Base` that does not exist yet."""
    Base.metadata.create_all(engine)


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
