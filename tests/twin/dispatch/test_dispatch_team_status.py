"""Team status changes against assignment: no team is ever held by two open calls, and no
team is ``available`` while an open call holds it (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text

from twin import ConflictError, NotFoundError

CALLER = {"phone": "0905 123 456", "address": "45 Hùng Vương", "people": 3}

#: One statement, so one snapshot on both databases: each team, its status, the call it
#: names and how many open calls name it.
HOLDERS = text(
    "SELECT t.team_id, t.status, t.call_id,"
    " (SELECT count(*) FROM dispatch_calls c WHERE c.team_id = t.team_id"
    "  AND c.status IN ('new', 'assigned', 'en route', 'on scene')),"
    " (SELECT min(c.id) FROM dispatch_calls c WHERE c.team_id = t.team_id"
    "  AND c.status IN ('new', 'assigned', 'en route', 'on scene'))"
    " FROM dispatch_teams t"
)


ON_CALL = ("assigned", "en route", "on scene")


def race(*steps: Any) -> list[BaseException]:
    """Run the steps in threads released at one instant; what they raised besides a
    :class:`twin.ConflictError` (a refusal is a right answer)."""
    barrier = threading.Barrier(len(steps))
    errors: list[BaseException] = []

    def run(step: Any) -> None:
        barrier.wait()
        try:
            step()
        except ConflictError:
            pass
        except BaseException as exc:  # anything else fails the caller's check
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def broken_teams(engine: Any) -> list[str]:
    """Teams that break the invariant, each with why (empty when all is well)."""
    with engine.connect() as con:
        rows = con.execute(HOLDERS).all()
    bad = []
    for team_id, status, call_id, n_open, first in rows:
        if n_open > 1:
            bad.append(f"{team_id}: held by {n_open} open calls")
        elif n_open == 1 and (status not in ON_CALL or call_id != first):
            bad.append(f"{team_id}: {status} (call {call_id}) while open call {first} holds it")
    return bad


def test_a_status_change_cannot_free_a_team_an_assignment_just_took(
    dispatcher_factory: Any,
) -> None:
    """The interleaving the probe found, made certain: the operator's view of the team is
    taken, an assignment lands, then the operator's change is written."""
    d = dispatcher_factory()
    other = dispatcher_factory(engine=d.engine)
    call = other.intake(**CALLER)
    seen = d.team
    fired: list[bool] = []

    def team_then_assignment(team_id: str) -> Any:
        snapshot = seen(team_id)
        if not fired:
            fired.append(True)
            other.assign(call.call_id, "T1", operator="op2")
        return snapshot

    d.team = team_then_assignment
    try:
        d.set_team_status("T1", "available", operator="op1")
    except ConflictError as exc:
        assert f"on call {call.call_id}" in str(exc)
    assert fired
    assert broken_teams(d.engine) == []
    assert other.team("T1").call_id == call.call_id
    second = other.intake(**{**CALLER, "phone": "0905000009"})
    with pytest.raises(ConflictError, match="T1"):
        other.assign(second.call_id, "T1", operator="op3")


def test_status_change_refused_on_call_and_unknown_team(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    call = d.intake(**CALLER)
    d.assign(call.call_id, "T1", operator="op1")
    for status in ("available", "returning", "off duty"):
        with pytest.raises(ConflictError, match=f"on call {call.call_id}"):
            d.set_team_status("T1", status, operator="op1")
    with pytest.raises(NotFoundError):
        d.set_team_status("nope", "available", operator="op1")
    d.update(call.call_id, "en route", operator="op1")
    d.update(call.call_id, "on scene", operator="op1")
    d.update(call.call_id, "rescued", operator="op1")
    team = d.set_team_status("T1", "available", operator="op1")
    assert (team.status, team.call_id) == ("available", None)
    assert (team.x, team.y) == (team.station_x, team.station_y)


def test_assignment_races_status_changes_in_threads(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    ops = dispatcher_factory(engine=d.engine)
    for round_ in range(12):
        call = d.intake(**{**CALLER, "phone": f"09050001{round_:02d}"})
        errors = race(
            lambda: d.assign(call.call_id, "T1", operator="a"),  # noqa: B023 (joined in-loop)
            lambda: ops.set_team_status("T1", "available", operator="b"),
        )
        assert errors == []
        assert broken_teams(d.engine) == []
        if d.call(call.call_id).status == "assigned":
            d.update(call.call_id, "cancelled", operator="a")
