"""Dispatch of rescue teams (dispatcher role): calls, the ranked queue, teams, routes, outbound.

Thin over :class:`twin.dispatch.Dispatcher`: validate, authorise, call it, serialise.
``POST /dispatch/calls`` honours an ``Idempotency-Key`` header: a retried intake with the same
key and body returns the call stored the first time; the same key with another body is 409.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api._paging import decode_cursor, encode_cursor, link_next
from api.deps import DispatcherKey, StateDep
from api.errors import problem_responses
from twin import TwinError
from twin.dispatch import CALL_STATUSES, OPEN_STATUSES, Call, Dispatcher, Team
from twin.dispatch.calls import MAX_ADDRESS, MAX_NOTES, MAX_PEOPLE
from twin.keys import ApiKey

__all__ = ["CallCreate", "CallUpdate", "TeamUpdate", "router"]

router = APIRouter(prefix="/dispatch", tags=["dispatch"], responses=problem_responses(401, 403))

CallId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The call's number")]
"""A call's id: a positive 64-bit integer (the database's key type); others are a 422."""

GEOJSON = "application/geo+json"


class CallCreate(BaseModel):
    """A hotline call as taken down."""

    phone: str = Field(min_length=1, max_length=40, examples=["0905123456"])
    address: str | None = Field(
        default=None, max_length=MAX_ADDRESS, examples=["Kiệt 32 Lê Văn Hưu"]
    )
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    people: int = Field(default=1, ge=1, le=MAX_PEOPLE)
    vulnerable: dict[str, int] | list[str] | None = Field(
        default=None, examples=[{"elderly": 1, "children": 2}]
    )
    reported_water_m: float | None = Field(default=None, ge=0, le=20)
    notes: str | None = Field(default=None, max_length=MAX_NOTES)


class CallUpdate(BaseModel):
    """A change to a call: a new status, and/or its position (a candidate or a point)."""

    status: Literal[CALL_STATUSES] | None = None  # type: ignore[valid-type]
    note: str = Field(default="", max_length=4000)
    candidate: int | None = Field(default=None, ge=0, le=100)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)


class AssignRequest(BaseModel):
    """Which team to send (default: the proposed best)."""

    team_id: str | None = Field(default=None, max_length=40)


class TeamUpdate(BaseModel):
    """A team's new status (the other statuses follow its call)."""

    status: Literal["available", "returning", "off duty"]


def _operator(key: ApiKey) -> str:
    return key.name or f"key {key.key_id}"


def _call_json(call: Call) -> dict[str, Any]:
    return call.to_dict()


def _team_json(dispatcher: Dispatcher, team: Team) -> dict[str, Any]:
    out = team.to_dict()
    out["lon"], out["lat"] = dispatcher.to_lonlat(team.x, team.y)
    return out


def _call_response(call: Call, status: int = 200) -> JSONResponse:
    headers = {"Location": f"/dispatch/calls/{call.call_id}"} if status == 201 else None
    return JSONResponse(_call_json(call), status_code=status, headers=headers)


_CALL_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The call",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post(
    "/calls",
    status_code=201,
    summary="Take a call",
    response_class=JSONResponse,
    responses={201: _CALL_DOC[200], **problem_responses(409, 413, 422)},
)
async def create_call(
    body: CallCreate,
    state: StateDep,
    key: DispatcherKey,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=200, description="Retry-safe key: the same key returns the same call"),
    ] = None,
) -> JSONResponse:
    """Locate the caller, judge the risk, score the call and store it (201, ``Location``)."""
    dispatcher = await run_in_threadpool(state.dispatcher)

    def intake() -> Call:
        with state.writes():
            return dispatcher.intake(
                **body.model_dump(), idempotency_key=idempotency_key, operator=_operator(key)
            )

    call = await run_in_threadpool(intake)
    return _call_response(call, 201)


@router.get(
    "/calls",
    summary="The ranked queue",
    response_class=JSONResponse,
    responses={200: {"description": "Calls, highest priority first"}},
)
def list_calls(
    request: Request,
    state: StateDep,
    _key: DispatcherKey,
    status: Annotated[list[str] | None, Query(description="Statuses (default: open ones)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Calls per page")] = 200,
    after: Annotated[
        str | None, Query(max_length=200, description="Cursor of the next page")
    ] = None,
) -> JSONResponse:
    """Open calls ranked by priority (or the calls with the given statuses), a page at a time:
    the next page is in the ``Link: rel="next"`` header (keyset paging)."""
    dispatcher = state.dispatcher()
    statuses = list(status) if status else list(OPEN_STATUSES)
    bad = [s for s in statuses if s not in CALL_STATUSES]
    if bad:
        raise TwinError(f"unknown status {bad[0]!r}: use one of {', '.join(CALL_STATUSES)}")
    cursor = decode_cursor(after, (float, int)) if after else None
    calls = dispatcher.queue(statuses=statuses, limit=limit + 1, after=cursor)
    response = JSONResponse([_call_json(c) for c in calls[:limit]])
    if len(calls) > limit:
        last = calls[limit - 1]
        link_next(request, response, "after", encode_cursor(last.priority_score, last.call_id))
    return response


