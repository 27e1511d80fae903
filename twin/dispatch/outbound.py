"""The outbound list: people to call before they call us.

Registered vulnerable households (``city.households``) and earlier callers who were not
rescued, at places the flood result says will reach a hazard class (default 2, "danger for
most") within N hours, sorted by the time left (then by vulnerable people, then people).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np

from twin.dispatch.risk import DANGER_CLASS, FloodState, assess_points

__all__ = ["OutboundEntry", "outbound_list"]


@dataclass(frozen=True)
class OutboundEntry:
    """One household or earlier caller to call.

    ``kind`` is ``"household"`` or ``"caller"``; ``ref`` the household id or call id.
    """

    kind: str
    ref: str
    phone: str
    persons: int
    vulnerable: str
    ward_id: str | None
    x: float
    y: float
    hazard_class_now: int
    peak_class: int
    peak_depth_m: float
    time_to_danger_s: float
    danger_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = asdict(self)
        out["danger_at"] = self.danger_at.isoformat() if self.danger_at else None
        return out


def outbound_list(
    flood: FloodState | None,
    people: list[dict[str, Any]],
    *,
    hours: float,
    danger_class: int = DANGER_CLASS,
) -> list[OutboundEntry]:
    """Who reaches ``danger_class`` within ``hours``, soonest first.

    Parameters
    ----------
    flood
        The flood state (None: dry, so nobody).
    people
        Dicts with ``kind``, ``ref``, ``phone``, ``persons``, ``vulnerable`` (comma list),
        ``ward_id``, ``x``, ``y``.
    hours
        The horizon (h, > 0).
    danger_class
        Hazard class to watch (1 some, 2 most, 3 all).

    Returns
    -------
    list of OutboundEntry
        Sorted by time to danger, then by the number of vulnerable kinds, then persons (both
        descending).
    """
    if flood is None or not people:
        return []
    xs = np.array([p["x"] for p in people], dtype=float)
    ys = np.array([p["y"] for p in people], dtype=float)
    risk = assess_points(flood, xs, ys, danger_class=danger_class)
    ttd = risk["time_to_danger_s"]
    keep = np.flatnonzero(ttd <= hours * 3600.0)
    out = []
    for i in keep:
        p = people[i]
        out.append(
            OutboundEntry(
                kind=p["kind"],
                ref=str(p["ref"]),
                phone=str(p["phone"]),
                persons=int(p["persons"]),
                vulnerable=str(p["vulnerable"] or ""),
                ward_id=p.get("ward_id"),
                x=float(xs[i]),
                y=float(ys[i]),
                hazard_class_now=int(risk["hazard_class"][i]),
                peak_class=int(risk["peak_class"][i]),
                peak_depth_m=round(float(risk["peak_depth_m"][i]), 3),
                time_to_danger_s=float(ttd[i]),
                danger_at=flood.to_datetime(flood.now_s + float(ttd[i])),
            )
        )
    out.sort(key=lambda e: (e.time_to_danger_s, -_n_kinds(e.vulnerable), -e.persons, e.ref))
    return out


def _n_kinds(vulnerable: str) -> int:
    return len([k for k in vulnerable.split(",") if k.strip()])
