"""Structured logs, request ids and Prometheus metrics of the service."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api._logs import JsonFormatter, RedactFilter, new_request_id, redact_secrets
from api.jobs import JobQueue


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Authorization: Bearer twin_0123abcd_topsecretpart", "topsecretpart"),
        ("{'authorization': 'Basic dXNlcjpwYXNz'}", "dXNlcjpwYXNz"),
        ("sent Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi"),
        ("GET /x?token=abc123def&y=1", "abc123def"),
        ("reported by 0912345678", "0912345678"),
        ("reported by +84 912 345 678", "912 345 678"),
        ("call 0234-382-1234 now", "382-1234"),
    ],
)
def test_the_filter_masks_secrets_and_phone_numbers(line: str, secret: str) -> None:
    assert secret not in redact_secrets(line)
    assert "***" in redact_secrets(line)


def test_dates_times_and_coordinates_are_not_masked() -> None:
    line = "nowcast of 2026-12-08 05:24:52 at 16.4637, 107.5909 took 12.5 ms, run 3f2a"
    assert redact_secrets(line) == line


def test_request_ids_are_taken_only_when_sane() -> None:
    assert new_request_id("req-42.a:b") == "req-42.a:b"
    for bad in (None, "", "x" * 65, "a b", "a\nb", "ü"):
        rid = new_request_id(bad)
        assert re.fullmatch(r"[0-9a-f]{32}", rid)


def _json_line(record: logging.LogRecord) -> dict[str, Any]:
    RedactFilter().filter(record)
    line: dict[str, Any] = json.loads(JsonFormatter().format(record))
    return line


def test_json_lines_carry_time_level_logger_message_and_exception() -> None:
    try:
        raise RuntimeError("solver diverged for 0912345678")
    except RuntimeError as exc:
        record = logging.LogRecord(
            "api.jobs",
            logging.WARNING,
            __file__,
            1,
            "run %s failed",
            ("r1",),
            (RuntimeError, exc, None),
        )
    line = _json_line(record)
    assert line["level"] == "WARNING" and line["logger"] == "api.jobs"
    assert line["message"] == "run r1 failed"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert line["exc_type"] == "RuntimeError"
    assert line["exc_message"] == "solver diverged for ***"
    assert line["request_id"] == "-"


def test_each_request_gets_an_id_and_one_access_line(client: TestClient, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="api.access"):
        given = client.get("/health", headers={"X-Request-ID": "abc-123"})
        made = client.get("/open311/v2/requests.json?phone=0912345678&lat=16.4")
        bad = client.get("/health", headers={"X-Request-ID": "no good\tid"})
    assert given.headers["X-Request-ID"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    assert bad.headers["X-Request-ID"] != "no good\tid"
    lines = [r for r in caplog.records if r.name == "api.access"]
    assert len(lines) == 3
    first, second = lines[0], lines[1]
    assert (first.method, first.path, first.status) == ("GET", "/health", 200)
    assert first.duration_ms >= 0
    assert second.path == "/open311/v2/requests.json?phone=***&lat=***"
    assert "0912345678" not in caplog.text and "16.4" not in caplog.text
    assert first.request_id == "abc-123"
    assert _json_line(first)["status"] == 200


def test_a_failed_run_logs_its_exception_type_and_message(tmp_path: Any, caplog: Any) -> None:
    queue = JobQueue(tmp_path)

    def work(_job: Any) -> None:
        raise ValueError("rain series is empty")

    with caplog.at_level(logging.WARNING, logger="api.jobs"):
        job = queue.submit("scenario", "storm", work)
        assert job.future is not None
        job.future.result(timeout=10)
    queue.shutdown()
    assert job.status == "failed"
    assert "ValueError: rain series is empty" in caplog.text


def _metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + ("{" if labels else " ")) and all(
            f'{k}="{v}"' in line for k, v in labels.items()
        ):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_count_requests_by_route_template(client: TestClient, run_id: str) -> None:
    before = client.get("/metrics").text
    count = _metric(before, "twin_http_requests_total", route="/runs/{run_id}", status="200") or 0.0
    assert client.get(f"/runs/{run_id}").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    after = _metric(text, "twin_http_requests_total", route="/runs/{run_id}", status="200")
    assert after == count + 1
    assert run_id not in text  # templates, never raw paths
    assert _metric(text, "twin_http_request_duration_seconds_count", route="/runs/{run_id}")
    assert _metric(text, "twin_job_queue_length") == 0.0


def test_metrics_count_runs_by_kind(tmp_path: Any) -> None:
    from api.metrics import RUNS_FAILED, RUNS_FINISHED, RUNS_STARTED

    def value(counter: Any) -> float:
        return float(counter.labels("probe")._value.get())

    started, finished, failed = value(RUNS_STARTED), value(RUNS_FINISHED), value(RUNS_FAILED)
    queue = JobQueue(tmp_path)
    ok = queue.submit("probe", "a", lambda _job: None)
    ko = queue.submit("probe", "b", lambda _job: 1 / 0)
    assert ok.future is not None and ko.future is not None
    ok.future.result(timeout=10), ko.future.result(timeout=10)
    queue.shutdown()
    assert value(RUNS_STARTED) == started + 2
    assert value(RUNS_FINISHED) == finished + 1
    assert value(RUNS_FAILED) == failed + 1


def test_cycle_and_feed_ages_come_from_the_database(client: TestClient) -> None:
    from twin.db import session_scope
    from twin.runs import RunRecord
    from twin.sensors.store import SensorBatch, SensorReadingRow

    state = client.app.state.twin  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with session_scope(state.engine) as s:
        s.add(
            RunRecord(
                id=uuid.uuid4().hex,
                scenario="nowcast",
                kind="nowcast",
                status="finished",
                started=now - timedelta(hours=3),
                finished=now - timedelta(hours=2),
                out_dir="/nowhere",
                summary_json="{}",
            )
        )
        batch = SensorBatch(
            source="test", sha256=uuid.uuid4().hex * 2, ingested_at=now, now=now, counts_json="{}"
        )
        s.add(batch)
        s.flush()
        s.add(
            SensorReadingRow(
                batch_id=batch.id,
                station_id="G1",
                quantity="water_level",
                time=now - timedelta(minutes=10),
                value=1.0,
                unit="m",
                value_raw=1.0,
                unit_raw="m",
                flags="",
                good=True,
                line=1,
            )
        )
    text = client.get("/metrics").text
    cycle = _metric(text, "twin_nowcast_cycle_age_seconds")
    feed = _metric(text, "twin_sensor_feed_age_seconds")
    assert cycle is not None and 7200 <= cycle < 7200 + 60
    assert feed is not None and 600 <= feed < 600 + 60
    assert "0912345678" not in text and "Authorization" not in text
