"""Calls for help: what an intake must hold, the statuses a call moves through, and the record
the dispatcher sees.

Lifecycle (every step is stored in the audit log with its time and operator)::

    new -> assigned -> en route -> on scene -> rescued | closed
    new | assigned | en route -> cancelled;   new -> closed (a duplicate, no help needed)
    assigned | en route -> new (the team is released, e.g. it broke down)

Terminal statuses (``rescued``, ``closed``, ``cancelled``) never change again.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from twin import _time
from twin._errors import TwinError
from twin.dispatch._tables import CallEventRow, CallRow

__all__ = [
    "CALL_STATUSES",
    "MAX_ADDRESS",
    "MAX_NOTES",
    "MAX_PEOPLE",
    "OPEN_STATUSES",
    "TRANSITIONS",
    "VULNERABLE_KINDS",
    "Call",
    "CallEvent",
    "IntakeRequest",
    "validate_intake",
]

CALL_STATUSES = ("new", "assigned", "en route", "on scene", "rescued", "closed", "cancelled")
OPEN_STATUSES = ("new", "assigned", "en route", "on scene")
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"assigned", "cancelled", "closed"}),
    "assigned": frozenset({"en route", "cancelled", "new"}),
    "en route": frozenset({"on scene", "cancelled", "new"}),
    "on scene": frozenset({"rescued", "closed"}),
    "rescued": frozenset(),
    "closed": frozenset(),
    "cancelled": frozenset(),
}
VULNERABLE_KINDS = ("elderly", "children", "disabled", "pregnant", "ill")
#: The most people one call may report (a larger number is a typing slip, or several calls).
MAX_PEOPLE = 1000
#: The longest notes and address of an intake (characters).
MAX_NOTES = 2000
MAX_ADDRESS = 500


@dataclass(frozen=True)
class IntakeRequest:
    """A validated, normalised intake (see :func:`validate_intake`)."""

    phone: str
    address: str
    lon: float | None
    lat: float | None
    people: int
    vulnerable: dict[str, int]
    reported_water_m: float | None
    notes: str

    @property
    def vulnerable_count(self) -> int:
        """Vulnerable people, all kinds together."""
        return sum(self.vulnerable.values())

    def digest(self) -> str:
        """SHA-256 of the request: two intakes with one idempotency key must match it."""
        body = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()


def validate_intake(
    *,
    phone: str,
    address: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    people: int = 1,
    vulnerable: Mapping[str, int] | Sequence[str] | None = None,
    reported_water_m: float | None = None,
    notes: str | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> IntakeRequest:
    """Check an intake and normalise it; every problem is reported at once.

    Parameters
    ----------
    phone
        The caller's number; spaces, dots, dashes and brackets are dropped, 8-15 digits.
    address, lon, lat
        A free-text address, or WGS 84 lon/lat, or both (at least one).
    people
        People at the place, 1-1000.
    vulnerable
        ``{"elderly": 2, "children": 1}`` or a list of kinds (one person each); kinds are
        :data:`VULNERABLE_KINDS`; at most ``people`` in all.
    reported_water_m
        Water level the caller reports (m, 0-10).
    notes
        Free text, at most 2000 characters.
    bounds
        (min lon, min lat, max lon, max lat) the coordinates must fall in.

    Raises
    ------
    TwinError
        Listing every problem.

    Examples
    --------
    >>> r = validate_intake(phone="0905 123 456", address="32/5 Lê Văn Hưu", people=3,
    ...                     vulnerable=["elderly", "children", "children"])
    >>> r.phone, r.vulnerable
    ('0905123456', {'children': 2, 'elderly': 1})
    """
    problems: list[str] = []
    phone_n = re.sub(r"[\s.\-()]", "", str(phone or ""))
    if not re.fullmatch(r"\+?\d{8,15}", phone_n):
        problems.append(f"phone {phone!r}: give 8 to 15 digits (a leading + is allowed)")
    addr = " ".join(str(address or "").split())
    if len(addr) > MAX_ADDRESS:
        problems.append(f"address: at most {MAX_ADDRESS} characters, got {len(addr)}")
    has_coords = lon is not None or lat is not None
    lon_f = lat_f = None
    if has_coords:
        try:
            lon_f, lat_f = float(lon), float(lat)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append("lon and lat: give both, as numbers (WGS 84 degrees)")
        else:
            if not (math.isfinite(lon_f) and -180 <= lon_f <= 180):
                problems.append(f"lon {lon}: must be within -180..180")
            if not (math.isfinite(lat_f) and -90 <= lat_f <= 90):
                hint = "; lon and lat look swapped" if -90 <= lon_f <= 90 else ""
                problems.append(f"lat {lat}: must be within -90..90{hint}")
            elif bounds is not None and not (
                bounds[0] <= lon_f <= bounds[2] and bounds[1] <= lat_f <= bounds[3]
            ):
                problems.append(
                    f"lon/lat ({lon_f}, {lat_f}) is outside the city (lon {bounds[0]:.4f}.."
                    f"{bounds[2]:.4f}, lat {bounds[1]:.4f}..{bounds[3]:.4f}); check for swapped "
                    "lat/lon"
                )
    if not addr and not has_coords:
        problems.append("give an address or lon/lat")
    n_people = 0
    if isinstance(people, bool) or not isinstance(people, int | float) or people != int(people):
        problems.append(f"people {people!r}: give a whole number")
    else:
        n_people = int(people)
        if not 1 <= n_people <= MAX_PEOPLE:
            problems.append(f"people {people}: must be 1 to {MAX_PEOPLE}")
    vul: dict[str, int] = {}
    if vulnerable:
        items: list[tuple[str, Any]]
        if isinstance(vulnerable, Mapping):
            items = list(vulnerable.items())
        elif isinstance(vulnerable, str):
            items = [(k.strip(), 1) for k in vulnerable.split(",") if k.strip()]
        else:
            items = [(str(k), 1) for k in vulnerable]
        for kind, count in items:
            if kind not in VULNERABLE_KINDS:
                problems.append(f"vulnerable kind {kind!r}: use {', '.join(VULNERABLE_KINDS)}")
            elif isinstance(count, bool) or not isinstance(count, int) or count < 0:
                problems.append(f"vulnerable {kind}={count!r}: give a whole number >= 0")
            elif count:
                vul[kind] = vul.get(kind, 0) + count
        if n_people and sum(vul.values()) > n_people:
            problems.append(
                f"vulnerable people ({sum(vul.values())}) exceed people ({n_people}); raise people"
            )
    water = None
    if reported_water_m is not None:
        try:
            water = float(reported_water_m)
        except (TypeError, ValueError):
            problems.append(f"reported_water_m {reported_water_m!r}: give metres as a number")
        else:
            if not (math.isfinite(water) and 0.0 <= water <= 10.0):
                problems.append(f"reported_water_m {reported_water_m}: must be 0 to 10 m")
    text = str(notes or "")
    if len(text) > MAX_NOTES:
        problems.append(f"notes: at most {MAX_NOTES} characters, got {len(text)}")
    if problems:
        raise TwinError("the intake is not valid", problems)
    return IntakeRequest(
        phone=phone_n,
        address=addr,
        lon=lon_f,
        lat=lat_f,
        people=n_people,
        vulnerable=dict(sorted(vul.items())),
        reported_water_m=water,
        notes=text,
    )


def check_transition(current: str, new: str) -> None:
    """Raise unless a call may go from ``current`` to ``new``."""
    if new not in TRANSITIONS:
        raise TwinError(
            f"status {new!r} is not a call status; use one of {', '.join(CALL_STATUSES)}"
        )
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (it is finished)"
        raise TwinError(f"a call that is {current!r} cannot become {new!r}; allowed: {allowed}")


@dataclass(frozen=True)
class Call:
    """A call as the dispatcher sees it (a snapshot of its row)."""

    call_id: int
    status: str
    phone: str
    address: str
    x: float | None
    y: float | None
    lon: float | None
    lat: float | None
    ward_id: str | None
    location_label: str
    geocode_status: str
    geocode: dict[str, Any]
    people: int
    vulnerable: dict[str, int]
    vulnerable_count: int
    reported_water_m: float | None
    notes: str
    team_id: str | None
    route: dict[str, Any] | None
    priority_score: float
    priority: dict[str, Any]
    risk: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    operator: str

    @property
    def located(self) -> bool:
        """Whether the call has a position (an ambiguous address waits for the dispatcher)."""
        return self.x is not None and self.y is not None

    @classmethod
    def from_row(cls, row: CallRow) -> Call:
        """Snapshot of a database row."""
        return cls(
            call_id=row.id,
            status=row.status,
            phone=row.phone,
            address=row.address,
            x=row.x,
            y=row.y,
            lon=row.lon,
            lat=row.lat,
            ward_id=row.ward_id,
            location_label=row.location_label,
            geocode_status=row.geocode_status,
            geocode=dict(row.geocode or {}),
            people=row.people,
            vulnerable=dict(row.vulnerable or {}),
            vulnerable_count=row.vulnerable_count,
            reported_water_m=row.reported_water_m,
            notes=row.notes,
            team_id=row.team_id,
            route=row.route,
            priority_score=row.priority_score,
            priority=dict(row.priority or {}),
            risk=dict(row.risk or {}),
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
            operator=row.operator,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = asdict(self)
        out["created_at"] = self.created_at.isoformat()
        out["updated_at"] = self.updated_at.isoformat()
        return out


@dataclass(frozen=True)
class CallEvent:
    """One audit-log entry of a call."""

    call_id: int
    at: datetime
    operator: str
    from_status: str | None
    to_status: str
    team_id: str | None
    note: str

    @classmethod
    def from_row(cls, row: CallEventRow) -> CallEvent:
        """Snapshot of a database row."""
        return cls(
            row.call_id,
            as_utc(row.at),
            row.operator,
            row.from_status,
            row.to_status,
            row.team_id,
            row.note,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


def as_utc(dt: datetime) -> datetime:
    """A datetime read back from the database, as timezone-aware UTC (SQLite drops the zone)."""
    return _time.as_utc(dt, naive=UTC)
