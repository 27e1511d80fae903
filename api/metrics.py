"""Prometheus metrics of the service, served as text at ``/metrics``.

Counters and the latency histogram live in the process (``prometheus_client``'s default
registry); the queue length and the two ages are read when scraped: the age of the latest
finished nowcast (cycle age) and of the newest sensor reading (feed age), from the
database. With ``twin serve --workers N`` each worker process answers with its own
counters (a scrape reaches one of them); the ages come from the shared database and agree.
Nothing personal is exported: labels are route templates, methods, statuses and run kinds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

if TYPE_CHECKING:
    from api.state import AppState

__all__ = [
    "CONTENT_TYPE",
    "REQUESTS",
    "REQUEST_SECONDS",
    "RUNS_FAILED",
    "RUNS_FINISHED",
    "RUNS_STARTED",
    "StateCollector",
    "render",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter("twin_http_requests", "HTTP requests answered", ("method", "route", "status"))
REQUEST_SECONDS = Histogram(
    "twin_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ("route",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RUNS_STARTED = Counter("twin_runs_started", "Runs started by the job queue", ("kind",))
RUNS_FINISHED = Counter("twin_runs_finished", "Runs finished successfully", ("kind",))
RUNS_FAILED = Counter("twin_runs_failed", "Runs that failed", ("kind",))


def _age_s(newest: datetime | None, now: datetime) -> float | None:
    if newest is None:
        return None
    if newest.tzinfo is None:  # stored as UTC
        newest = newest.replace(tzinfo=UTC)
    return max(0.0, (now - newest).total_seconds())


class StateCollector(Collector):
    """The gauges read from one app's state when scraped."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        """Queue length, cycle age and feed age (an age is absent while there is nothing)."""
        from twin.runs.record import RunRecord
        from twin.sensors.store import SensorReadingRow

        queued = sum(1 for j in self.state.jobs.jobs() if j.status in ("queued", "running"))
        yield GaugeMetricFamily(
            "twin_job_queue_length", "Runs queued or running in this process", value=queued
        )
        now = datetime.now(UTC)
        with self.state.engine.connect() as conn:
            cycle = conn.execute(
                select(func.max(RunRecord.finished)).where(
                    RunRecord.kind == "nowcast", RunRecord.status == "finished"
                )
            ).scalar()
            feed = conn.execute(select(func.max(SensorReadingRow.time))).scalar()
        for name, doc, newest in (
            ("twin_nowcast_cycle_age_seconds", "Age of the latest finished nowcast", cycle),
            ("twin_sensor_feed_age_seconds", "Age of the newest sensor reading", feed),
        ):
            age = _age_s(newest, now)
            if age is not None:
                yield GaugeMetricFamily(name, doc, value=age)


def render(state: AppState) -> bytes:
    """The text exposition of the process's metrics and of this app's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StateCollector(state))
    return generate_latest(REGISTRY) + generate_latest(registry)
