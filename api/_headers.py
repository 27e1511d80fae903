"""Security headers, and the API docs page served from the package.

Every answer says ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``;
every HTML page also gets a Content-Security-Policy that allows only the service's own
scripts, styles and data, and may not be framed (``X-Frame-Options: DENY``, CSP
``frame-ancestors 'none'``). Answers that may carry personal data (dispatch, keys, anything
asked with an API key) are ``Cache-Control: no-store``, so that no browser or proxy keeps a
caller's phone number.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeadersMiddleware", "install_docs"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The pages' policy. Inline styles stay allowed: Leaflet and Swagger UI position elements
with style attributes; no inline script is (the docs page's one is allowed by its hash)."""

_PRIVATE_PREFIXES = ("/dispatch", "/keys")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _private(scope: Scope) -> bool:
    if scope["path"].startswith(_PRIVATE_PREFIXES):
        return True
    if b"api_key=" in scope.get("query_string", b""):
        return True
    return any(name == b"authorization" for name, _ in scope.get("headers", []))


class SecurityHeadersMiddleware:
    """Add the headers of the module docstring to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = _private(scope)

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    headers["X-Frame-Options"] = "DENY"
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, add_headers)


def install_docs(app: FastAPI, static_url: str = "/static/swagger-ui") -> None:
    """Serve Swagger UI at ``/docs`` from the package's vendored copy (no CDN: works offline,
    runs no third-party script on the API's origin). The app must be made with
    ``docs_url=None, redoc_url=None``."""
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} – API",
        swagger_js_url=f"{static_url}/swagger-ui-bundle.js",
        swagger_css_url=f"{static_url}/swagger-ui.css",
        swagger_favicon_url=f"{static_url}/favicon-32x32.png",
    )
    body = bytes(page.body)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(body.decode())
    )
    policy = CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(body, headers={"Content-Security-Policy": policy})
