"""Rescue dispatch for hotline callers: locate, judge the risk, send the right team by a route
the water allows, and follow each call to its end.

The entry point is :class:`Dispatcher` (one per city)::

    d = Dispatcher(city, db_url="sqlite:///twin.db", flood=latest_result)
    call = d.intake(phone="0905123456", address="kiệt 32 Lê Văn Hưu", people=3,
                    vulnerable={"elderly": 1}, reported_water_m=1.2, idempotency_key="k1")
    d.propose(call.call_id).best        # the team that gets there first, its route and ETA
    d.assign(call.call_id, operator="op1")
    d.update(call.call_id, "en route", operator="op1")
    d.set_flood(new_nowcast)            # re-ranks every open call
    d.queue(); d.outbound(hours=6)

The pure parts are usable alone: :func:`geocode` with a :class:`GeocodeIndex`,
:class:`FloodState` and :func:`assess_points`, :func:`priority_scores`,
:class:`RoadNetwork` for routes.
"""

from twin.dispatch.calls import (
    CALL_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    VULNERABLE_KINDS,
    Call,
    CallEvent,
    validate_intake,
)
from twin.dispatch.geocode import (
    ACCEPT_CONFIDENCE,
    ACCEPT_MARGIN,
    Candidate,
    GeocodeIndex,
    GeocodeResult,
    fold,
    geocode,
)
from twin.dispatch.outbound import OutboundEntry
from twin.dispatch.priority import FACTORS, priority_scores
from twin.dispatch.risk import DANGER_CLASS, FloodState, PointRisk, assess_points
from twin.dispatch.routing import (
    DEFAULT_HORIZON_S,
    TRANSFER_S,
    EdgeFlood,
    Leg,
    RoadNetwork,
    Route,
    TeamStart,
)
from twin.dispatch.service import Dispatcher
from twin.dispatch.teams import TEAM_STATUSES, Proposal, Team, TeamOption
from twin.runs.files import open_result as open_flood  # a run's flood result

__all__ = [
    "ACCEPT_CONFIDENCE",
    "ACCEPT_MARGIN",
    "CALL_STATUSES",
    "DANGER_CLASS",
    "DEFAULT_HORIZON_S",
    "FACTORS",
    "OPEN_STATUSES",
    "TEAM_STATUSES",
    "TRANSFER_S",
    "TRANSITIONS",
    "VULNERABLE_KINDS",
    "Call",
    "CallEvent",
    "Candidate",
    "Dispatcher",
    "EdgeFlood",
    "FloodState",
    "GeocodeIndex",
    "GeocodeResult",
    "Leg",
    "OutboundEntry",
    "PointRisk",
    "Proposal",
    "RoadNetwork",
    "Route",
    "Team",
    "TeamOption",
    "TeamStart",
    "assess_points",
    "fold",
    "geocode",
    "open_flood",
    "priority_scores",
    "validate_intake",
]
