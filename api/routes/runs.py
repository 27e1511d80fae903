"""Scenarios and runs: submit (202, run outside the request), follow, cancel, read results.

``POST /scenarios`` takes a scenario as JSON or TOML (the form of ``twin.Scenario``); the run
is done by a worker thread, and its id is returned at once. Over HTTP a scenario always runs on
the city this service serves, and may not name files on the server (no gridded rain file).
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api._paging import decode_cursor, encode_cursor, link_next
from api.deps import OperatorKey, StateDep
from api.errors import problem_responses
from api.jobs import Job
from api.routes.alerts import AlertIssued, issued_links
from api.state import AppState
from twin import ConflictError, NotFoundError, TwinError, publish_run_alerts

__all__ = ["NowcastRequest", "RunAccepted", "RunStatus", "router"]

router = APIRouter(tags=["runs"])

GEOJSON = "application/geo+json"
_SCENARIO_EXAMPLE = {
    "name": "quick",
    "resolution_m": 60,
    "start": "2020-10-06T00:00:00+07:00",
    "duration": "6h",
    "rain": {"kind": "design", "total_mm": 120, "hours": 4, "shape": "chicago"},
    "output": {"every": "30min"},
}


class RunAccepted(BaseModel):
    """A run was queued."""

    run_id: str
    status: str
    kind: str
    name: str
    links: dict[str, str]


class RunStatus(BaseModel):
    """Where a run is and, once done, its summary."""

    run_id: str
    kind: str
    name: str
    status: Literal["queued", "running", "finished", "failed", "cancelled"]
    stage: str
    progress_percent: float
    submitted: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    error: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)


class NowcastRequest(BaseModel):
    """A nowcast: the model run ahead of ``at`` from the sensor readings."""

    at: datetime | None = Field(default=None, description="Default: now")
    hours: float = Field(gt=0, le=72, description="How far ahead")
    resolution_m: float = Field(default=30.0, ge=5, le=1000)
    forecast_rain_mm_h: float | None = Field(default=None, ge=0, le=300)
    output_every: str = Field(default="30min", max_length=20, pattern=r"^\d+(\.\d+)?(s|min|h)$")


def _links(run_id: str) -> dict[str, str]:
    return {
        "self": f"/runs/{run_id}",
        "tilejson": f"/runs/{run_id}/tilejson.json?var=depth",
        "impact_wards": f"/runs/{run_id}/impact/wards",
    }


def _accepted(job: Job) -> JSONResponse:
    body = RunAccepted(
        run_id=job.job_id,
        status=job.status,
        kind=job.kind,
        name=job.name,
        links=_links(job.job_id),
    )
    return JSONResponse(
        body.model_dump(), status_code=202, headers={"Location": f"/runs/{job.job_id}"}
    )


def _parse_scenario_body(body: bytes, media: str) -> dict[str, Any]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TwinError("the scenario must be UTF-8 text") from None
    if media in ("application/toml", "text/toml", "application/x-toml", "text/x-toml"):
        try:
            raw: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise TwinError(f"the scenario is not valid TOML: {exc}") from None
    elif media == "application/json":
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TwinError(f"the scenario is not valid JSON: {exc}") from None
    else:
        raise HTTPException(415, detail="send the scenario as application/json or application/toml")
    if not isinstance(raw, dict):
        raise TwinError("the scenario must be a table (a JSON object)")
    return raw


def _scenario(state: AppState, raw: dict[str, Any]) -> Any:
    from twin.scenario import Scenario

    rain = raw.get("rain")
    if isinstance(rain, dict) and rain.get("kind") == "grid":
        raise TwinError(
            "gridded rain reads a file on the server and is not accepted over HTTP: "
            "use rain kind design or gauges, or run it with the CLI"
        )
    city = state.settings.city_path
    raw = {**raw, "city": str(Path(city).resolve()) if city else "demo"}
    return Scenario.from_dict(raw)


@router.post(
    "/scenarios",
    status_code=202,
    response_model=RunAccepted,
    summary="Run a scenario (JSON or TOML)",
    responses=problem_responses(401, 403, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": _SCENARIO_EXAMPLE},
                "application/toml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def submit_scenario(request: Request, state: StateDep, _key: OperatorKey) -> JSONResponse:
    """Check the scenario (every problem at once, 422) and queue its run (202 + run id)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = _parse_scenario_body(await request.body(), media)
    scenario = await run_in_threadpool(_scenario, state, raw)

    def work(job: Job) -> Any:
        from twin import run_scenario

        return run_scenario(
            scenario,
            job.out_dir,
            progress=job.report,
            engine=state.engine,
            signer=state.cap_signer,
            run_id=job.job_id,
        )

    return _accepted(state.jobs.submit("scenario", str(scenario.name), work))


