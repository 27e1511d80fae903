"""The twin's time helpers: UTC inside, Asia/Ho_Chi_Minh outside.

One way to make a time UTC (:func:`as_utc`), one way to show it in Huế time
(:func:`local_iso`), and the column type that stores it (:class:`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["LOCAL_TZ", "UTCDateTime", "as_utc", "local_iso"]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
"""Huế's time zone (UTC+7 all year, no daylight saving): how naive times are read and shown."""


def as_utc(value: datetime | pd.Timestamp | str, *, naive: tzinfo = LOCAL_TZ) -> datetime:
    """Return ``value`` as an aware UTC :class:`datetime`.

    Parameters
    ----------
    value
        A time: aware, or naive in the zone ``naive``.
    naive
        The zone of a naive time: Huế's by default (what people type), ``UTC`` for times read
        back from a database or a file that stores naive UTC.

    Examples
    --------
    >>> as_utc("2025-10-27T07:00:00+07:00").isoformat()
    '2025-10-27T00:00:00+00:00'
    >>> as_utc("2025-10-27T07:00").isoformat()
    '2025-10-27T00:00:00+00:00'
    >>> as_utc(datetime(2025, 10, 27, 7), naive=UTC).isoformat()
    '2025-10-27T07:00:00+00:00'
    """
    if isinstance(value, datetime) and not isinstance(value, pd.Timestamp):
        # the common case, without pandas (a hot path of ingest)
        aware = value if value.tzinfo is not None else value.replace(tzinfo=naive)
        return aware.astimezone(UTC)
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize(naive)
    return ts.tz_convert(UTC).to_pydatetime()


def local_iso(value: datetime, tz: str | None = None) -> str:
    """Format ``value`` in local time with its offset, to the second (CAP's ``sent`` form).

    Parameters
    ----------
    value
        The time.
    tz
        IANA time zone (the city's ``timezone`` setting); ``None``: :data:`LOCAL_TZ`.

    Examples
    --------
    >>> local_iso(as_utc("2025-10-27T00:00:00Z"))
    '2025-10-27T07:00:00+07:00'
    >>> local_iso(as_utc("2025-10-27T00:00:00Z"), "Europe/Helsinki")
    '2025-10-27T02:00:00+02:00'
    """
    zone = LOCAL_TZ if tz is None else ZoneInfo(tz)
    return as_utc(value).astimezone(zone).replace(microsecond=0).isoformat()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that stores UTC and always gives back an aware UTC datetime.

    SQLite has no time zones; storing naive UTC and re-attaching UTC on the way out makes
    SQLite and PostgreSQL behave the same.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
