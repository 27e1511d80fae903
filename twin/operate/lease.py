"""A lease in the database: one holder at a time, across processes and machines.

The lease is one row (name, owner, expires). It is taken or renewed by one conditional UPDATE
(``WHERE owner = me OR expires < now``), atomic on SQLite and PostgreSQL alike; a lease that
has no row yet is taken by an INSERT that the primary key lets only one writer win. A holder
that dies stops renewing, and after ``expires`` another scheduler takes the lease over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError

from twin._time import as_utc
from twin.db import session_scope, writes
from twin.operate._tables import LeaseRow

__all__ = ["lease_holder", "release_lease", "take_lease"]


def take_lease(engine: Engine, name: str, owner: str, *, now: datetime, ttl_s: float) -> bool:
    """Take (or renew) the lease ``name`` for ``owner`` until ``now + ttl_s``.

    Parameters
    ----------
    engine
        The twin's database.
    name
        The lease, e.g. ``"operate"``.
    owner
        Who asks (unique per scheduler: host, process and a random part).
    now
        Aware time of the request (the scheduler's clock).
    ttl_s
        How long the lease holds without renewal (s, > 0).

    Returns
    -------
    bool
        True when ``owner`` holds the lease now.
    """
    now = as_utc(now)
    until = now + timedelta(seconds=ttl_s)
    with writes(engine), session_scope(engine) as session:
        done = session.execute(
            update(LeaseRow)
            .where(
                LeaseRow.name == name,
                or_(LeaseRow.owner == owner, LeaseRow.expires < now),
            )
            .values(owner=owner, expires=until)
        )
        if done.rowcount:  # type: ignore[attr-defined]
            return True
        if session.get(LeaseRow, name) is not None:
            return False
    try:
        with writes(engine), session_scope(engine) as session:
            session.add(LeaseRow(name=name, owner=owner, expires=until))
    except IntegrityError:
        return False  # another scheduler inserted it first
    return True


def release_lease(engine: Engine, name: str, owner: str) -> None:
    """Give the lease back now (only when ``owner`` holds it)."""
    with writes(engine), session_scope(engine) as session:
        row = session.get(LeaseRow, name)
        if row is not None and row.owner == owner:
            session.delete(row)


def lease_holder(engine: Engine, name: str, *, now: datetime) -> str | None:
    """Who holds ``name`` at ``now`` (None when nobody, or the lease expired)."""
    with session_scope(engine) as session:
        row = session.scalars(select(LeaseRow).where(LeaseRow.name == name)).first()
        if row is None or row.expires < as_utc(now):
            return None
        return row.owner
