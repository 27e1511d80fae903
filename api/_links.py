"""The base of every absolute link the API writes.

``TWIN_PUBLIC_BASE_URL`` when it was set (in the environment or the settings given to the
app), else the address of the request as uvicorn gives it: behind a proxy, with
``twin serve --proxy-headers``, that is the scheme the proxy saw (``X-Forwarded-Proto``) and
the ``Host`` it passed on.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import URL

__all__ = ["absolute", "base_url"]


def base_url(request: Request) -> str:
    """The API's base URL, without a trailing slash."""
    settings = request.app.state.twin.settings
    if "public_base_url" in settings.model_fields_set:
        return str(settings.public_base_url).rstrip("/")
    return str(request.base_url).rstrip("/")


def absolute(request: Request, url: URL) -> str:
    """``url`` (one of this app's, e.g. ``request.url`` with other parameters) on the
    public base: its path below the request's base and its query are kept."""
    here = str(request.base_url)
    text = str(url)
    relative = (
        text[len(here) :]
        if text.startswith(here)
        else url.path.lstrip("/") + (f"?{url.query}" if url.query else "")
    )
    return f"{base_url(request)}/{relative}"
