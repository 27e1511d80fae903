"""``twin sensors`` and ``twin alerts`` from the command line (Typer's test runner)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import Polygon
from typer.testing import CliRunner

from api.cli import app
from twin.alerts import AlertRules, WardImpact, issue_alerts
from twin.db import make_engine

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "hue" / "sensors"
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'twin.db'}"


def test_ingest_prints_counts_by_flag_and_is_idempotent(db: str):
    args = ["sensors", "ingest", str(SAMPLES / "river_gauges.csv"), "--database-url", db]
    result = runner.invoke(app, [*args, "--now", "2025-10-29T00:00:00+07:00"])
    assert result.exit_code == 0, result.output
    assert "216 stored" in result.output
    for text in ("good 207", "spike 1", "stuck 7", "duplicate 1", "out_of_order 1"):
        assert text in result.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "already ingested" in again.output


def test_malformed_file_exits_2_with_the_problem(db: str, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("station_id,time,quantity,value\nkim-long,2025-10-27T07:00Z,water_level,1\n")
    result = runner.invoke(app, ["sensors", "ingest", str(bad), "--database-url", db])
    assert result.exit_code == 2
    assert "missing column(s) unit" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["sensors", "ingest", "nope.json", "--database-url", db])
    assert result.exit_code == 2 and "cannot read" in result.output
    result = runner.invoke(
        app, ["sensors", "ingest", str(bad), "--now", "soon", "--database-url", db]
    )
    assert result.exit_code == 2 and "ISO 8601" in result.output


def test_show_station(db: str):
    runner.invoke(
        app,
        ["sensors", "ingest", str(SAMPLES / "rain_gauges.csv"), "--database-url", db],
    )
    result = runner.invoke(
        app, ["sensors", "show", "rain-tu-ha", "-q", "rain", "--database-url", db]
    )
    assert result.exit_code == 0, result.output
    assert "69 readings, 69 good" in result.output
    assert "gap: rain 2025-10-27T12:00:00+07:00" in result.output
    missing = runner.invoke(app, ["sensors", "show", "nowhere", "--database-url", db])
    assert missing.exit_code == 2 and "nowhere" in missing.output


def test_alerts_list_show_feed(db: str):
    engine = make_engine(db)
    ward = WardImpact(
        "W01",
        "Phú Xuân",
        Polygon([(107.57, 16.47), (107.60, 16.47), (107.60, 16.50)]),
        (0, 100, 0, 0),
        1,
        datetime(2025, 10, 27, 3, tzinfo=UTC),
        "Trường THPT Quốc Học",
    )
    (msg,) = issue_alerts(engine, [ward], now=datetime(2025, 10, 27, tzinfo=UTC))
    # the message is of 2025 and expires a day later: look from an hour after it was sent
    at = ["--now", "2025-10-27T08:00:00+07:00"]
    listed = runner.invoke(app, ["alerts", "list", *at, "--database-url", db])
    assert listed.exit_code == 0 and "Alert" in listed.output
    expired = runner.invoke(app, ["alerts", "list", "--database-url", db])
    assert expired.exit_code == 0 and "no warnings in effect" in expired.output
    shown = runner.invoke(app, ["alerts", "show", msg.identifier, "--database-url", db])
    assert shown.exit_code == 0 and "<msgType>Alert</msgType>" in shown.output
    as_json = runner.invoke(app, ["alerts", "show", msg.identifier, "--json", "--database-url", db])
    assert '"msgType": "Alert"' in as_json.output
    feed = runner.invoke(app, ["alerts", "feed", *at, "--database-url", db])
    assert "<feed" in feed.output and "Phú Xuân" in feed.output
    later = runner.invoke(app, ["alerts", "feed", "--database-url", db])
    assert "<feed" in later.output and "Phú Xuân" not in later.output
    bad = runner.invoke(app, ["alerts", "feed", "--now", "yesterday", "--database-url", db])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
    missing = runner.invoke(app, ["alerts", "show", "nope", "--database-url", db])
    assert missing.exit_code == 2 and "nope" in missing.output


def test_alerts_list_shows_and_filters_the_status(db: str):
    engine = make_engine(db)
    ward = WardImpact(
        "W01",
        "Phú Xuân",
        Polygon([(107.57, 16.47), (107.60, 16.47), (107.60, 16.50)]),
        (0, 100, 0, 0),
        1,
        datetime(2025, 10, 27, 3, tzinfo=UTC),
        "Trường THPT Quốc Học",
    )
    now = datetime(2025, 10, 27, tzinfo=UTC)
    (actual,) = issue_alerts(engine, [ward], now=now)
    (drill,) = issue_alerts(engine, [ward], now=now, rules=AlertRules(status="Exercise"))
    at = ["--now", "2025-10-27T08:00:00+07:00", "--database-url", db]
    wide = {"COLUMNS": "300"}
    both = runner.invoke(app, ["alerts", "list", *at], env=wide)
    assert both.exit_code == 0, both.output
    assert "status" in both.output and "Actual" in both.output and "Exercise" in both.output
    live = runner.invoke(app, ["alerts", "list", *at, "--status", "Actual"], env=wide)
    # (the drill's identifier is the live one's with a suffix: match them whole)
    assert f"{actual.identifier} " in live.output and f"{drill.identifier} " not in live.output
    drills = runner.invoke(app, ["alerts", "list", *at, "--status", "Exercise"], env=wide)
    assert f"{drill.identifier} " in drills.output
    assert f"{actual.identifier} " not in drills.output
    bad = runner.invoke(app, ["alerts", "list", *at, "--status", "Real"])
    assert bad.exit_code == 2 and "Actual, Exercise" in bad.output


def test_ingest_stores_in_parts_and_a_file_cut_off_is_completed_again(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import twin.sensors.store as store
    from twin.sensors import INGEST_PART_ROWS, readings_frame

    rows = 2 * INGEST_PART_ROWS + 200
    start = datetime(2025, 10, 20, tzinfo=UTC)
    feed = tmp_path / "long.csv"
    feed.write_text(
        "station_id,time,quantity,value,unit\n"
        + "".join(
            f"kim-long,{(start + timedelta(minutes=10 * i)).isoformat()},water_level,"
            f"{2.0 + 0.01 * (i % 50):.2f},m\n"
            for i in range(rows)
        ),
        encoding="utf-8",
    )
    args = ["sensors", "ingest", str(feed), "--database-url", db, "--now", "2025-11-01T00:00Z"]
    parts: list[int] = []
    keep = store._store_checked

    def cut_on_the_second_part(session, batch_id, result):
        parts.append(len(result.readings))
        if len(parts) == 2:
            raise RuntimeError("killed")
        keep(session, batch_id, result)

    monkeypatch.setattr(store, "_store_checked", cut_on_the_second_part)
    cut = runner.invoke(app, args)
    assert cut.exit_code != 0
    monkeypatch.undo()
    assert parts == [INGEST_PART_ROWS, INGEST_PART_ROWS]  # one short write per part
    assert len(readings_frame(make_engine(db))) == INGEST_PART_ROWS  # the first part is kept
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert f"{rows} rows, {rows - INGEST_PART_ROWS} stored" in again.output
    assert f"duplicate {INGEST_PART_ROWS}" in again.output
    stored = readings_frame(make_engine(db))
    assert len(stored) == rows and stored["time"].is_unique
    assert "already ingested" in runner.invoke(app, args).output
