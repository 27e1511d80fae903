"""The record of a run: one row of the ``runs`` table per scenario or nowcast run.

A run has one id everywhere: the row's ``id``, the ``run_id`` of its summary and of its CAP
messages, and (for the runs the service makes) the name of its folder and its id in the API.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Index, String, Text, and_, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from twin._errors import NotFoundError
from twin._time import UTCDateTime
from twin.db import Base, session_scope
from twin.runs._json import jsonable

__all__ = [
    "RunRecord",
    "finish_run",
    "finished_runs",
    "get_run",
    "latest_finished",
    "list_runs",
    "recorded_ids",
    "start_run",
]


class RunRecord(Base):
    """One run of a scenario or a nowcast (the ``runs`` table)."""

    __tablename__ = "runs"
    # the runs newest first, page by page (keyset on started, id)
    __table_args__ = (Index("ix_runs_started_id", "started", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="scenario")
    status: Mapped[str] = mapped_column(String(20))
    started: Mapped[datetime] = mapped_column(UTCDateTime())
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    out_dir: Mapped[str] = mapped_column(Text)
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    def as_dict(self) -> dict[str, Any]:
        """The record as plain data (summary parsed)."""
        return {
            "id": self.id,
            "scenario": self.scenario,
            "kind": self.kind,
            "status": self.status,
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "out_dir": self.out_dir,
            "summary": json.loads(self.summary_json or "{}"),
            "error": self.error,
        }


def start_run(engine: Engine, run_id: str, name: str, kind: str, out_dir: Path) -> None:
    """Record a run as ``running`` from now on."""
    with session_scope(engine) as s:
        s.add(
            RunRecord(
                id=run_id,
                scenario=name,
                kind=kind,
                status="running",
                started=datetime.now(UTC),
                out_dir=str(out_dir),
                summary_json="{}",
            )
        )


def finish_run(
    engine: Engine, run_id: str, status: str, summary: dict[str, Any], error: str | None = None
) -> None:
    """Record the end of a run (``finished`` or ``failed``) with its summary."""
    with session_scope(engine) as s:
        rec = s.get(RunRecord, run_id)
        if rec is None:
            return
        rec.status = status
        rec.finished = datetime.now(UTC)
        rec.summary_json = json.dumps(jsonable(summary), ensure_ascii=False)
        rec.error = error


def get_run(engine: Engine, run_id: str) -> dict[str, Any]:
    """One row of the ``runs`` table as plain data.

    Raises
    ------
    NotFoundError
        When no run has that id.
    """
    with session_scope(engine) as s:
        rec = s.get(RunRecord, run_id) if len(run_id) <= 32 else None
        if rec is None:
            raise NotFoundError(f"no run with id {run_id!r}")
        return rec.as_dict()


def list_runs(
    engine: Engine, *, limit: int = 50, before: tuple[datetime, str] | None = None
) -> list[dict[str, Any]]:
    """The runs newest first (by start, then id), at most ``limit`` of them.

    Parameters
    ----------
    limit
        How many runs at most.
    before
        ``(started, id)`` of the last run of the previous page: this page starts after it
        (keyset paging: read from the index, whatever the page's depth). None: the newest.
    """
    query = select(RunRecord)
    if before is not None:
        started, run_id = before
        query = query.where(
            or_(
                RunRecord.started < started,
                and_(RunRecord.started == started, RunRecord.id < run_id),
            )
        )
    with session_scope(engine) as s:
        rows = s.scalars(query.order_by(RunRecord.started.desc(), RunRecord.id.desc()).limit(limit))
        return [r.as_dict() for r in rows]


def recorded_ids(engine: Engine, run_ids: list[str]) -> set[str]:
    """Those of ``run_ids`` that have a record (one query, whatever their number)."""
    if not run_ids:
        return set()
    with session_scope(engine) as s:
        return set(s.scalars(select(RunRecord.id).where(RunRecord.id.in_(run_ids))))


def finished_runs(
    engine: Engine, *, kind: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The finished runs (of ``kind``, or of any), the last finished first (at most ``limit``)."""
    query = select(RunRecord).where(RunRecord.status == "finished")
    if kind is not None:
        query = query.where(RunRecord.kind == kind)
    with session_scope(engine) as s:
        rows = s.scalars(query.order_by(RunRecord.finished.desc()).limit(limit))
        return [r.as_dict() for r in rows]


def latest_finished(engine: Engine, *, kind: str | None = None) -> dict[str, Any] | None:
    """The record of the last finished run (of ``kind``, or of any), or None."""
    runs = finished_runs(engine, kind=kind, limit=1)
    return runs[0] if runs else None
