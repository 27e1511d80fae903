"""Tables of the dispatch: calls, their audit log, and rescue teams (on ``twin.db.Base``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import Base

__all__ = ["CallEventRow", "CallRow", "TeamRow"]


class CallRow(Base):
    """A call for help, from intake to its end."""

    __tablename__ = "dispatch_calls"
    # the ranked queue, page by page (keyset on priority_score, id)
    __table_args__ = (Index("ix_dispatch_calls_queue", "status", "priority_score", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    phone: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    address: Mapped[str] = mapped_column(Text, nullable=False, default="")
    x: Mapped[float | None] = mapped_column(Float, nullable=True)
    y: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    ward_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    location_label: Mapped[str] = mapped_column(Text, nullable=False, default="")
    geocode_status: Mapped[str] = mapped_column(String(16), nullable=False)
    geocode: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    people: Mapped[int] = mapped_column(Integer, nullable=False)
    vulnerable: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False)
    vulnerable_count: Mapped[int] = mapped_column(Integer, nullable=False)
    reported_water_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    team_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    route: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    priority_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    priority: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    risk: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    operator: Mapped[str] = mapped_column(String(64), nullable=False)


class CallEventRow(Base):
    """One step of a call's life: who moved it, when, from which status to which."""

    __tablename__ = "dispatch_call_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = mapped_column(
        ForeignKey("dispatch_calls.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    operator: Mapped[str] = mapped_column(String(64), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    team_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class TeamRow(Base):
    """A rescue team: its vehicle, capacity, status and where it is."""

    __tablename__ = "dispatch_teams"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    vehicle: Mapped[str] = mapped_column(String(16), nullable=False)
    capacity_persons: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    x: Mapped[float] = mapped_column(Float, nullable=False)
    y: Mapped[float] = mapped_column(Float, nullable=False)
    station_x: Mapped[float] = mapped_column(Float, nullable=False)
    station_y: Mapped[float] = mapped_column(Float, nullable=False)
    call_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
