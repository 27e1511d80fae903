"""Logging of the service and the CLI: text or JSON lines, request ids, masked secrets.

:func:`configure_logging` is called once by ``twin`` (every command); ``twin serve`` hands
:func:`logging_config` to uvicorn, which applies it in each worker. The app adds
:class:`RedactFilter` to its own loggers too, so that nothing secret or personal reaches a
log line however the host set logging up.

Examples
--------
>>> redact_secrets("GET /x?api_key=abc&y=1")
'GET /x?api_key=***&y=1'
>>> redact_secrets("call +84 912 345 678 now")
'call *** now'
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

__all__ = [
    "JsonFormatter",
    "RedactFilter",
    "configure_logging",
    "logging_config",
    "new_request_id",
    "redact_secrets",
    "request_id",
]

#: the id of the HTTP request being served in this task ("-" outside a request)
request_id: ContextVar[str] = ContextVar("twin_request_id", default="-")

_KEYS = re.compile(
    r"((?:api_key|token|access_token|password|secret)=|twin_[0-9a-f]{8}_)[^&\s\"']+", re.IGNORECASE
)
# an Authorization value in any spelling: header dumps, dict reprs, "Bearer <token>"
_AUTH = re.compile(
    r"((?:authorization|proxy-authorization)[\"']?\s*[:=]\s*[\"']?)[^\"'\n,}]+", re.IGNORECASE
)
_BEARER = re.compile(
    r"\b(Bearer|Basic)\s+(?!twin_[0-9a-f]{8}_\*)[A-Za-z0-9._~+/=-]+", re.IGNORECASE
)
# phone numbers: 9-15 digits in one run, or groups of 3-4 after a 2-4 digit prefix
# ("+84 912 345 678", "0912-345-678"); dates ("2026-12-08") and decimals are left alone
_PHONE = re.compile(r"(?<![\w.])\+?(?:\d{9,15}|\d{2,4}(?:[ -]\d{3,4}){2,3})(?![\w.])")
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def redact_secrets(text: str) -> str:
    """Mask API keys, tokens, ``Authorization`` values and phone numbers in a log line.

    Examples
    --------
    >>> redact_secrets("headers {'authorization': 'Bearer twin_0123abcd_xyz'}")
    "headers {'authorization': '***'}"
    """
    text = _AUTH.sub(lambda m: m.group(1) + "***", text)
    text = _KEYS.sub(lambda m: m.group(1) + "***", text)  # a key's public id stays
    text = _BEARER.sub(lambda m: m.group(1) + " ***", text)
    return _PHONE.sub("***", text)


def new_request_id(incoming: str | None) -> str:
    """The incoming ``X-Request-ID`` when sane (1-64 of ``A-Za-z0-9._:-``), else a new one.

    Examples
    --------
    >>> new_request_id("abc-123")
    'abc-123'
    >>> len(new_request_id("bad id\\n"))
    32
    """
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RedactFilter(logging.Filter):
    """Mask secrets and phone numbers in the message, and stamp the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: log it as it is
            message = str(record.msg)
        record.msg, record.args = redact_secrets(message), None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601 UTC), level, logger, message, request_id,
    the access log's fields when present, and the exception (type, message, traceback)."""

    _EXTRA = ("method", "path", "status", "duration_ms", "route", "run_id", "kind")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for name in self._EXTRA:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line["exc_type"] = type(exc).__name__
            line["exc_message"] = redact_secrets(str(exc))
            line["traceback"] = redact_secrets(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    converter = staticmethod(time.gmtime)  # UTC, as the JSON lines

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)sZ %(levelname)s %(name)s [%(request_id)s] %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%S",
        )

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return redact_secrets(super().format(record))


class _StderrHandler(logging.StreamHandler):
    """Writes to the ``sys.stderr`` of the moment (a test runner may swap it)."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RedactFilter())

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def logging_config(
    log_format: Literal["text", "json"] = "text", level: str = "INFO"
) -> dict[str, Any]:
    """The :func:`logging.config.dictConfig` of the service and the CLI.

    Every record goes to one stderr handler, formatted as text or JSON lines, secrets
    masked; uvicorn's loggers propagate to it (``twin serve`` hands this to uvicorn, which
    applies it in each worker process and is told not to write its own access log:
    ``api.access`` logs each request).

    Parameters
    ----------
    log_format
        ``text`` (one readable line) or ``json`` (one object a line).
    level
        Level name of the root logger (``DEBUG``, ``INFO``, ``WARNING``, ...).

    Returns
    -------
    dict
    """
    formatter = "api._logs.JsonFormatter" if log_format == "json" else "api._logs._TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"twin": {"()": formatter}},
        "handlers": {"twin": {"()": "api._logs._StderrHandler", "formatter": "twin"}},
        "root": {"handlers": ["twin"], "level": level.upper()},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure_logging(log_format: Literal["text", "json"] = "text", level: str = "INFO") -> None:
    """Apply :func:`logging_config` to this process."""
    logging.config.dictConfig(logging_config(log_format, level))
