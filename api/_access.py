"""One access log line and the request metrics per HTTP request, under a request id.

The id is the incoming ``X-Request-ID`` when sane, else a new one; it is echoed in the
answer's ``X-Request-ID`` and stamped on every log line written while the request is served.
The logged path carries the query's parameter names only: their values may be personal
(a phone number, a place).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api._logs import new_request_id, request_id
from api.metrics import REQUEST_SECONDS, REQUESTS

__all__ = ["AccessLogMiddleware", "loggable_path"]

_log = logging.getLogger("api.access")


def loggable_path(path: str, query_string: bytes) -> str:
    """The path with the query's values masked.

    Examples
    --------
    >>> loggable_path("/open311/v2/requests.json", b"phone=0912345678&lat=16.4")
    '/open311/v2/requests.json?phone=***&lat=***'
    """
    if not query_string:
        return path
    names = [k for k, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)]
    return path + "?" + "&".join(f"{k}=***" for k in names) if names else path


def _route_template(scope: Scope) -> str:
    """The matched route's template (``/runs/{run_id}``), the mount's path, or ``<unmatched>``:
    never the raw path, whose values would make one series per id."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(template, str):
        return template
    root = scope.get("root_path", "")
    return f"{root}/*" if root else "<unmatched>"


class AccessLogMiddleware:
    """Log each request (method, path, status, duration) and count it for ``/metrics``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = new_request_id(Headers(scope=scope).get("x-request-id"))
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # when the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = _route_template(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            REQUEST_SECONDS.labels(route).observe(seconds)
            path = loggable_path(scope["path"], scope.get("query_string", b""))
            duration_ms = round(seconds * 1000.0, 1)
            _log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                path,
                status,
                duration_ms,
                extra={
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "route": route,
                },
            )
            request_id.reset(token)
