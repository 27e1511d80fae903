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
