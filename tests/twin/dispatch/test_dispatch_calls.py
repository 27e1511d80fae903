"""Calls: intake, idempotency, lifecycle and audit log, assignment races, crashes, re-ranking,
the outbound list."""

from __future__ import annotations

import json
import os
import pickle
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from twin import ConflictError, NotFoundError, TwinError

CALLER = {"phone": "0905 123 456", "address": "45 Hùng Vương", "people": 3}  # east, W02


def test_intake_locates_judges_and_logs(dispatcher_factory: Any, rising_east: Any, at: Any) -> None:
    d = dispatcher_factory(flood=rising_east, now=7200.0)
    call = d.intake(
        **CALLER, vulnerable={"elderly": 1, "children": 1}, reported_water_m=1.2, operator="op1"
    )
    assert call.status == "new" and call.geocode_status == "matched"
    assert call.phone == "0905123456" and call.ward_id == "W02"
    assert call.x == pytest.approx(at(442.1, 600)[0], abs=1) and call.lon is not None
    assert call.risk["depth_m"] == pytest.approx(0.8) and call.risk["hazard_class"] == 2
    p = call.priority
    assert p["hazard_now"] == 40 and p["vulnerable"] == 16 and p["reported_water"] == 12
    assert p["score"] == pytest.approx(sum(v for k, v in p.items() if k != "score"), abs=0.05)
    (event,) = d.history(call.call_id)
    assert (event.from_status, event.to_status, event.operator) == (None, "new", "op1")
    assert event.at == d.clock()
    assert json.dumps(call.to_dict())


def test_intake_by_coordinates(dispatcher_factory: Any, at: Any) -> None:
    d = dispatcher_factory()
    lon, lat = d.to_lonlat(*at(100, 100))
    call = d.intake(phone="0905000009", lon=lon, lat=lat)
    assert call.geocode_status == "coordinates" and call.ward_id == "W01"
    assert (call.x, call.y) == pytest.approx(at(100, 100), abs=0.01)
    with pytest.raises(TwinError, match="swapped"):
        d.intake(phone="0905000009", lon=lat, lat=lon)


