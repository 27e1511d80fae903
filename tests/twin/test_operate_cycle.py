"""twin.operate end to end: a scheduler on the demo city over the sample feeds, in simulated
time; two schedulers at once; a scheduler that dies in a cycle, and its restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from layers import City, ensure_demo_city
from twin._scenario_check import load_city_cached
from twin.alerts.store import AlertRow
from twin.db import make_engine, session_scope
from twin.operate import (
    LEASE_NAME,
    OperateSettings,
    Scheduler,
    SimulatedClock,
    list_events,
    take_lease,
)
from twin.sensors import ingest_files

from ._operate_feeds import SENSORS, drop, hourly_feeds

pytestmark = pytest.mark.slow

# a coarse grid keeps each nowcast to seconds; the dams and rain thresholds are set out of
# reach so that the gauges' alarm levels are the only triggers of these tests
FAST = {
    "resolution_m": 480.0,
    "hours": 1.0,
    "cycle_min": 60.0,
    "dam_release_change_m3s": 1e6,
    "rain_mm_h": 1e3,
}


@pytest.fixture(scope="module")
def city() -> City:
    return load_city_cached(Path(ensure_demo_city()))


def _scheduler(
    engine: Engine, tmp: Path, clock: SimulatedClock, city: City, **kw: Any
) -> Scheduler:
    settings = OperateSettings(**{**FAST, **kw.pop("settings", {})})
    return Scheduler(
        engine, settings, city=city, runs_dir=tmp / "runs", state_dir=tmp / "states",
        clock=clock, **kw,
    )  # fmt: skip


def _messages(engine: Engine) -> list[AlertRow]:
    with session_scope(engine) as session:
        rows = session.scalars(
            select(AlertRow).where(AlertRow.status == "Actual").order_by(AlertRow.seq)
        ).all()
        session.expunge_all()
        return list(rows)


def _check_chains(rows: list[AlertRow]) -> None:
    """Each area's messages: one Alert, then Updates, at most one Cancel at the end, in time."""
    chains: dict[str, list[AlertRow]] = {}
    for row in rows:
        chains.setdefault(row.chain, []).append(row)
    for chain in chains.values():
        kinds = [r.msg_type for r in chain]
        assert kinds[0] == "Alert", kinds
        assert all(k == "Update" for k in kinds[1:-1]), kinds
        assert kinds[-1] in ("Alert", "Update", "Cancel"), kinds
        assert [r.sent for r in chain] == sorted(r.sent for r in chain)
        assert len({r.fingerprint for r in chain if r.msg_type != "Cancel"}) == len(
            [r for r in chain if r.msg_type != "Cancel"]
        ), "an Update that says the same again"
        assert sum(r.state == "active" for r in chain) <= 1


def test_the_cycle_over_two_days_of_sample_feeds(tmp_path: Path, city: City) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    inbox = tmp_path / "incoming"
    feeds = hourly_feeds()
    clock = SimulatedClock(datetime.fromisoformat("2025-10-26T17:30:00+07:00"))
    scheduler = _scheduler(
        engine, tmp_path, clock, city,
        settings={"watch": (inbox,), "cycle_min": 720.0, "feed_silent_min": 150.0},
    )  # fmt: skip
    reports = []
    end = datetime.fromisoformat("2025-10-28T19:30:00+07:00")
    while clock.now() <= end:
        # the feed sends each hour's file a few minutes after the hour, and is silent 10-27
        # 10:00..13:00 (local)
        if not (datetime.fromisoformat("2025-10-27T10:00:00+07:00") < clock.now() <
                datetime.fromisoformat("2025-10-27T14:00:00+07:00")):  # fmt: skip
            drop(inbox, feeds, clock.now())
        reports.append(scheduler.tick())
        clock.advance(3600)

    assert all(r.held for r in reports)
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []
    assert not (inbox / "failed").exists()
    cycles = [c for r in reports for c in r.cycles]
    reasons = [(c.reason, c.at.astimezone(clock.now().tzinfo).isoformat()) for c in cycles]
    # a scheduled cycle each 12 h, and one at once when Kim Long passed BĐ2 (18:00: 2.05 m)
    triggers = list_events(engine, kind="trigger")
    fired = [(e.detail["station"], e.detail["trigger"], e.time) for e in triggers]
    assert ("kim-long", "gauge_alarm", datetime.fromisoformat("2025-10-26T18:30+07:00")) in fired
    assert [c.reason for c in cycles].count("schedule") == 5, reasons
    assert [c.reason for c in cycles].count("trigger") == 2, reasons  # Phú Ốc, then Kim Long
    assert all(c.error is None and c.run_id for c in cycles)
    # the silent feed raised one operator alert, then was heard again
    silent = list_events(engine, kind="feed_silent")
    assert len(silent) == 1 and silent[0].detail["folder"] == str(inbox)
    # warnings issued, updated and cancelled in order, each once
    rows = _messages(engine)
    kinds = {r.msg_type for r in rows}
    assert {"Alert", "Update"} <= kinds, kinds
    # each cycle's run issued each area's message once (not again from its files)
    sent = [(r.area_key, r.sent) for r in rows]
    assert len(set(sent)) == len(sent)
    _check_chains(rows)
    published = [i for e in list_events(engine, kind="published") for i in e.detail["identifiers"]]
    assert sorted(published) == sorted(r.identifier for r in rows)
    # every cycle is in the audit log from its start to its end
    for c in cycles:
        kinds_of = [e.kind for e in list_events(engine, cycle=c.key)]
        assert kinds_of[kinds_of.index("cycle_started") :] == [
            "cycle_started", "run_finished", "published", "cycle_done",
        ]  # fmt: skip
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'twin.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    engine = make_engine(url)
    feeds = [*sorted(SENSORS.glob("*.csv")), SENSORS / "dams.json"]
    ingest_files(engine, feeds, now=datetime.fromisoformat("2025-10-29T00:00:00+07:00"))
    yield engine
    engine.dispose()


