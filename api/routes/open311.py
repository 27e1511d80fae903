"""Citizen reports over Open311 GeoReport v2, under ``/open311/v2/``.

Every resource comes as ``.json`` or ``.xml`` (the extension picks the format). Errors are
GeoReport v2 error lists (``[{code, description}]``), not problem details, because Open311
clients read those. Citizens need no key; staff (dispatcher, operator or admin) answer and
close requests with ``PATCH /open311/v2/requests/{id}.{format}`` and a public
``status_notes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.responses import Response

from api import open311_format as fmt
from api._links import base_url
from api._paging import decode_cursor, encode_cursor, link_next
from api.deps import StaffKey, StateDep
from twin import TwinError, reports

__all__ = ["RequestUpdate", "parse_attributes", "router"]

router = APIRouter(prefix="/open311/v2", tags=["open311"])

Format = Literal["json", "xml"]
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_.-]{1,60})\](\[\])?$")
_CHANGESET = datetime(2026, 11, 1, tzinfo=UTC)


def _error_doc(*codes: int) -> dict[int | str, dict[str, Any]]:
    example = [{"code": 400, "description": "service_code is required"}]
    return {
        c: {
            "description": "GeoReport v2 error list",
            "content": {
                "application/json": {"example": example},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
        for c in codes
    }


_OK_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/xml": {"schema": {"type": "string"}}}}
}


def parse_attributes(
    items: Iterable[tuple[str, Any]],
) -> tuple[dict[str, str | list[str]], list[str]]:
    """The ``attribute[code]`` answers of a GeoReport v2 form, and the problems found.

    ``attribute[code]=v`` gives one value; ``attribute[code][]=v1&attribute[code][]=v2`` a
    list (a ``multivaluelist``). A plain ``attribute[code]`` given twice, or both forms for
    one code, is a problem, never a silent overwrite.

    Examples
    --------
    >>> parse_attributes([("attribute[b]", "1"), ("attribute[a][]", "x"), ("attribute[a][]", "y")])
    ({'b': '1', 'a': ['x', 'y']}, [])
    >>> parse_attributes([("attribute[b]", "1"), ("attribute[b]", "2")])[1]
    ['attribute[b] is given twice: send one value, or attribute[b][] for each of several']
    """
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    problems: list[str] = []
    for name, value in items:
        if not name.startswith("attribute["):
            continue
        match = _ATTRIBUTE.match(name)
        if match is None or not isinstance(value, str):
            problems.append(f"{name!r} is not a valid attribute field")
            continue
        code, is_list = match.group(1), bool(match.group(2))
        if is_list:
            multi.setdefault(code, []).append(value)
        elif code in single:
            problems.append(
                f"attribute[{code}] is given twice: send one value, or attribute[{code}][] "
                "for each of several"
            )
        else:
            single[code] = value
    for code in sorted(set(single) & set(multi)):
        problems.append(f"attribute[{code}] and attribute[{code}][] are both given: use one")
    attributes: dict[str, str | list[str]] = {**single, **multi}
    return attributes, problems


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@router.get(
    "/discovery.{format}",
    summary="Service discovery",
    responses={**_OK_DOC, **_error_doc(400)},
    response_class=Response,
)
def discovery(format: Format, request: Request, state: StateDep) -> Response:
    """The discovery document: where the GeoReport v2 endpoint is and which formats it speaks.

    Its ``contact`` is the city's ``city.toml`` ``[open311]`` ``contact`` (default
    :data:`api.open311_format.DEFAULT_CONTACT`).
    """
    base = base_url(request) + "/open311/v2"
    contact = state.city().settings.open311.get("contact", fmt.DEFAULT_CONTACT)
    if not isinstance(contact, str) or not contact:
        raise TwinError(
            f"city.toml [open311] contact {contact!r} is not text; fix: "
            'contact = "City hotline 1900 1075"'
        )
    document = fmt.discovery_document(base, _CHANGESET, contact)
    return fmt.render(request.url.path, "discovery", document)


def _as_city(req: reports.ServiceRequest, city: Any) -> reports.ServiceRequest:
    """The request with the agency and notice the city's ``[open311]`` gives its service."""
    service = reports.city_service(reports.get_service(req.service_code), city.settings.open311)
    return replace(
        req,
        agency_responsible=service.agency_responsible,
        service_notice=service.service_notice,
    )


@router.get(
    "/services.{format}",
    summary="List services",
    responses={**_OK_DOC, **_error_doc(400)},
    response_class=Response,
)
def list_services(format: Format, request: Request, jurisdiction_id: str | None = None) -> Response:
    """The kinds of request a citizen can make (broken street light, blocked drain, ...)."""
    services = [fmt.service_document(s) for s in reports.SERVICES]
    return fmt.render(request.url.path, "services", services)


@router.get(
    "/services/{service_code}.{format}",
    summary="Service definition",
    responses={**_OK_DOC, **_error_doc(400, 404)},
    response_class=Response,
)
def service_definition(
    service_code: str, format: Format, request: Request, jurisdiction_id: str | None = None
) -> Response:
    """The attributes (questions) of one service."""
    service = reports.get_service(service_code)
    return fmt.render(request.url.path, "service_definition", fmt.service_definition(service))