def test_intake_reports_every_problem(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    with pytest.raises(TwinError) as err:
        d.intake(
            phone="12",
            people=2,
            vulnerable={"elderly": 2, "babies": 1, "ill": 1},
            reported_water_m=-1,
        )
    assert len(err.value.problems) == 5  # phone, no place, kind, too many vulnerable, water
    assert d.calls() == []


def test_ambiguous_address_waits_for_the_dispatcher(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    call = d.intake(phone="0905000001", address="Lê Lợi")
    assert call.geocode_status == "ambiguous" and not call.located
    assert len(call.geocode["candidates"]) == 2
    with pytest.raises(TwinError, match="no position"):
        d.propose(call.call_id)
    located = d.locate(call.call_id, candidate=1, operator="op2")
    assert located.located and located.ward_id == located.geocode["candidates"][1]["ward_id"]
    assert d.history(call.call_id)[-1].note.startswith("located:")
    with pytest.raises(TwinError, match="candidates"):
        d.locate(call.call_id, candidate=7, operator="op2")


def test_idempotent_intake(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    first = d.intake(**CALLER, idempotency_key="abc")
    again = d.intake(**CALLER, idempotency_key="abc")
    assert again.call_id == first.call_id and len(d.calls()) == 1
    with pytest.raises(ConflictError, match="another request"):
        d.intake(**{**CALLER, "people": 4}, idempotency_key="abc")
    assert len(d.calls()) == 1


def test_idempotent_intake_under_a_race(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    barrier = threading.Barrier(4)
    ids: list[int] = []

    def take() -> None:
        barrier.wait()
        ids.append(d.intake(**CALLER, idempotency_key="race").call_id)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and len(ids) == 4 and len(d.calls()) == 1


def test_lifecycle_and_audit_log(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    call = d.intake(**CALLER)
    with pytest.raises(TwinError, match="cannot become 'on scene'"):
        d.update(call.call_id, "on scene", operator="op1")
    with pytest.raises(TwinError, match="not a call status"):
        d.update(call.call_id, "done", operator="op1")
    assigned = d.assign(call.call_id, operator="op1")
    team = assigned.team_id
    assert assigned.status == "assigned" and team == "T2"  # the east truck is nearest
    assert (
        assigned.route is not None and assigned.route["route"]["geometry"]["type"] == "LineString"
    )
    assert d.team(team).status == "assigned" and d.team(team).call_id == call.call_id
    d.update(call.call_id, "en route", operator="op2")
    assert d.team(team).status == "en route"
    d.update(call.call_id, "on scene", operator="op2")
    assert (d.team(team).x, d.team(team).y) == (call.x, call.y)
    done = d.update(call.call_id, "rescued", operator="op3", note="3 people to the shelter")
    assert done.status == "rescued" and d.team(team).status == "returning"
    for status in ("new", "cancelled", "closed"):
        with pytest.raises(TwinError, match="finished"):
            d.update(call.call_id, status, operator="op1")
    log = d.history(call.call_id)
    assert [(e.from_status, e.to_status, e.operator) for e in log] == [
        (None, "new", "hotline"),
        ("new", "assigned", "op1"),
        ("assigned", "en route", "op2"),
        ("en route", "on scene", "op2"),
        ("on scene", "rescued", "op3"),
    ]
    assert log[-1].note == "3 people to the shelter" and log[1].team_id == team
    back = d.set_team_status(team, "available", operator="op1")
    assert back.status == "available" and (back.x, back.y) == (back.station_x, back.station_y)
    with pytest.raises(NotFoundError):
        d.update(999, "cancelled", operator="op1")
    for beyond_the_keys in (2**63, 0, -5):
        with pytest.raises(NotFoundError, match="positive"):
            d.call(beyond_the_keys)


def test_release_sends_the_call_back_to_the_queue(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    call = d.intake(**CALLER)
    d.assign(call.call_id, "T1", operator="op1")
    with pytest.raises(ConflictError, match="on call"):
        d.set_team_status("T1", "off duty", operator="op1")
    back = d.update(call.call_id, "new", operator="op1", note="truck broke down")
    assert back.status == "new" and back.team_id is None
    assert d.team("T1").status == "available" and d.team("T1").call_id is None


def test_two_dispatchers_cannot_take_one_team(dispatcher_factory: Any) -> None:
    d = dispatcher_factory()
    calls = [d.intake(**{**CALLER, "phone": f"090500000{i}"}) for i in range(2)]

    def take(call_id: int, barrier: threading.Barrier, outcome: list[Any]) -> None:
        barrier.wait()
        try:
            outcome.append(d.assign(call_id, "T2", operator=f"op{call_id}").call_id)
        except ConflictError as exc:
            outcome.append(exc)

    for _ in range(3):  # a few rounds: the race must be decided by the database every time
        barrier = threading.Barrier(2)
        outcome: list[Any] = []
        threads = [threading.Thread(target=take, args=(c.call_id, barrier, outcome)) for c in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [o for o in outcome if isinstance(o, int)]
        assert len(winners) == 1 and len(outcome) == 2
        assert "T2" in str(next(o for o in outcome if isinstance(o, ConflictError)))
        assert d.team("T2").call_id == winners[0]
        assert [c.status for c in d.calls()].count("assigned") == 1
        d.update(winners[0], "new", operator="op")


def test_no_team_can_reach(dispatcher_factory: Any, rising_east: Any) -> None:
    d = dispatcher_factory(flood=rising_east, now=3600.0)  # 0.4 m east: no truck, no boat
    call = d.intake(**CALLER)
    prop = d.propose(call.call_id)
    assert prop.best is None
    assert "no team can reach the caller" in prop.reason and "boat B1" in prop.reason
    assert "trucks stop at 0.4 m" in prop.reason
    with pytest.raises(ConflictError, match="no team can reach"):
        d.assign(call.call_id, operator="op1")
    assert d.call(call.call_id).status == "new"


def test_boat_is_proposed_when_only_a_boat_gets_there(
    dispatcher_factory: Any, rising_east: Any
) -> None:
    d = dispatcher_factory(flood=rising_east, now=7200.0)
    call = d.intake(**{**CALLER, "people": 8})
    prop = d.propose(call.call_id)
    assert prop.best is not None and prop.best.vehicle == "boat"
    assert prop.best.team_id == "B1"  # B2 is off duty
    assert "2 trips" in prop.best.note  # capacity 6 < 8 people
    assert set(prop.unreachable) == {"T1", "T2", "A1"}


def test_rerank_when_a_nowcast_lands(dispatcher_factory: Any, rising_east: Any) -> None:
    d = dispatcher_factory()
    west = d.intake(phone="0905000001", address="5 Lê Lợi", people=5)
    east = d.intake(phone="0905000002", address="45 Hùng Vương", people=1)
    assert [c.call_id for c in d.queue()] == [west.call_id, east.call_id]  # more people
    clock = d.clock()
    d.clock = lambda: clock + timedelta(minutes=30)
    d.set_flood(rising_east, now=7200.0)
    queue = d.queue()
    assert [c.call_id for c in queue] == [east.call_id, west.call_id]
    assert queue[0].priority["hazard_now"] == 40 and queue[0].priority["waiting"] == 6.0
    assert queue[0].risk["flood_now_s"] == 7200.0
    many = [
        d.intake(phone=f"09050{i:05d}", address=f"{i % 80 + 1} Lê Lợi", people=1)
        for i in range(150)
    ]
    assert len(d.rank()) == 152 and len(many) == 150


def test_outbound_list(dispatcher_factory: Any, rising_east: Any) -> None:
    # a short routing horizon: 0.2 m now, so the truck still gets to the one rescued
    d = dispatcher_factory(flood=rising_east, now=1800.0, horizon_s=600.0)
    caller = d.intake(phone="0905111111", address="45 Hùng Vương", people=2)
    rescued = d.intake(phone="0905222222", address="50 Lê Lợi", people=1)
    d.assign(rescued.call_id, "T2", operator="op")
    for s in ("en route", "on scene", "rescued"):
        d.update(rescued.call_id, s, operator="op")
    out = d.outbound(2)
    refs = [(e.kind, e.ref) for e in out]
    # H1, H2 and the caller are east (class 2 at 1 h, i.e. in 1800 s); H3 is in the dry west
    assert set(refs) == {("household", "H1"), ("household", "H2"), ("caller", str(caller.call_id))}
    assert all(e.time_to_danger_s == pytest.approx(1800.0) for e in out)
    assert refs[0] == ("household", "H2")  # two vulnerable kinds before one
    assert d.outbound(0.25) == []
    with pytest.raises(TwinError, match="hours"):
        d.outbound(-1)


CHILD = """
import os, pickle, signal, sys
from sqlalchemy import event
from sqlalchemy.orm import Session
from twin.db import make_engine
from twin.dispatch import Dispatcher
from twin.dispatch._tables import CallRow

city = pickle.loads(open(sys.argv[1], "rb").read())
d = Dispatcher(city, engine=make_engine(sys.argv[2]))
if sys.argv[3] == "die-mid-write":
    @event.listens_for(Session, "after_flush")
    def die(session, ctx):
        if any(isinstance(o, CallRow) for o in session.new):
            os.kill(os.getpid(), signal.SIGKILL)
print("ready", flush=True)
for i in range(100000):
    c = d.intake(phone="0905123456", address=f"{i % 80 + 1} Le Loi", people=2,
                 notes="x" * 500, idempotency_key=f"k{i}")
    print(c.call_id, flush=True)
"""


def _run_child(
    tmp_path: Path, city: Any, mode: str, kill_after: int | None
) -> tuple[list[int], str]:
    pkl = tmp_path / "city.pkl"
    pkl.write_bytes(pickle.dumps(city))
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    acked: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(pkl), url, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            proc.wait(timeout=60)
            pytest.fail(f"the child did not start: {proc.stderr.read()}")
        if kill_after is not None:
            while len(acked) < kill_after:
                acked.append(int(proc.stdout.readline()))
            time.sleep(random.uniform(0.0, 0.02))  # somewhere inside the next write
            proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
    acked.extend(int(x) for x in out.split())
    return acked, url


@pytest.mark.parametrize("mode", ["die-mid-write", "killed-at-random"])
def test_a_crash_leaves_whole_calls_or_nothing(tmp_path: Path, city: Any, mode: str) -> None:
    acked, url = _run_child(tmp_path, city, mode, None if mode == "die-mid-write" else 20)
    engine = create_engine(url)
    with engine.connect() as con:
        calls = con.execute(
            text("SELECT id, phone, address, status, risk, priority FROM dispatch_calls")
        ).all()
        events = con.execute(text("SELECT call_id, to_status FROM dispatch_call_events")).all()
    engine.dispose()
    ids = {c[0] for c in calls}
    if mode == "die-mid-write":
        assert acked == [] and calls == [] and events == []
    else:
        assert set(acked) <= ids  # every acknowledged call survived
        assert len(ids) <= len(acked) + 1  # at most the one in flight, and then whole
    assert sorted(e[0] for e in events) == sorted(ids)  # one "new" event per call, no orphan
    assert all(c[1] == "0905123456" and c[3] == "new" and c[4] and c[5] for c in calls)
