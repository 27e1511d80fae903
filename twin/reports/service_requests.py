"""Citizen service requests (Open311 GeoReport v2): submit, look up, list, answer and close.

A request is stored at once (``type`` realtime) with status ``open``. A street-light request is
tied to a light of the city's lights layer: the one whose pole number the citizen gave, or the
nearest to the reported point within :data:`LIGHT_SEARCH_RADIUS_M`; that light's status becomes
``broken`` (an override kept in the database, table ``light_status_overrides``) until staff close
the request, when it becomes ``working`` again. Staff answer with a public ``status_notes``.

Times are timezone-aware UTC.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import geopandas as gpd
import pyproj
from shapely.geometry import Point
from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, Text, and_, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from twin._errors import ConflictError, NotFoundError, TwinError
from twin.db import Base, session_scope
from twin.reports.services import Service, get_service

__all__ = [
    "LIGHT_SEARCH_RADIUS_M",
    "MAX_DATE_RANGE_DAYS",
    "AttributeValue",
    "LightStatusRow",
    "RequestPage",
    "ServiceRequest",
    "ServiceRequestRow",
    "get_request",
    "light_statuses",
    "lights_with_status",
    "list_requests",
    "submit_request",
    "update_request",
]

LIGHT_SEARCH_RADIUS_M = 60.0
"""A street-light report ties to the nearest light within this distance of its point."""
MAX_DATE_RANGE_DAYS = 90
"""GeoReport v2: a date-range query may not span more than 90 days (and defaults to the last 90)."""
_STATUSES = ("open", "closed")


class ServiceRequestRow(Base):
    """One citizen request (table ``service_requests``)."""

    __tablename__ = "service_requests"
    # newest first, page by page (keyset on requested_at, id), alone or under a filter
    __table_args__ = (
        Index("ix_service_requests_time_id", "requested_at", "id"),
        Index("ix_service_requests_status_time_id", "status", "requested_at", "id"),
        Index("ix_service_requests_code_time_id", "service_code", "requested_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True, default="open")
    status_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    address_string: Mapped[str | None] = mapped_column(Text, nullable=True)
    address_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    account_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    first_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    media_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    light_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ward_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LightStatusRow(Base):
    """The status of a street light as reports have changed it (table ``light_status_overrides``).

    The lights layer holds each light's status as surveyed; a row here overrides it.
    """

    __tablename__ = "light_status_overrides"

    light_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    service_request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class ServiceRequest:
    """A request as the public sees it (every GeoReport v2 field, plus the tied light and ward).

    Times are timezone-aware UTC; ``lat``/``lon`` are WGS 84 degrees.
    """

    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str
    service_notice: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    lon: float | None
    media_url: str | None
    light_id: str | None = None
    ward_id: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


class RequestPage(NamedTuple):
    """A page of :func:`list_requests`."""

    items: list[ServiceRequest]
    """The requests of the page, newest first."""
    total: int
    """How many requests match in all."""
    next_after: tuple[datetime, int] | None
    """``after`` for the next page; None on the last."""


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _query_time(value: datetime | None, name: str, problems: list[str]) -> datetime | None:
    """``value`` in UTC, or None with a problem when its year is outside 1900-2199 (year 1
    at +14:00 or 9999 at -23:59 would overflow the date arithmetic)."""
    if value is None:
        return None
    if not 1900 <= value.year <= 2199:
        problems.append(f"{name} {value.isoformat()} is not between the years 1900 and 2199")
        return None
    return _utc(value)


def _public(row: ServiceRequestRow) -> ServiceRequest:
    service = get_service(row.service_code)
    requested = _utc(row.requested_at)
    updated = _utc(row.updated_at)
    assert requested is not None and updated is not None
    return ServiceRequest(
        service_request_id=str(row.id),
        status=row.status,
        status_notes=row.status_notes,
        service_name=service.service_name,
        service_code=row.service_code,
        description=row.description,
        agency_responsible=service.agency_responsible,
        service_notice=service.service_notice,
        requested_datetime=requested,
        updated_datetime=updated,
        expected_datetime=_utc(row.expected_at),
        address=row.address_string,
        address_id=row.address_id,
        zipcode=None,
        lat=row.lat,
        lon=row.lon,
        media_url=row.media_url,
        light_id=row.light_id,
        ward_id=row.ward_id,
        attributes=dict(row.attributes or {}),
    )


@lru_cache(maxsize=8)
def _to_city(crs_wkt: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", pyproj.CRS.from_wkt(crs_wkt), always_xy=True)


AttributeValue = str | Sequence[str]
"""An answer: one string, or several for a ``multivaluelist``."""


def _answers(value: AttributeValue) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    return [str(v) for v in values if str(v).strip() != ""]


def _check_attributes(
    service: Service, given: Mapping[str, AttributeValue], problems: list[str]
) -> None:
    known = {a.code: a for a in service.attributes}
    for code in given:
        if code not in known:
            names = ", ".join(known) or "none"
            problems.append(
                f"attribute[{code}] is not asked by {service.service_code} (it asks: {names})"
            )
    for attr in service.attributes:
        raw = given.get(attr.code)
        answers = [] if raw is None else _answers(raw)
        if not answers:
            if attr.required:
                problems.append(f"attribute[{attr.code}] is required: {attr.description}")
            continue
        if len(answers) > 1 and attr.datatype != "multivaluelist":
            problems.append(
                f"attribute[{attr.code}] takes one value ({attr.datatype}), got {len(answers)}"
            )
            continue
        keys = {k for k, _ in attr.values}
        for value in answers:
            if attr.values and value not in keys:
                names = ", ".join(k for k, _ in attr.values)
                problems.append(f"attribute[{attr.code}]={value!r} is not one of {names}")
            if attr.datatype == "number":
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number):
                    problems.append(
                        f"attribute[{attr.code}] must be a finite number, not {value!r}"
                    )


def _normalised(attributes: Mapping[str, AttributeValue] | None) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for code, value in (attributes or {}).items():
        out[str(code)] = str(value) if isinstance(value, str) else [str(v) for v in value]
    return out


def _locate(
    city: Any, lat: float, lon: float, problems: list[str]
) -> tuple[Point | None, str | None]:
    x, y = _to_city(city.crs.to_wkt()).transform(lon, lat)
    point = Point(x, y)
    wards: gpd.GeoDataFrame = city.wards
    minx, miny, maxx, maxy = wards.total_bounds
    margin = 2000.0
    if not (minx - margin <= x <= maxx + margin and miny - margin <= y <= maxy + margin):
        problems.append(
            f"lat={lat}, long={lon} is outside {city.name}: give a point in the city "
            "(WGS 84 degrees; check that lat and long are not swapped)"
        )
        return None, None
    hits = wards.index[wards.contains(point)]
    ward_id = str(wards.loc[hits[0], "ward_id"]) if len(hits) else None
    return point, ward_id


def _tie_light(
    city: Any, point: Point | None, light_id: str | None, problems: list[str]
) -> str | None:
    lights: gpd.GeoDataFrame = city.lights
    if light_id:
        if light_id not in set(lights["light_id"].astype(str)):
            problems.append(
                f"attribute[light_id]={light_id!r} is not a light of {city.name}: "
                "check the number on the pole, or leave it out and give lat/long"
            )
            return None
        return light_id
    if point is None:
        problems.append(
            "a street-light report needs lat/long near the light, or attribute[light_id]"
        )
        return None
    if len(lights) == 0:
        problems.append(f"{city.name} has no street lights in its lights layer")
        return None
    idx = lights.sindex.nearest(point, return_all=False, max_distance=LIGHT_SEARCH_RADIUS_M)
    if idx.shape[1] == 0:
        problems.append(
            f"no street light within {LIGHT_SEARCH_RADIUS_M:g} m of lat/long: "
            "stand by the light, or give attribute[light_id]"
        )
        return None
    return str(lights.iloc[int(idx[1][0])]["light_id"])


def submit_request(
    engine: Engine,
    city: Any,
    *,
    service_code: str,
    lat: float | None = None,
    lon: float | None = None,
    address_string: str | None = None,
    address_id: str | None = None,
    email: str | None = None,
    device_id: str | None = None,
    account_id: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
    description: str | None = None,
    media_url: str | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Create a request; for a street light, mark the tied light ``broken``.

    Parameters
    ----------
    engine
        Database.
    city
        A :class:`layers.City` (its wards locate the request; its lights take a light report).
    service_code
        One of :data:`twin.reports.services.SERVICES`.
    lat, lon
        WGS 84 degrees. Either both, or ``address_string``/``address_id``, must be given.
    address_string, address_id, email, device_id, account_id, first_name, last_name, phone,
    description, media_url
        As in GeoReport v2 (``description`` up to 4,000 characters).
    attributes
        Answers to the service's attributes, by code: a string, or a list of strings for a
        ``multivaluelist`` (GeoReport v2 ``attribute[code][]``). A ``number`` must be finite.
    now
        The time of the request (default: now).

    Returns
    -------
    ServiceRequest

    Raises
    ------
    twin.TwinError
        With every problem found (unknown service, missing location, bad attribute, no light
        near the point); nothing is stored then.
    """
    problems: list[str] = []
    try:
        service = get_service(service_code)
    except NotFoundError as exc:
        raise TwinError(str(exc)) from None
    given = _normalised(attributes)
    _check_attributes(service, given, problems)
    if (lat is None) != (lon is None):
        problems.append("give both lat and long, or neither")
    for name, value, bound in (("lat", lat, 90.0), ("long", lon, 180.0)):
        if value is not None and not (math.isfinite(value) and -bound <= value <= bound):
            problems.append(f"{name}={value} must be a number between -{bound:g} and {bound:g}")
    has_point = lat is not None and lon is not None and not problems
    if lat is None and not (address_string or address_id):
        problems.append("a location is required: give lat and long, or address_string")
    if description is not None and len(description) > 4000:
        problems.append(f"description is {len(description)} characters: 4,000 at most")
    point, ward_id = None, None
    if has_point:
        assert lat is not None and lon is not None
        point, ward_id = _locate(city, lat, lon, problems)
    light_id = None
    if service.service_code == "street_light" and not problems:
        light = given.get("light_id")
        light_id = _tie_light(
            city, point, light if isinstance(light, str) and light else None, problems
        )
        if light_id is not None and ward_id is None:
            row = city.lights[city.lights["light_id"].astype(str) == light_id].iloc[0]
            ward_id = str(row["ward_id"]) if row["ward_id"] is not None else None
    if problems:
        raise TwinError(f"the {service.service_code} request was not accepted", problems)
    when = _utc(now) or datetime.now(UTC)
    row = ServiceRequestRow(
        service_code=service.service_code,
        status="open",
        status_notes=None,
        description=description,
        lat=lat,
        lon=lon,
        address_string=address_string,
        address_id=address_id,
        email=email,
        device_id=device_id,
        account_id=account_id,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        media_url=media_url,
        attributes=given,
        light_id=light_id,
        ward_id=ward_id,
        requested_at=when,
        updated_at=when,
        expected_at=when + timedelta(hours=service.expected_hours),
    )
    with session_scope(engine) as session:
        session.add(row)
        session.flush()
        if light_id is not None:
            override = session.get(LightStatusRow, light_id) or LightStatusRow(light_id=light_id)
            override.status = "broken"
            override.service_request_id = row.id
            override.updated_at = when
            session.add(override)
        session.flush()
        return _public(row)


