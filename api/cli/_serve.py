"""``twin serve``: run the HTTP service with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    log_level: Annotated[
        str | None, typer.Option(help="Lowest level logged (default: TWIN_LOG_LEVEL).")
    ] = None,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            help="Trust X-Forwarded-Proto/-For from --forwarded-allow-ips: links then use the "
            "scheme and client address the proxy saw (behind a TLS-terminating proxy)."
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(help="Comma list of proxy addresses trusted with --proxy-headers ('*': all)."),
    ] = "127.0.0.1",
) -> None:
    """Serve the API, the map tiles and the live map (/map). Settings: TWIN_* variables.

    Logs go to stderr as TWIN_LOG_FORMAT says (text or JSON lines), one access line per
    request with its request id. Links use TWIN_PUBLIC_BASE_URL when set.
    """
    import uvicorn

    from api._logs import logging_config
    from api.cli._common import guard, settings

    with guard():  # a bad TWIN_* value: one line saying which
        s = settings()
    level = (log_level or s.log_level).upper()
    uvicorn.run(
        "api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=logging_config(s.log_format, level),
        log_level=level.lower(),
        access_log=False,  # api.access writes one line per request, with its request id
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
    )
