"""Sensor readings: a batch in (CSV or JSON, operator), a station's readings out with QC flags."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api._paging import decode_cursor, encode_cursor, link_next
from api.deps import OperatorKey, StateDep
from api.errors import problem_responses
from twin import sensors

__all__ = ["INGEST_PART_ROWS", "MAX_PAGE", "IngestResult", "ReadingPublic", "router"]

MAX_PAGE = 10_000
"""Most readings one page gives."""
INGEST_PART_ROWS = sensors.INGEST_PART_ROWS
"""Readings stored per transaction of an upload (the twin's; see there)."""

router = APIRouter(prefix="/sensors", tags=["sensors"])

_CSV_EXAMPLE = (
    "station_id,time,quantity,value,unit\nkim-long,2025-10-27T06:00:00+07:00,water_level,3.50,m\n"
)
_JSON_EXAMPLE = [
    {
        "station_id": "kim-long",
        "time": "2025-10-27T06:00:00+07:00",
        "quantity": "water_level",
        "value": 3.5,
        "unit": "m",
    }
]


class IngestResult(BaseModel):
    """What a batch did: rows read, stored, and counts by QC flag."""

    batch_id: int
    already_ingested: bool
    rows: int
    added: int
    counts: dict[str, int]
    sha256: str


class ReadingPublic(BaseModel):
    """One stored reading with its QC flags (empty when good)."""

    station_id: str
    quantity: str
    time: datetime
    value: float | None
    unit: str
    value_raw: float
    unit_raw: str
    flags: list[str]
    good: bool


def _stations(state: Any) -> dict[str, str]:
    return sensors.stations_from_city(state.city())


@router.post(
    "/readings",
    status_code=201,
    response_model=IngestResult,
    summary="Ingest a batch of readings (CSV or JSON)",
    responses={
        200: {"model": IngestResult, "description": "The same batch was ingested before"},
        **problem_responses(401, 403, 409, 413, 415, 422),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
                "application/json": {
                    "schema": {"type": "array", "items": {"type": "object"}},
                    "example": _JSON_EXAMPLE,
                },
            },
        }
    },
)
async def ingest(request: Request, state: StateDep, key: OperatorKey) -> Any:
    """Quality-control and store a batch; the same content is never stored twice.

    Columns/fields: ``station_id, time, quantity, value, unit`` (+ optional ``interval_s``).
    A batch with any unreadable row is refused whole (422, every problem listed).
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = {"text/csv": "csv", "application/csv": "csv", "application/json": "json"}.get(media)
    if fmt is None:
        raise HTTPException(
            415, detail="send the readings as text/csv or application/json (Content-Type)"
        )
    body = await request.body()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(400, detail="the readings must be UTF-8 text") from None

    def work() -> sensors.IngestReport:
        readings = sensors.parse_feed(text, fmt, source="POST /sensors/readings")
        return sensors.ingest_readings(
            state.engine,
            readings,
            source=f"api:{key.key_id}",
            content=body,
            stations=_stations(state),
            part_rows=INGEST_PART_ROWS,
            write_lock=state.writes,
        )

    report = await run_in_threadpool(work)
    result = IngestResult(
        batch_id=report.batch_id,
        already_ingested=report.already_ingested,
        rows=report.rows,
        added=report.added,
        counts=dict(report.counts),
        sha256=report.sha256,
    )
    return JSONResponse(result.model_dump(), status_code=200 if report.already_ingested else 201)


@router.get(
    "/{station}/readings",
    response_model=list[ReadingPublic],
    summary="A station's readings with QC flags (newest page first)",
    responses=problem_responses(404, 422),
)
def station_readings(
    station: str,
    request: Request,
    response: Response,
    state: StateDep,
    quantity: Annotated[str | None, Query(max_length=50, examples=["water_level"])] = None,
    start: datetime | None = None,
    end: datetime | None = None,
    good_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
    before: Annotated[
        str | None, Query(max_length=200, description="Cursor of the next (older) page")
    ] = None,
) -> list[ReadingPublic]:
    """The newest ``limit`` readings of one station, oldest first (canonical units; flags say
    why one is not good). Older ones: follow the ``Link: rel="next"`` header (keyset paging:
    each page costs the same)."""
    cursor = decode_cursor(before, (datetime, int)) if before else None
    page, more = sensors.readings_page(
        state.engine,
        station,
        quantity,
        _utc_query(start, "start"),
        _utc_query(end, "end"),
        good_only=good_only,
        limit=limit,
        before=cursor,
    )
    if not page and cursor is None and station not in _stations(state):
        raise HTTPException(404, detail=f"no station {station!r} and no readings stored for it")
    link_next(request, response, "before", encode_cursor(*more) if more else None)
    return [
        ReadingPublic(
            station_id=r.station_id,
            quantity=r.quantity,
            time=r.time,
            value=r.value,
            unit=r.unit,
            value_raw=r.value_raw,
            unit_raw=r.unit_raw,
            flags=list(r.flags),
            good=r.good,
        )
        for r in page
    ]


def _utc_query(value: datetime | None, name: str) -> datetime | None:
    if value is not None and not 1900 <= value.year <= 2199:
        raise HTTPException(422, detail=f"{name}={value.isoformat()}: use a year 1900-2199")
    return value