def _request_id(service_request_id: str | int) -> int:
    try:
        value = int(str(service_request_id))
    except ValueError:
        raise NotFoundError(
            f"no service request {service_request_id!r}: ids are whole numbers"
        ) from None
    if not 0 < value < 2**62:
        raise NotFoundError(f"no service request {service_request_id!r}")
    return value


def get_request(engine: Engine, service_request_id: str | int) -> ServiceRequest:
    """The request with this id.

    Raises
    ------
    twin.NotFoundError
        When there is none.
    """
    key = _request_id(service_request_id)
    with session_scope(engine) as session:
        row = session.get(ServiceRequestRow, key)
        if row is None:
            raise NotFoundError(f"no service request {service_request_id!r}")
        return _public(row)


def list_requests(
    engine: Engine,
    *,
    service_request_ids: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: Sequence[str] = (),
    page: int = 1,
    page_size: int = 50,
    after: tuple[datetime, int] | None = None,
    now: datetime | None = None,
) -> RequestPage:
    """Requests matching the GeoReport v2 filters, newest first.

    Parameters
    ----------
    engine
        Database.
    service_request_ids
        When given, exactly these requests (unknown ids are left out) and every other filter
        is ignored, as GeoReport v2 says.
    service_codes, statuses
        Keep requests of any of these (``open``/``closed``).
    start, end
        ``requested_datetime`` range, at most 90 days; with neither, the last 90 days.
    page, page_size
        1-based page of at most ``page_size`` (1–1000) requests.
    after
        ``(requested_datetime, id)`` of the last request of the previous page: this page
        starts after it (keyset paging, read from an index whatever the depth; the
        ``next_after`` of that page). With ``after``, ``page`` must be 1.
    now
        "Now" for the default range.

    Returns
    -------
    RequestPage
        The page, the number of requests that match in all, and the key to give as
        ``after`` for the next page (None on the last).

    Raises
    ------
    twin.TwinError
        For an unknown status or service code, a range over 90 days or the wrong way round,
        or a bad page.
    """
    problems: list[str] = []
    for status in statuses:
        if status not in _STATUSES:
            problems.append(f"status {status!r} is not one of open, closed")
    for code in service_codes:
        try:
            get_service(code)
        except NotFoundError as exc:
            problems.append(str(exc))
    if page < 1:
        problems.append(f"page={page} must be 1 or more")
    if not 1 <= page_size <= 1000:
        problems.append(f"page_size={page_size} must be between 1 and 1000")
    if after is not None and page != 1:
        problems.append("give page or a cursor, not both: the cursor names its own page")
    start = _query_time(start, "start_date", problems)
    end = _query_time(end, "end_date", problems)
    if start is None and end is None:
        start = (_utc(now) or datetime.now(UTC)) - timedelta(days=MAX_DATE_RANGE_DAYS)
    elif start is not None and end is not None:
        if end < start:
            problems.append("end_date is before start_date")
        elif end - start > timedelta(days=MAX_DATE_RANGE_DAYS):
            problems.append(f"start_date to end_date spans more than {MAX_DATE_RANGE_DAYS} days")
    if problems:
        raise TwinError("the request list query is not valid", problems)
    query = select(ServiceRequestRow)
    if service_request_ids:
        ids = []
        for value in service_request_ids:
            try:
                ids.append(_request_id(value))
            except NotFoundError:
                continue
        query = query.where(ServiceRequestRow.id.in_(ids))
    else:
        if service_codes:
            query = query.where(ServiceRequestRow.service_code.in_(list(service_codes)))
        if statuses:
            query = query.where(ServiceRequestRow.status.in_(list(statuses)))
        if start is not None:
            query = query.where(ServiceRequestRow.requested_at >= start)
        if end is not None:
            query = query.where(ServiceRequestRow.requested_at <= end)
    with session_scope(engine) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if after is not None:
            when, last_id = _utc(after[0]) or after[0], after[1]
            query = query.where(
                or_(
                    ServiceRequestRow.requested_at < when,
                    and_(ServiceRequestRow.requested_at == when, ServiceRequestRow.id < last_id),
                )
            )
        rows = session.scalars(
            query.order_by(ServiceRequestRow.requested_at.desc(), ServiceRequestRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size + 1)
        ).all()
        items = [_public(r) for r in rows[:page_size]]
        next_after = None
        if len(rows) > page_size:
            last = rows[page_size - 1]
            next_after = (_utc(last.requested_at) or last.requested_at, last.id)
        return RequestPage(items, int(total), next_after)


