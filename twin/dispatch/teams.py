"""Rescue teams and the proposal of the team that reaches a caller first.

Teams come from the city's ``stations`` layer and live in the database with a status:
``available``, ``assigned``, ``en route``, ``on scene``, ``returning`` or ``off duty``. A team
follows its call (assigned -> en route -> on scene); when the call ends the team is
``returning`` until an operator makes it ``available`` again (back at its station).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twin.dispatch._tables import TeamRow
from twin.dispatch.calls import as_utc
from twin.dispatch.routing import Route

__all__ = ["TEAM_STATUSES", "Proposal", "Team", "TeamOption", "explain_no_team"]

TEAM_STATUSES = ("available", "assigned", "en route", "on scene", "returning", "off duty")
#: Team status that follows a call status.
TEAM_STATUS_FOR_CALL = {
    "assigned": "assigned",
    "en route": "en route",
    "on scene": "on scene",
    "rescued": "returning",
    "closed": "returning",
    "cancelled": "returning",
    "new": "available",
}


@dataclass(frozen=True)
class Team:
    """A rescue team as stored."""

    team_id: str
    name: str
    vehicle: str
    capacity_persons: int
    status: str
    x: float
    y: float
    station_x: float
    station_y: float
    call_id: int | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: TeamRow) -> Team:
        """Snapshot of a database row."""
        return cls(
            row.team_id,
            row.name,
            row.vehicle,
            row.capacity_persons,
            row.status,
            row.x,
            row.y,
            row.station_x,
            row.station_y,
            row.call_id,
            as_utc(row.updated_at),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = dict(self.__dict__)
        out["updated_at"] = self.updated_at.isoformat()
        return out


@dataclass(frozen=True)
class TeamOption:
    """A team that can reach the caller, with its route."""

    team_id: str
    name: str
    vehicle: str
    capacity_persons: int
    eta_s: float
    route: Route
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the route as a GeoJSON Feature in lon/lat."""
        return {
            "team_id": self.team_id,
            "name": self.name,
            "vehicle": self.vehicle,
            "capacity_persons": self.capacity_persons,
            "eta_s": round(self.eta_s, 1),
            "note": self.note,
            "route": self.route.to_geojson(),
        }


@dataclass(frozen=True)
class Proposal:
    """The best team for a caller, the others that can reach, and who cannot and why.

    ``best`` is None when no team can reach; ``reason`` then says why.
    """

    options: tuple[TeamOption, ...]
    unreachable: dict[str, str]
    reason: str

    @property
    def best(self) -> TeamOption | None:
        """The team with the shortest ETA, or None."""
        return self.options[0] if self.options else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "best": self.best.to_dict() if self.best else None,
            "options": [o.to_dict() for o in self.options],
            "unreachable": self.unreachable,
            "reason": self.reason,
        }


def explain_no_team(teams: Sequence[Team], unreachable: dict[str, str]) -> str:
    """One sentence per vehicle kind on why no team can reach the caller.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t = [Team("B1", "boat 1", "boat", 8, "off duty", 0, 0, 0, 0, None, datetime.now(UTC)),
    ...      Team("T1", "truck 1", "truck", 10, "available", 0, 0, 0, 0, None, datetime.now(UTC))]
    >>> explain_no_team(t, {"T1": "truck T1: blocked by water"})
    'no team can reach the caller: truck T1: blocked by water; no boat available (1 off duty)'
    """
    parts: list[str] = []
    for vehicle in sorted({t.vehicle for t in teams}, key=lambda v: (v != "truck", v)):
        mine = [t for t in teams if t.vehicle == vehicle]
        free = [t for t in mine if t.status == "available"]
        if free:
            parts.extend(
                unreachable.get(t.team_id, f"{vehicle} {t.team_id}: no route") for t in free
            )
        else:
            busy: dict[str, int] = {}
            for t in mine:
                busy[t.status] = busy.get(t.status, 0) + 1
            detail = ", ".join(f"{n} {s}" for s, n in sorted(busy.items()))
            parts.append(f"no {vehicle} available ({detail})")
    if not teams:
        parts.append("the city has no rescue teams")
    return "no team can reach the caller: " + "; ".join(parts)
