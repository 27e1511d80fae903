"""Races over HTTP against a real service with two worker processes (SQLite and PostgreSQL):
no team is ever taken twice or freed while a call holds it, and nothing answers 500."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

CALL = {"phone": "0905123456", "address": "kiệt 32 Lê Văn Hưu", "people": 3}


def _race(*steps: Any) -> list[httpx.Response]:
    barrier = threading.Barrier(len(steps))
    answers: list[httpx.Response] = []

    def run(step: Any) -> None:
        barrier.wait()
        answers.append(step())

    threads = [threading.Thread(target=run, args=(s,)) for s in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_assignment_against_team_status_changes_with_two_workers(
    serve: Any, team_check: Any, request: pytest.FixtureRequest, database: str
) -> None:
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    service = serve(url=url, workers=2)
    headers = service.headers("dispatcher")
    with httpx.Client(base_url=service.base, headers=headers, timeout=60) as client:
        for n in range(40):  # the old bug showed within 40 rounds on both databases
            call = client.post("/dispatch/calls", json={**CALL, "phone": f"0905{n:06d}"})
            assert call.status_code == 201, call.text
            call_id = call.json()["call_id"]
            answers = _race(
                lambda: client.post(f"/dispatch/calls/{call_id}/assign", json={}),  # noqa: B023
                lambda: client.patch("/dispatch/teams/T1", json={"status": "available"}),
                lambda: client.patch("/dispatch/teams/T2", json={"status": "available"}),
            )
            assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
            assert team_check(service.url) == []
            if client.get(f"/dispatch/calls/{call_id}").json()["status"] == "assigned":
                client.patch(f"/dispatch/calls/{call_id}", json={"status": "cancelled"})