@router.post(
    "/nowcasts",
    status_code=202,
    response_model=RunAccepted,
    summary="Run a nowcast from the sensors",
    responses=problem_responses(401, 403, 422),
)
def submit_nowcast(body: NowcastRequest, state: StateDep, _key: OperatorKey) -> JSONResponse:
    """Queue a nowcast: rain, dam releases and levels from the sensor database."""
    at = body.at or datetime.now(UTC)
    if at.tzinfo is None:
        raise TwinError("at must carry a UTC offset, e.g. 2025-10-27T07:00:00+07:00")

    def work(job: Job) -> Any:
        from twin import run_nowcast

        return run_nowcast(
            at,
            body.hours,
            job.out_dir,
            city=state.city(),
            resolution_m=body.resolution_m,
            forecast_rain_mm_h=body.forecast_rain_mm_h,
            output_every=body.output_every,
            engine=state.engine,
            state_dir=state.nowcast_state_dir,
            progress=job.report,
            signer=state.cap_signer,
            run_id=job.job_id,
        )

    return _accepted(state.jobs.submit("nowcast", "nowcast", work))


_STATUSES = ("queued", "running", "finished", "failed", "cancelled")


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _status(state: AppState, run_id: str) -> RunStatus:
    job = state.jobs.get(run_id)
    record = state.run_record(run_id)
    if job is None and record is None:
        raise NotFoundError(f"no run {run_id!r}: list the runs with GET /runs")
    if record is not None and (job is None or job.status in ("finished", "failed")):
        # "running" without a job here: a run of the CLI, or one cut off by a restart.
        status = record["status"] if record["status"] in _STATUSES else "failed"
        return RunStatus(
            run_id=run_id,
            kind=record["kind"],
            name=record["scenario"],
            status=status,  # type: ignore[arg-type]
            stage="done" if status == "finished" else (job.stage if job else status),
            progress_percent=100.0
            if status == "finished"
            else (round(job.progress * 100, 1) if job else 0.0),
            submitted=job.submitted if job else None,
            started=_parse_time(record["started"]),
            finished=_parse_time(record["finished"]),
            error=record["error"] or (job.error if job else None),
            summary=_public_summary(record["summary"]),
        )
    assert job is not None
    return RunStatus(
        run_id=run_id,
        kind=job.kind,
        name=job.name,
        status=job.status,  # type: ignore[arg-type]
        stage=job.stage,
        progress_percent=round(job.progress * 100, 1),
        submitted=job.submitted,
        started=_parse_time(record["started"]) if record else None,
        error=job.error,
    )


_SERVER_PATH_KEY = re.compile(r"(_file|_path|_dir|_folder)$")


def _public_summary(summary: Any) -> Any:
    """The summary without the server's file paths (``scenario_file`` and every key ending in
    ``_file``, ``_path``, ``_dir`` or ``_folder``): they tell a stranger where the service
    lives on disk and are of no use to a client (the files are served by URL)."""
    if isinstance(summary, dict):
        return {
            k: _public_summary(v)
            for k, v in summary.items()
            if not (isinstance(k, str) and _SERVER_PATH_KEY.search(k))
        }
    if isinstance(summary, list):
        return [_public_summary(v) for v in summary]
    return summary


@router.get(
    "/runs",
    response_model=list[RunStatus],
    summary="List runs",
    responses=problem_responses(422),
)
def list_runs(
    request: Request,
    response: Response,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Runs per page")] = 100,
    cursor: Annotated[
        str | None, Query(max_length=200, description="Cursor of the next page")
    ] = None,
) -> list[RunStatus]:
    """Runs newest first, a page at a time: the next page is in the ``Link: rel="next"``
    header (keyset paging on start time and id). The first page also leads with the runs
    queued here that have not started yet."""
    before = decode_cursor(cursor, (datetime, str)) if cursor else None
    records = state.run_records(limit + 1, before=before)
    ids: list[str] = []
    if before is None:
        # runs queued here (or cut off) before the twin recorded them: on no page of records
        jobs = [j.job_id for j in state.jobs.jobs()]
        recorded = state.recorded_runs(jobs)
        ids = [i for i in jobs if i not in recorded]
    ids += [r["id"] for r in records[:limit]]
    if len(records) > limit:
        last = records[limit - 1]
        link_next(
            request,
            response,
            "cursor",
            encode_cursor(datetime.fromisoformat(last["started"]), last["id"]),
        )
    return [_status(state, i) for i in ids]


