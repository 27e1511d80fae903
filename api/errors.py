"""Errors as problem details (RFC 9457): one table from exception type to HTTP status.

Every error the service answers is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail``, ``instance`` and an ``errors`` list (one entry per problem found),
except under ``/open311/v2/``, where GeoReport v2 clients expect its own error list
``[{code, description}]`` (see :mod:`api.open311_format`).

Domain errors say what to fix; their message becomes ``detail``. An exception that is not in
the table is logged (type, method and path only: never headers, bodies or keys) and answered
with a problem that gives no internals.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import hydro
import layers
import twin
from api import open311_format

__all__ = [
    "EXCEPTION_TABLE",
    "PROBLEM_MEDIA_TYPE",
    "VALIDATION_400_PREFIXES",
    "BodyLimitMiddleware",
    "Problem",
    "ProblemItem",
    "UnexpectedErrorMiddleware",
    "install_error_handlers",
    "problem_response",
    "problem_responses",
    "validation_status",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_log = logging.getLogger("api.errors")


class ProblemItem(BaseModel):
    """One problem of several (RFC 9457 extension member ``errors``)."""

    detail: str = Field(description="What is wrong and how to fix it.")
    pointer: str | None = Field(
        default=None, description="Where: e.g. `query.limit` or `body.rain_mm_h`."
    )


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = Field(default="about:blank", description="URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong here and what to do about it.")
    instance: str = Field(description="The path of the request that had the problem.")
    errors: list[ProblemItem] = Field(default_factory=list)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": "urn:hue-twin:problem:not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "no run 'r-42': list the runs with GET /runs",
                    "instance": "/runs/r-42",
                    "errors": [],
                }
            ]
        }
    }


@dataclass(frozen=True)
class _Kind:
    exc: type[Exception]
    status: int
    slug: str
    title: str


EXCEPTION_TABLE: tuple[_Kind, ...] = (
    _Kind(twin.NotFoundError, 404, "not-found", "Not found"),
    _Kind(twin.ConflictError, 409, "conflict", "Conflict"),
    _Kind(twin.TwinError, 422, "invalid-request", "The request cannot be carried out"),
    _Kind(layers.LayerError, 422, "invalid-layer", "City layer problem"),
    _Kind(hydro.HydroError, 422, "invalid-flood-model", "Flood model input problem"),
    _Kind(ValueError, 422, "invalid-value", "Invalid value"),
    # what a parser or a date computation of the request's own input ran into
    _Kind(RecursionError, 422, "too-deep", "Input nested too deeply"),
    _Kind(OverflowError, 422, "out-of-range", "Value out of range"),
)
"""Exception type -> status, ``type`` slug and title; the first matching row wins."""


def _kind_for(exc: BaseException) -> _Kind | None:
    for kind in EXCEPTION_TABLE:
        if isinstance(exc, kind.exc):
            return kind
    return None


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    errors: list[ProblemItem] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem-details response (or an Open311 error list under ``/open311/v2/``)."""
    path = request.url.path
    if open311_format.is_open311_path(path):
        messages = [e.detail for e in errors or []] or [detail]
        return open311_format.error_response(path, status, messages, headers=headers)
    body = Problem(
        type=f"urn:hue-twin:problem:{slug}" if slug else "about:blank",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=path,
        errors=errors or [],
    )
    return JSONResponse(
        body.model_dump(), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses (for a route's decorator)."""
    return {
        s: {
            "model": Problem,
            "description": HTTPStatus(s).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


def _domain_errors(exc: BaseException) -> list[ProblemItem]:
    return [ProblemItem(detail=p) for p in getattr(exc, "problems", [])]


_FIXED_DETAIL = {
    "too-deep": "the request nests objects or tables too deeply: send a flat document",
    "out-of-range": "a date or number in the request is out of range: send a year 1900-2199 "
    "and plain numbers",
}


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    kind = _kind_for(exc)
    assert kind is not None
    detail = str(exc).split("\n", 1)[0] if getattr(exc, "problems", None) else str(exc)
    detail = _FIXED_DETAIL.get(kind.slug, detail)  # Python's own message names internals
    return problem_response(
        request,
        kind.status,
        detail or kind.title,
        title=kind.title,
        slug=kind.slug,
        errors=_domain_errors(exc),
    )


VALIDATION_400_PREFIXES = ("/collections",)
"""Paths whose invalid parameters are a 400 (OGC API – Features); elsewhere they are a 422."""


def validation_status(path: str) -> int:
    """The status of a request whose parameters or body do not validate, by its path.

    Examples
    --------
    >>> validation_status("/collections/wards/items"), validation_status("/runs")
    (400, 422)
    """
    return 400 if path.startswith(VALIDATION_400_PREFIXES) else 422


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    items = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        items.append(ProblemItem(detail=f"{loc}: {err.get('msg', 'invalid')}", pointer=loc))
    detail = "; ".join(i.detail for i in items[:5]) or "the request is not valid"
    return problem_response(
        request,
        validation_status(request.url.path),
        detail,
        title="Invalid request",
        slug="validation",
        errors=items,
    )


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path!r}: see /docs for the routes"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}: see /docs"
    headers = dict(exc.headers or {})
    return problem_response(request, exc.status_code, detail, headers=headers)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # Type, method and path only: messages and tracebacks may hold user data or keys.
    _log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(
        request,
        500,
        "the server failed on this request; it has been logged. Try again, and report it "
        "if it persists",
        title="Internal error",
        slug="internal",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers of the exception table, validation, HTTP errors and the rest."""
    handler: Callable[[Request, Exception], Awaitable[Response]]
    for kind in EXCEPTION_TABLE:
        handler = _on_domain_error
        app.add_exception_handler(kind.exc, handler)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)


class UnexpectedErrorMiddleware:
    """Answer an exception that no handler took with a 500 problem and one log line.

    Starlette's own last-resort handler re-raises after answering, and the server then
    writes the whole traceback (with whatever the request held) to its log; this answers
    and stops there. Add it last so that it wraps the routes and every other middleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            response = await _on_unexpected(Request(scope, receive), exc)
            if not started:  # otherwise the client sees the connection end
                await response(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, before a route reads them.

    A declared ``Content-Length`` over the limit is refused at once; a chunked body is
    counted as it streams and cut off at the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(scope, receive, send)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # An HTTPException passes through FastAPI's body parsing unchanged.
                    raise StarletteHTTPException(413, detail=self._detail())
            return message

        await self.app(scope, limited_receive, send)

    def _detail(self) -> str:
        return f"the request body is over {self.max_bytes} bytes: send less (split a batch)"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = problem_response(
            request,
            413,
            self._detail(),
            title="Content too large",
            slug="too-large",
        )
        await response(scope, receive, send)
