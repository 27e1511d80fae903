"""Property-based tests over the OpenAPI document (schemathesis): no input gives a server error.

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
EXAMPLES = {"positive": 3, "negative": 2}
"""Generated requests per operation and mode (bounded: the whole run takes well under a minute)."""


class _RecordOnly(JobQueue):
    """A job queue that records jobs and never runs them."""

    def _run(self, job: Job, work: Any) -> None:
        job.status = job.stage = "queued"


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
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: "
                        f"{response.text[:200]}"
                    )

            try:
                check()
            except Unsatisfiable:
                # No invalid request exists for an operation without inputs.
                assert mode == schemathesis.GenerationMode.NEGATIVE
    assert operations >= 40
    assert calls[0] >= 3 * operations
    assert failures == []