@router.get(
    "/calls/{call_id}",
    summary="One call with its history",
    response_class=JSONResponse,
    responses={**_CALL_DOC, **problem_responses(404)},
)
def get_call(call_id: CallId, state: StateDep, _key: DispatcherKey) -> JSONResponse:
    """The call and its audit log."""
    dispatcher = state.dispatcher()
    out = _call_json(dispatcher.call(call_id))
    out["history"] = [e.to_dict() for e in dispatcher.history(call_id)]
    return JSONResponse(out)


@router.patch(
    "/calls/{call_id}",
    summary="Change a call's status or position",
    response_class=JSONResponse,
    responses={**_CALL_DOC, **problem_responses(404, 409, 422)},
)
def update_call(
    call_id: CallId, body: CallUpdate, state: StateDep, key: DispatcherKey
) -> JSONResponse:
    """Locate the call (``candidate`` or ``lon``/``lat``) and/or move it to ``status``."""
    dispatcher = state.dispatcher()
    if body.status is None and body.candidate is None and body.lon is None:
        raise TwinError("nothing to change: give status, candidate, or lon and lat")
    with state.writes():
        if body.candidate is not None or body.lon is not None or body.lat is not None:
            dispatcher.locate(
                call_id,
                candidate=body.candidate,
                lon=body.lon,
                lat=body.lat,
                operator=_operator(key),
            )
        call = dispatcher.call(call_id)
        if body.status is not None:
            call = dispatcher.update(call_id, body.status, operator=_operator(key), note=body.note)
    return _call_response(call)


@router.post(
    "/calls/{call_id}/assign",
    summary="Send a team",
    response_class=JSONResponse,
    responses={**_CALL_DOC, **problem_responses(404, 409, 422)},
)
def assign_call(
    call_id: CallId, state: StateDep, key: DispatcherKey, body: AssignRequest | None = None
) -> JSONResponse:
    """Assign the given team, or the one that gets there first by a route the water allows."""
    team_id = body.team_id if body else None
    dispatcher = state.dispatcher()
    with state.writes():
        call = dispatcher.assign(call_id, team_id, operator=_operator(key))
    return _call_response(call)


@router.get(
    "/calls/{call_id}/route",
    summary="The team's route to the caller (GeoJSON)",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}, **problem_responses(404, 409, 422)},
)
def call_route(call_id: CallId, state: StateDep, _key: DispatcherKey) -> JSONResponse:
    """The assigned team's route; before assignment, every team's proposed route, best first.

    A FeatureCollection in lon/lat; ``unreachable`` and ``reason`` say who cannot get there.
    """
    dispatcher = state.dispatcher()
    call = dispatcher.call(call_id)
    route = (call.route or {}).get("route")
    if route is not None:
        doc: dict[str, Any] = {
            "type": "FeatureCollection",
            "features": [route],
            "assigned": True,
            "unreachable": {},
            "reason": "",
        }
    else:
        proposal = dispatcher.propose(call_id)
        doc = {
            "type": "FeatureCollection",
            "features": [o.route.to_geojson() for o in proposal.options],
            "assigned": False,
            "unreachable": proposal.unreachable,
            "reason": proposal.reason,
        }
    return JSONResponse(doc, media_type=GEOJSON)


@router.get("/teams", summary="Rescue teams", response_class=JSONResponse)
def list_teams(state: StateDep, _key: DispatcherKey) -> JSONResponse:
    """Every team with its status, position (lon/lat) and current call."""
    dispatcher = state.dispatcher()
    return JSONResponse([_team_json(dispatcher, t) for t in dispatcher.teams()])


@router.patch(
    "/teams/{team_id}",
    summary="Set a team's status",
    response_class=JSONResponse,
    responses=problem_responses(404, 409, 422),
)
def update_team(
    team_id: str, body: TeamUpdate, state: StateDep, key: DispatcherKey
) -> JSONResponse:
    """``available`` (back at its station), ``returning`` or ``off duty``."""
    dispatcher = state.dispatcher()
    with state.writes():
        team = dispatcher.set_team_status(team_id, body.status, operator=_operator(key))
    return JSONResponse(_team_json(dispatcher, team))


@router.get(
    "/outbound",
    summary="People to call before the water reaches them",
    response_class=JSONResponse,
    responses=problem_responses(422),
)
def outbound(
    state: StateDep,
    _key: DispatcherKey,
    hours: Annotated[float, Query(gt=0, le=240)] = 6.0,
    danger_class: Annotated[int, Query(ge=1, le=3)] = 2,
) -> JSONResponse:
    """Registered vulnerable households and earlier callers in places that reach
    ``danger_class`` within ``hours``, soonest first."""
    dispatcher = state.dispatcher()
    entries = dispatcher.outbound(hours, danger_class=danger_class)
    out = []
    for entry in entries:
        item = entry.to_dict()
        item["lon"], item["lat"] = dispatcher.to_lonlat(entry.x, entry.y)
        out.append(item)
    return JSONResponse(out)
