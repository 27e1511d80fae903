"""The tables of the scheduler: its lease (one cycle at a time) and its audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twin._time import UTCDateTime
from twin.db import Base

__all__ = ["EventRow", "LeaseRow"]


class LeaseRow(Base):
    """A named lease: who holds it and until when (a lock across processes and machines)."""

    __tablename__ = "operate_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    expires: Mapped[datetime] = mapped_column(UTCDateTime())


class EventRow(Base):
    """One decision of a scheduler (cycle started, trigger fired, run, warnings, feed silent)."""

    __tablename__ = "operate_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    owner: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    cycle: Mapped[str] = mapped_column(String(100), index=True, default="")
    run_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")