def update_request(
    engine: Engine,
    service_request_id: str | int,
    *,
    status: str,
    status_notes: str,
    now: datetime | None = None,
) -> ServiceRequest:
    """Staff answer a request with a public note, and close it or keep it open.

    Closing a street-light request sets its light back to ``working``.

    Parameters
    ----------
    engine
        Database.
    service_request_id
        The request.
    status
        ``open`` (an answer on the way) or ``closed`` (done).
    status_notes
        The public answer ("Đã thay bóng đèn ngày 3/11"), 1–4,000 characters.
    now
        Time of the change (default: now).

    Raises
    ------
    twin.NotFoundError
        When there is no such request.
    twin.ConflictError
        When it is already closed.
    twin.TwinError
        For an unknown status or an empty note.
    """
    problems = []
    if status not in _STATUSES:
        problems.append(f"status {status!r} is not one of open, closed")
    if not status_notes or not status_notes.strip():
        problems.append("status_notes is required: the public answer to the citizen")
    elif len(status_notes) > 4000:
        problems.append("status_notes is over 4,000 characters")
    if problems:
        raise TwinError("the update was not applied", problems)
    key = _request_id(service_request_id)
    when = _utc(now) or datetime.now(UTC)
    with session_scope(engine) as session:
        row = session.get(ServiceRequestRow, key)
        if row is None:
            raise NotFoundError(f"no service request {service_request_id!r}")
        if row.status == "closed":
            raise ConflictError(f"service request {key} is already closed")
        row.status = status
        row.status_notes = status_notes.strip()
        row.updated_at = when
        if status == "closed" and row.light_id is not None:
            override = session.get(LightStatusRow, row.light_id)
            if override is not None and override.service_request_id == row.id:
                override.status = "working"
                override.updated_at = when
        session.flush()
        return _public(row)


def light_statuses(engine: Engine) -> dict[str, str]:
    """Light id -> status, for every light whose status a report has changed."""
    with session_scope(engine) as session:
        return {r.light_id: r.status for r in session.scalars(select(LightStatusRow)).all()}


def lights_with_status(engine: Engine, lights: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of the lights layer with the statuses that reports have changed.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from twin.db import make_engine
    >>> lights = gpd.GeoDataFrame(
    ...     {"light_id": ["L1"], "status": ["working"]}, geometry=[Point(0, 0)], crs=32648
    ... )
    >>> lights_with_status(make_engine("sqlite://"), lights)["status"].tolist()
    ['working']
    """
    overrides = light_statuses(engine)
    out = lights.copy()
    if overrides:
        ids = out["light_id"].astype(str)
        out["status"] = [overrides.get(i, s) for i, s in zip(ids, out["status"], strict=True)]
    return out
