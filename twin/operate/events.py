"""The scheduler's audit log: every decision it takes, one row each, in the database.

Kinds: ``cycle_started``, ``trigger``, ``ingested``, ``ingest_failed``, ``run_finished``,
``run_failed``, ``published``, ``reranked``, ``cycle_done``, ``cycle_skipped``,
``feed_silent``, ``operator_alert``. An operator alert (a feed silent past its limit, a run
that failed) is also logged at WARNING.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from twin._time import as_utc
from twin.db import session_scope, writes
from twin.operate._tables import EventRow

__all__ = ["EVENT_KINDS", "OperateEvent", "list_events", "record_event"]

EVENT_KINDS = (
    "cycle_started",
    "trigger",
    "ingested",
    "ingest_failed",
    "run_finished",
    "run_failed",
    "published",
    "reranked",
    "cycle_done",
    "cycle_skipped",
    "feed_silent",
    "operator_alert",
)

log = logging.getLogger("twin.operate")


@dataclass(frozen=True, slots=True)
class OperateEvent:
    """One stored decision."""

    id: int
    time: datetime
    owner: str
    kind: str
    cycle: str
    run_id: str | None
    detail: dict[str, Any]


def record_event(
    engine: Engine,
    kind: str,
    *,
    time: datetime,
    owner: str,
    cycle: str = "",
    run_id: str | None = None,
    **detail: Any,
) -> None:
    """Store one decision (and log it; operator alerts at WARNING)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown operate event kind {kind!r}; one of {', '.join(EVENT_KINDS)}")
    text = json.dumps(detail, sort_keys=True, default=str)
    level = logging.WARNING if kind in ("operator_alert", "feed_silent") else logging.INFO
    log.log(level, "%s cycle=%s run=%s %s", kind, cycle or "-", run_id or "-", text)
    with writes(engine), session_scope(engine) as session:
        session.add(
            EventRow(
                time=as_utc(time), owner=owner, kind=kind, cycle=cycle, run_id=run_id, detail=text
            )
        )


def list_events(
    engine: Engine, *, kind: str | None = None, cycle: str | None = None
) -> list[OperateEvent]:
    """The stored decisions in the order they were taken (filtered by kind or cycle)."""
    query = select(EventRow).order_by(EventRow.id)
    if kind is not None:
        query = query.where(EventRow.kind == kind)
    if cycle is not None:
        query = query.where(EventRow.cycle == cycle)
    with session_scope(engine) as session:
        rows = session.scalars(query).all()
        return [
            OperateEvent(r.id, r.time, r.owner, r.kind, r.cycle, r.run_id, json.loads(r.detail))
            for r in rows
        ]
