"""Persistence: one SQLAlchemy 2 engine and a declarative base for every table of the twin.

The embedded default is a SQLite file in WAL mode with ``synchronous=FULL``: a transaction
that has returned from ``commit()`` is on disk and survives a crash of the process (and of
the machine). PostgreSQL is used when a ``postgresql://`` URL is given.

Each part of the twin (sensors, alerts, dispatch, runs, reports) declares its tables on
:class:`Base` in its own module; :func:`create_all` makes the tables that are missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from layers._extras import install_hint
from twin._errors import TwinError

__all__ = ["DEFAULT_DATABASE_URL", "Base", "create_all", "make_engine", "session_scope"]

DEFAULT_DATABASE_URL = "sqlite:///data/hue/twin.db"


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


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (default: ``TWIN_DATABASE_URL`` or a local SQLite file).

    Parameters
    ----------
    url
        A SQLAlchemy URL. ``sqlite:///path.db`` makes the parent folder if needed.
    echo
        Log SQL statements.

    Returns
    -------
    sqlalchemy.Engine
        With the tables of every imported twin module created.

    Examples
    --------
    >>> engine = make_engine("sqlite://")
    >>> engine.dialect.name
    'sqlite'
    """
    url = url or os.environ.get("TWIN_DATABASE_URL") or DEFAULT_DATABASE_URL
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
