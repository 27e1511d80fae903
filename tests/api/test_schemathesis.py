"""Property-based tests over the OpenAPI document (schemathesis): no input gives a server
error, and every answer is documented: its status code, its media type and its body's schema.

Every operation gets a few generated requests (valid and invalid ones), sent with an admin key
so that the protected routes are exercised past authentication. Runs are not executed here
(the job queue only records them), so a generated scenario costs nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from api.jobs import Job, JobQueue

schemathesis = pytest.importorskip("schemathesis")
FailureGroup = pytest.importorskip("schemathesis.core.failures").FailureGroup
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
"""What each answer must pass: no 5xx; status, media type and body as documented."""
EXAMPLES = {"positive": 10, "negative": 10}
"""Generated requests per operation and mode (bounded: about 15 s here; a run with 300 + 300,
random seeds, took 4 minutes and found nothing more)."""


class _RecordOnly(JobQueue):
    """A job queue that records jobs and never runs them."""

    def _run(self, job: Job, work: Any) -> None:
        job.status = job.stage = "queued"


@pytest.mark.slow
def test_no_input_gives_a_server_error(
    client: TestClient, tokens: dict[str, str], run_id: str
) -> None:
    state = client.app.state.twin  # type: ignore[attr-defined]
    state.jobs = _RecordOnly(state.runs_dir, 1)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    failures: list[str] = []
    operations = 0
    calls = [0]
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES[mode.value],
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                response = case.call(headers=headers)
                calls[0] += 1
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except FailureGroup as exc:
                    found = "; ".join(f"{f.title}: {f.message[:200]}" for f in exc.exceptions)
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: {found}"
                    )

            try:
                check()
            except Unsatisfiable:
                # No invalid request exists for an operation without inputs.
                assert mode == schemathesis.GenerationMode.NEGATIVE
    assert operations >= 40
    assert calls[0] >= 3 * operations
    assert failures == [], "\n".join(failures)


DEEP = {
    "application/json": "[" * 1000 + "]" * 1000,
    "application/toml": "x = " + "[" * 500 + "]" * 500 + "\n",
}
"""Bodies nested past Python's recursion limit (its parsers recurse)."""
EXTREME_DATES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59", "1677-09-21T00:00:00Z")
"""Dates at the ends of the calendar: year 1 at +14:00 is before year 1 in UTC."""


def _date_parameters(operation: Any) -> list[str]:
    return [
        p["name"]
        for p in operation.definition.raw.get("parameters", [])
        if p.get("in") == "query"
        and any(
            s.get("format") == "date-time" for s in (p["schema"], *p["schema"].get("anyOf", []))
        )
    ]


def test_deep_nesting_and_extreme_dates_give_no_server_error(
    client: TestClient, tokens: dict[str, str], run_id: str
) -> None:
    """The cases the generator does not reach: every JSON/TOML body nested 1,000 (500) levels
    deep, every date-time query parameter at the ends of the calendar."""
    state = client.app.state.twin  # type: ignore[attr-defined]
    state.jobs = _RecordOnly(state.runs_dir, 1)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    failures: list[str] = []
    tried = {"body": 0, "date": 0}
    for result in schema.get_all_operations():
        operation = result.ok()
        raw = operation.definition.raw
        paths = {
            p["name"]: run_id if p["name"] == "run_id" else "1"
            for p in raw.get("parameters", [])
            if p.get("in") == "path"
        }
        sends: list[tuple[str, dict[str, Any]]] = []
        for media in raw.get("requestBody", {}).get("content", {}):
            if media in DEEP:
                tried["body"] += 1
                sends.append(
                    (media, {"content": DEEP[media], "headers": {**headers, "Content-Type": media}})
                )
        for name in _date_parameters(operation):
            for value in EXTREME_DATES:
                tried["date"] += 1
                sends.append((f"{name}={value}", {"params": {name: value}, "headers": headers}))
        for what, kwargs in sends:
            case = operation.Case(path_parameters=paths)
            path = case.formatted_path
            response = client.request(case.method, path, **kwargs)
            if response.status_code >= 500:
                failures.append(f"{case.method} {path} {what[:60]} -> {response.status_code}")
                continue
            try:
                case.validate_response(response, checks=CHECKS[1:], headers=headers)
            except FailureGroup as exc:
                found = "; ".join(f"{f.title}: {f.message[:200]}" for f in exc.exceptions)
                failures.append(f"{case.method} {path} {what[:60]}: {found}")
    assert tried["body"] >= 3 and tried["date"] >= 6
    assert failures == [], "\n".join(failures)
