"""twin.operate, the parts: the lease, the settings, the triggers, the watched folders, events."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from twin import TwinError
from twin.db import make_engine
from twin.operate import (
    SimulatedClock,
    find_triggers,
    ingest_folder,
    lease_holder,
    list_events,
    load_settings,
    record_event,
    release_lease,
    take_lease,
)

T0 = datetime(2025, 10, 26, 10, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'twin.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_one_holder_at_a_time_until_the_lease_expires(engine: Engine) -> None:
    assert take_lease(engine, "operate", "a", now=T0, ttl_s=60)
    assert not take_lease(engine, "operate", "b", now=T0 + timedelta(seconds=30), ttl_s=60)
    assert take_lease(engine, "operate", "a", now=T0 + timedelta(seconds=50), ttl_s=60)  # renew
    # renewed at +50 s: still a's at +100 s, b's after +110 s
    assert not take_lease(engine, "operate", "b", now=T0 + timedelta(seconds=100), ttl_s=60)
    assert lease_holder(engine, "operate", now=T0 + timedelta(seconds=100)) == "a"
    assert take_lease(engine, "operate", "b", now=T0 + timedelta(seconds=111), ttl_s=60)
    assert not take_lease(engine, "operate", "a", now=T0 + timedelta(seconds=112), ttl_s=60)
    release_lease(engine, "operate", "a")  # not a's: nothing happens
    assert lease_holder(engine, "operate", now=T0 + timedelta(seconds=112)) == "b"
    release_lease(engine, "operate", "b")
    assert lease_holder(engine, "operate", now=T0 + timedelta(seconds=112)) is None


def test_many_threads_racing_for_a_new_lease_give_one_holder(engine: Engine) -> None:
    barrier = threading.Barrier(6)
    won: list[str] = []

    def race(name: str) -> None:
        barrier.wait()
        if take_lease(engine, "race", name, now=T0, ttl_s=60):
            won.append(name)

    threads = [threading.Thread(target=race, args=(f"s{k}",)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    assert lease_holder(engine, "race", now=T0) == won[0]


def test_settings_from_toml_then_options(tmp_path: Path) -> None:
    path = tmp_path / "operate.toml"
    path.write_text('watch = ["in"]\ncycle_min = 10\nhours = 2\ngauge_alarm = 3\n', "utf-8")
    s = load_settings(path, hours=1.5, rain_mm_h=None)
    assert s.watch == (tmp_path / "in",)
    assert (s.cycle_min, s.hours, s.gauge_alarm, s.rain_mm_h) == (10.0, 1.5, 3, 30.0)


def test_bad_settings_name_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "operate.toml"
    path.write_text('cycle_min = -1\ngauge_alarm = 4\nwatch = 3\ncolour = "red"\n', "utf-8")
    with pytest.raises(TwinError) as info:
        load_settings(path)
    text = str(info.value) + " ".join(map(str, info.value.args))
    for part in ("cycle_min must be > 0", "gauge_alarm", "watch must be a list", "'colour'"):
        assert part in text
    with pytest.raises(TwinError, match="operate settings"):
        load_settings(tmp_path / "missing.toml")


def _frame(rows: list[tuple[str, str, str, float, float | None, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["station_id", "quantity", "time", "value", "interval_s", "batch_id"]
    )
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def test_triggers_fire_on_crossings_changes_and_heavy_rain_only() -> None:
    frame = _frame(
        [
            ("kim-long", "water_level", "2025-10-26T10:00Z", 1.97, None, 1),
            ("kim-long", "water_level", "2025-10-26T11:00Z", 2.05, None, 2),  # crosses BĐ2
            ("kim-long", "water_level", "2025-10-26T12:00Z", 2.20, None, 2),  # stays above
            ("phu-oc", "water_level", "2025-10-26T11:00Z", 2.90, None, 2),  # below BĐ2 (3.0)
            ("ta-trach", "outflow", "2025-10-26T10:00Z", 1500, None, 1),
            ("ta-trach", "outflow", "2025-10-26T11:00Z", 1700, None, 2),  # +200: under limit
            ("ta-trach", "outflow", "2025-10-26T12:00Z", 2400, None, 2),  # +700
            ("rain-hue", "rain", "2025-10-26T11:00Z", 10.0, 900.0, 2),  # 40 mm/h
            ("rain-hue", "rain", "2025-10-26T12:00Z", 10.0, 3600.0, 2),  # 10 mm/h
            ("kim-long", "water_level", "2025-10-26T09:00Z", 2.5, None, 1),  # old batch
        ]
    )
    found = find_triggers(
        frame,
        {2},
        alarm_levels={"kim-long": (1.0, 2.0, 3.5), "phu-oc": (None, 3.0, 4.5)},
        gauge_alarm=2,
        dam_release_change_m3s=300,
        rain_mm_h=30,
    )
    assert [(t.kind, t.station_id, t.time.hour) for t in found] == [
        ("gauge_alarm", "kim-long", 11),  # the 09:00 reading is older: 10:00's 1.97 is before
        ("rain", "rain-hue", 11),
        ("dam_release", "ta-trach", 12),
    ]
    assert found[1].value == pytest.approx(40.0)
    assert find_triggers(frame, set(), alarm_levels={}, gauge_alarm=2,
                         dam_release_change_m3s=300, rain_mm_h=30) == []  # fmt: skip


def test_a_folder_is_emptied_into_done_and_failed(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    inbox = tmp_path / "in"
    inbox.mkdir()
    good = "station_id,time,quantity,value,unit\nkim-long,2025-10-26T10:00:00Z,water_level,1.5,m\n"
    (inbox / "a.csv").write_text(good, "utf-8")
    (inbox / "b.csv").write_text("station_id,time\nkim-long,yesterday\n", "utf-8")
    (inbox / "notes.txt").write_text("not a feed", "utf-8")
    result = ingest_folder(engine, inbox, now=T0 + timedelta(hours=1))
    assert [r.added for r in result.reports] == [1]
    assert [name for name, _ in result.failed] == ["b.csv"]
    assert sorted(p.name for p in inbox.iterdir()) == ["done", "failed", "notes.txt"]
    (inbox / "a.csv").write_text(good, "utf-8")  # the same file again: not stored twice
    again = ingest_folder(engine, inbox, now=T0 + timedelta(hours=1))
    assert again.reports[0].already_ingested and again.new_batches == set()
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["a.1.csv", "a.csv"]


def test_events_are_kept_in_order_and_unknown_kinds_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    clock = SimulatedClock(T0)
    record_event(engine, "cycle_started", time=clock.now(), owner="a", cycle="c1", at="x")
    clock.advance(90)
    record_event(engine, "cycle_done", time=clock.now(), owner="a", cycle="c1", ok=True)
    events = list_events(engine, cycle="c1")
    assert [e.kind for e in events] == ["cycle_started", "cycle_done"]
    assert events[1].time - events[0].time == timedelta(seconds=90)
    assert events[1].detail == {"ok": True}
    with pytest.raises(ValueError, match="unknown operate event"):
        record_event(engine, "party", time=T0, owner="a")
