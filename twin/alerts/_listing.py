"""Pages of issued messages for ``GET /alerts``: filtered by ward and lifecycle state in SQL,
newest first, a keyset cursor on ``seq`` (the work is one page, however many messages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Engine, and_, or_, select

from twin._time import as_utc
from twin.alerts.store import AlertRecord, AlertRow, AlertWardRow, _record
from twin.db import session_scope

__all__ = ["alerts_page"]


def _in_state(state: str, now: datetime) -> ColumnElement[bool]:
    """Messages in lifecycle ``state`` at ``now`` (an active message past ``expires`` is
    expired, before the next issuance records it so)."""
    past = and_(AlertRow.expires.is_not(None), AlertRow.expires <= now)
    if state == "expired":
        return or_(AlertRow.state == "expired", and_(AlertRow.state == "active", past))
    if state == "active":
        return and_(AlertRow.state == "active", ~past)
    return AlertRow.state == state


def alerts_page(
    engine: Engine,
    *,
    ward: str | None = None,
    state: str | None = None,
    now: datetime,
    limit: int = 100,
    before_seq: int | None = None,
) -> tuple[list[tuple[AlertRecord, list[str]]], int | None]:
    """One page of messages, newest first, each with its wards.

    Parameters
    ----------
    ward
        Only messages whose areas carry this geocode (read through ``alert_wards``).
    state
        Only messages in this lifecycle state at ``now``.
    before_seq
        The cursor of the previous page (its last message's ``seq``).

    Returns
    -------
    (list of (AlertRecord, wards), int or None)
        The page, and the cursor of the next page (None on the last).
    """
    query = select(AlertRow)
    if ward is not None:
        query = query.join(AlertWardRow, AlertWardRow.identifier == AlertRow.identifier).where(
            AlertWardRow.ward_id == ward
        )
    if state is not None:
        query = query.where(_in_state(state, as_utc(now)))
    if before_seq is not None:
        query = query.where(AlertRow.seq < before_seq)
    query = query.order_by(AlertRow.seq.desc()).limit(limit + 1)
    with session_scope(engine) as session:
        rows = session.scalars(query).all()[: limit + 1]
        page = rows[:limit]
        wards: dict[str, list[str]] = {r.identifier: [] for r in page}
        if page:
            found = session.execute(
                select(AlertWardRow.identifier, AlertWardRow.ward_id)
                .where(AlertWardRow.identifier.in_(list(wards)))
                .order_by(AlertWardRow.identifier, AlertWardRow.position)
            ).all()
            for identifier, ward_id in found:
                wards[identifier].append(ward_id)
        out = [(_record(r), wards[r.identifier]) for r in page]
        cursor = page[-1].seq if len(rows) > limit else None
    return out, cursor