@router.get(
    "/runs/{run_id}",
    response_model=RunStatus,
    summary="A run's status and summary",
    responses=problem_responses(404),
)
def get_run(run_id: str, state: StateDep) -> RunStatus:
    """Status, progress (%) and, once finished, the summary (totals, timings, balance)."""
    return _status(state, run_id)


@router.delete(
    "/runs/{run_id}",
    response_model=RunStatus,
    status_code=202,
    summary="Cancel a run",
    responses=problem_responses(401, 403, 404, 409),
)
def cancel_run(run_id: str, state: StateDep, _key: OperatorKey) -> RunStatus:
    """Cancel a queued or running run (it stops at its next progress step)."""
    job = state.jobs.get(run_id)
    if job is None:
        _status(state, run_id)  # 404 when unknown
        raise ConflictError(
            f"run {run_id} is not under way here; only a queued or running run can be cancelled"
        )
    if job.status not in ("queued", "running"):
        raise ConflictError(
            f"run {run_id} is {job.status}; only a queued or running run can be cancelled"
        )
    state.jobs.cancel(run_id)
    return _status(state, run_id)


@router.get(
    "/runs/{run_id}/impact/{layer}",
    summary="Impact of a run on wards, roads or lights (GeoJSON)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, **problem_responses(404, 409)},
)
def run_impact(
    run_id: str, layer: Literal["wards", "roads", "lights"], state: StateDep
) -> Response:
    """Wards (people exposed, flooded area, max depth, arrival), roads (depth, cut, closing
    times) or street lights (depth at the pole), as RFC 7946 GeoJSON."""
    path = state.run_dir(run_id) / f"impact_{layer}.geojson"
    if not path.exists():
        raise NotFoundError(f"run {run_id} has no {layer} impact file")
    return Response(path.read_bytes(), media_type=GEOJSON)


def _finite(values: Any) -> list[float | None]:
    return [None if not math.isfinite(float(v)) else round(float(v), 4) for v in values]


@router.get(
    "/runs/{run_id}/point",
    summary="Depth, speed and hazard over time at a point",
    responses=problem_responses(404, 409, 422),
)
def run_point(
    run_id: str,
    state: StateDep,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
) -> dict[str, Any]:
    """The time series at the grid cell holding (lon, lat)."""
    ds = state.run_result(run_id)
    point = ds.flood.at(lon=lon, lat=lat)
    hazard = point.flood.hazard()
    times = [str(t) for t in point["time"].values]
    out: dict[str, Any] = {
        "run_id": run_id,
        "lon": lon,
        "lat": lat,
        "x": float(point["x"]),
        "y": float(point["y"]),
        "time": times,
        "depth_m": _finite(point["depth"].values),
        "speed_ms": _finite(point["speed"].values),
        "hazard_class": [int(v) for v in hazard["hazard_class"].values],
    }
    for name in ("max_depth", "max_speed", "arrival_time"):
        if name in point:
            value = float(point[name])
            out[name] = round(value, 4) if math.isfinite(value) else None
    return out


@router.post(
    "/runs/{run_id}/alerts",
    response_model=list[AlertIssued],
    summary="Publish a finished run's warnings as real (Actual) messages (operator)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def publish_alerts(
    run_id: str, request: Request, state: StateDep, _key: OperatorKey
) -> list[AlertIssued]:
    """Issue the run's warnings again with CAP status ``Actual``, through the same rules as
    at the end of the run. The run's plan replaces the real warnings in effect: a changed
    area gets an Update, an area no longer planned a Cancel; an unchanged warning is not sent
    again, so publishing twice gives an empty list. 409 while the run has not finished."""
    folder = state.run_dir(run_id)
    with state.writes():
        messages = publish_run_alerts(
            folder, state.city(), engine=state.engine, now=datetime.now(UTC)
        )
    return issued_links(request, messages)
