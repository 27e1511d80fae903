"""The scheduler's clock: the wall clock in service, a simulated one in tests and drills.

Every time the scheduler reads or waits for goes through a clock object, so a test drives
hours of cycles over sample feeds without sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from twin._time import as_utc

__all__ = ["Clock", "SimulatedClock", "SystemClock"]


class Clock(Protocol):
    """What the scheduler asks of a clock."""

    def now(self) -> datetime:
        """The current aware UTC time."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a simulated clock moves on instead)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of wall time."""
        time.sleep(max(seconds, 0.0))


class SimulatedClock:
    """A clock that moves only when told to (or when the scheduler sleeps on it).

    Parameters
    ----------
    start
        The time it starts at (aware).
    """

    def __init__(self, start: datetime | str) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        """The simulated time."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Move the time on by ``seconds`` without waiting."""
        self.advance(seconds)

    def advance(self, seconds: float) -> datetime:
        """Move the time on by ``seconds``; the new time."""
        self._now += timedelta(seconds=max(seconds, 0.0))
        return self._now