@router.post(
    "/requests.{format}",
    summary="Create a service request",
    status_code=201,
    responses={201: _OK_DOC[200], **_error_doc(400, 403)},
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Answers to the service's attributes go in fields "
                        "named `attribute[CODE]`; each value of a multivaluelist in its own "
                        "`attribute[CODE][]`.",
                    }
                }
            }
        }
    },
)
async def create_request(
    format: Format,
    request: Request,
    state: StateDep,
    service_code: Annotated[str, Form(max_length=40)],
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Form(alias="long", ge=-180, le=180)] = None,
    address_string: Annotated[str | None, Form(max_length=500)] = None,
    address_id: Annotated[str | None, Form(max_length=100)] = None,
    email: Annotated[str | None, Form(max_length=200)] = None,
    device_id: Annotated[str | None, Form(max_length=200)] = None,
    account_id: Annotated[str | None, Form(max_length=200)] = None,
    first_name: Annotated[str | None, Form(max_length=200)] = None,
    last_name: Annotated[str | None, Form(max_length=200)] = None,
    phone: Annotated[str | None, Form(max_length=50)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    media_url: Annotated[str | None, Form(max_length=2000)] = None,
    api_key: Annotated[str | None, Form(max_length=200)] = None,
    jurisdiction_id: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """Report a problem (form-encoded, as GeoReport v2 asks).

    Give ``lat`` and ``long`` (WGS 84), or ``address_string``. A street-light report is tied to
    the nearest light of the city (or to ``attribute[light_id]``), which is then shown broken.
    ``api_key`` is optional for citizens; a key that is sent must be valid (else 403).
    """
    path = request.url.path
    if api_key and state.verify_key(api_key) is None:
        return fmt.error_response(path, 403, ["api_key is not valid: leave it out, or use a key"])
    form = await request.form()
    attributes, problems = parse_attributes(form.multi_items())
    if problems:
        return fmt.error_response(path, 400, problems)
    city = await run_in_threadpool(state.city)

    def submit() -> reports.ServiceRequest:
        with state.writes():
            return reports.submit_request(
                state.engine,
                city,
                service_code=service_code,
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
                description=description,
                media_url=media_url,
                attributes=attributes,
            )

    created = await run_in_threadpool(submit)
    return fmt.render(
        path, "service_requests", [fmt.post_result(_as_city(created, city), account_id)], status=201
    )


@router.get(
    "/requests.{format}",
    summary="List service requests",
    responses={**_OK_DOC, **_error_doc(400)},
    response_class=Response,
)
def list_requests(
    format: Format,
    request: Request,
    state: StateDep,
    service_request_id: Annotated[
        str | None, Query(max_length=2000, description="Comma list; overrides the rest")
    ] = None,
    service_code: Annotated[str | None, Query(max_length=500, description="Comma list")] = None,
    start_date: Annotated[
        datetime | None, Query(description="W3C datetime, e.g. 2026-11-01T00:00:00+07:00")
    ] = None,
    end_date: Annotated[datetime | None, Query(description="W3C datetime")] = None,
    status: Annotated[str | None, Query(max_length=100, description="open, closed")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="Cursor of the next page (Link header)")
    ] = None,
    jurisdiction_id: str | None = None,
) -> Response:
    """Requests, newest first; by default those of the last 90 days.

    The total number that match is in the ``X-Total-Count`` header. GeoReport v2 sets no
    paging: ``page``/``page_size`` work as before, and the next page's URL is also in the
    ``Link: rel="next"`` header (keyset paging: a ``cursor``, which replaces ``page``).
    """
    after = decode_cursor(cursor, (datetime, int)) if cursor else None
    found = reports.list_requests(
        state.engine,
        service_request_ids=_split(service_request_id),
        service_codes=_split(service_code),
        start=start_date,
        end=end_date,
        statuses=_split(status),
        page=page,
        page_size=page_size,
        after=after,
    )
    response = fmt.render(
        request.url.path,
        "service_requests",
        [fmt.request_document(_as_city(r, state.city())) for r in found.items],
    )
    response.headers["X-Total-Count"] = str(found.total)
    next_cursor = encode_cursor(*found.next_after) if found.next_after else None
    link_next(request, response, "cursor", next_cursor, drop=("page",))
    return response


@router.get(
    "/requests/{service_request_id}.{format}",
    summary="Get a service request",
    responses={**_OK_DOC, **_error_doc(400, 404)},
    response_class=Response,
)
def get_request(
    service_request_id: str,
    format: Format,
    request: Request,
    state: StateDep,
    jurisdiction_id: str | None = None,
) -> Response:
    """One request (as a list of one, as GeoReport v2 writes it)."""
    found = reports.get_request(state.engine, service_request_id)
    return fmt.render(
        request.url.path, "service_requests", [fmt.request_document(_as_city(found, state.city()))]
    )


class RequestUpdate(BaseModel):
    """Staff's answer to a request."""

    status: Literal["open", "closed"] = Field(
        description="`closed` when done; `open` to answer and keep working on it."
    )
    status_notes: str = Field(
        min_length=1,
        max_length=4000,
        description="The public answer, shown to everyone.",
        examples=["Đã thay bóng đèn ngày 03/11. Cảm ơn bạn đã phản ánh."],
    )


@router.patch(
    "/requests/{service_request_id}.{format}",
    summary="Answer or close a service request (staff)",
    responses={**_OK_DOC, **_error_doc(400, 401, 403, 404, 409)},
    response_class=Response,
)
def update_request(
    service_request_id: str,
    format: Format,
    body: RequestUpdate,
    request: Request,
    state: StateDep,
    _staff: StaffKey,
) -> Response:
    """Answer with a public ``status_notes``; closing a street-light request repairs its light."""
    with state.writes():
        updated = reports.update_request(
            state.engine, service_request_id, status=body.status, status_notes=body.status_notes
        )
    return fmt.render(
        request.url.path,
        "service_requests",
        [fmt.request_document(_as_city(updated, state.city()))],
    )