AT = datetime.fromisoformat("2025-10-27T07:10:00+07:00")


def test_two_schedulers_at_once_issue_once(engine: Engine, tmp_path: Path, city: City) -> None:
    clock = SimulatedClock(AT)
    url = engine.url.render_as_string(hide_password=False)
    other = make_engine(url)  # a second process would have its own engine
    schedulers = [
        _scheduler(engine, tmp_path / "a", clock, city, owner="a"),
        _scheduler(other, tmp_path / "b", clock, city, owner="b"),
    ]
    barrier = threading.Barrier(2)
    reports: dict[str, Any] = {}

    def tick(s: Scheduler) -> None:
        barrier.wait()
        reports[s.owner] = s.tick()

    threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = [name for name, r in reports.items() if r.held]
    assert len(held) == 1
    assert len(reports[held[0]].cycles) == 1
    rows = _messages(engine)
    assert rows and len({r.identifier for r in rows}) == len(rows)
    # the holder stops; after its lease runs out, the other takes over: the period's cycle
    # is done, so it issues nothing
    clock.advance(OperateSettings().lease_ttl_s + 1)
    loser = next(s for s in schedulers if s.owner not in held)
    again = loser.tick()
    assert again.held and again.cycles == []
    assert [r.identifier for r in _messages(engine)] == [r.identifier for r in rows]
    assert len(list_events(engine, kind="cycle_started")) == 1
    other.dispose()


def test_a_scheduler_that_dies_after_the_run_is_resumed(
    engine: Engine, tmp_path: Path, city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimulatedClock(AT)
    first = _scheduler(engine, tmp_path, clock, city, owner="first")

    def die(*args: Any) -> list[str]:
        raise RuntimeError("killed between the run and the publishing")

    monkeypatch.setattr(first, "_publish", die)
    with pytest.raises(RuntimeError, match="killed"):
        first.tick()
    issued_by_run = next(e for e in list_events(engine) if e.kind == "run_finished")
    before = _messages(engine)
    # a restart on another machine: the dead one's lease runs out first
    clock.advance(60)
    second = _scheduler(engine, tmp_path, clock, city, owner="second")
    assert not second.tick().held
    clock.advance(OperateSettings().lease_ttl_s)
    report = second.tick()
    assert report.held and [c.reason for c in report.cycles] == ["resumed"]
    (cycle,) = report.cycles
    assert cycle.run_id == issued_by_run.run_id  # the finished run is not run again
    after = _messages(engine)
    assert after and [r.identifier for r in after] == [r.identifier for r in before]
    assert sorted(cycle.issued) == sorted(issued_by_run.detail["issued"])
    kinds = [e.kind for e in list_events(engine, cycle=cycle.key)]
    assert kinds == ["cycle_started", "run_finished", "published", "cycle_done"]
    # the next tick has nothing left to do in this period
    assert second.tick().cycles == []


def test_a_scheduler_that_lost_its_lease_publishes_nothing(
    engine: Engine, tmp_path: Path, city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimulatedClock(AT)
    slow = _scheduler(engine, tmp_path, clock, city, owner="slow")
    run = slow._nowcast

    def stalled(at: datetime) -> tuple[str, list[str]]:
        out = run(at)
        # it stalls past its lease; another scheduler takes the lease meanwhile
        clock.advance(OperateSettings().lease_ttl_s + 1)
        assert take_lease(engine, LEASE_NAME, "quick", now=clock.now(), ttl_s=600)
        return out

    monkeypatch.setattr(slow, "_nowcast", stalled)
    assert slow.tick().cycles == []
    assert [e.kind for e in list_events(engine)][-1] == "cycle_skipped"
    assert list_events(engine, kind="published") == []
    quick = _scheduler(engine, tmp_path, clock, city, owner="quick")
    report = quick.tick()
    assert [c.reason for c in report.cycles] == ["resumed"]
    (published,) = list_events(engine, kind="published")
    assert published.owner == "quick"
    assert len(list_events(engine, kind="run_finished")) == 1  # the run was not run again
    rows = _messages(engine)
    assert sorted(published.detail["identifiers"]) == sorted(r.identifier for r in rows)
    assert clock.now() - AT > timedelta(seconds=600)
