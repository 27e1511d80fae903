"""``twin dispatch``: intake, queue, assign, update, outbound; JSON, tables; exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import layers
from api.cli import app


@pytest.fixture
def cli(city: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rising_east: Any) -> Any:
    """Run ``twin dispatch ...`` on the synthetic city, a tmp database and a flood file."""
    monkeypatch.setattr(layers, "load_city", lambda path: city, raising=False)
    monkeypatch.setattr(layers, "ensure_demo_city", lambda: tmp_path, raising=False)
    flood = tmp_path / "flood.nc"
    rising_east.to_netcdf(flood)
    db = f"sqlite:///{tmp_path / 'twin.db'}"
    runner = CliRunner()

    def run(*args: str, flood_file: bool = True) -> Any:
        extra = ["--db", db] + (["--flood", str(flood), "--now", "7200"] if flood_file else [])
        return runner.invoke(app, ["dispatch", *args, *extra], env={"COLUMNS": "200"})

    return run


def test_intake_queue_assign_update(cli: Any) -> None:
    r = cli(
        "intake",
        "--phone",
        "0905123456",
        "--address",
        "45 hung vuong",
        "--people",
        "3",
        "--vulnerable",
        "elderly=1,children",
        "--water",
        "1.2",
        "--key",
        "k1",
        "--propose",
        "--json",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    call_id = out["call"]["call_id"]
    assert out["call"]["vulnerable"] == {"children": 1, "elderly": 1}
    assert out["proposal"]["best"]["vehicle"] == "boat"
    r = cli("queue", "--json")
    assert [c["call_id"] for c in json.loads(r.output)] == [call_id]
    r = cli("queue")
    assert r.exit_code == 0 and "open calls" in r.output and "Hùng Vương" in r.output
    r = cli("assign", str(call_id), "--operator", "op7")
    assert r.exit_code == 0 and "team B1 assigned" in r.output, r.output
    r = cli("update", str(call_id), "en route", "--operator", "op7", flood_file=False)
    assert r.exit_code == 0 and "en route" in r.output
    r = cli("show", str(call_id), "--json", flood_file=False)
    log = json.loads(r.output)["history"]
    assert [e["to_status"] for e in log] == ["new", "assigned", "en route"]
    assert log[-1]["operator"] == "op7"
    r = cli("teams", flood_file=False)
    assert r.exit_code == 0 and "en route" in r.output


def test_outbound_and_geocode(cli: Any) -> None:
    r = cli("outbound", "--hours", "3", "--json")
    assert r.exit_code == 0, r.output
    assert {e["ref"] for e in json.loads(r.output)} == {"H1", "H2"}
    r = cli("outbound", "--hours", "3")
    assert "H2" in r.output and "0905000002" in r.output
    r = CliRunner().invoke(app, ["dispatch", "geocode", "Lê Lợi", "--json"])
    assert json.loads(r.output)["status"] == "ambiguous"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("intake", "--phone", "12", "--people", "0"), "phone"),
        (("intake", "--phone", "0905123456", "--vulnerable", "elderly=x"), "kind=count"),
        (("assign", "999"), "call 999 does not exist"),
        (("update", "999", "rescued"), "does not exist"),
        (("outbound", "--hours", "-2"), "hours"),
        (("queue", "--now", "yesterday"), "--now"),
    ],
)
def test_bad_input_exits_2_without_traceback(cli: Any, args: tuple[str, ...], message: str) -> None:
    r = cli(*args, flood_file=args[0] != "update" and "--now" not in args)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


def test_missing_flood_file(cli: Any, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app,
        [
            "dispatch",
            "queue",
            "--flood",
            str(tmp_path / "nope.nc"),
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
        ],
    )
    assert r.exit_code == 2 and "does not exist" in " ".join(r.output.split())  # rich wraps


def test_default_flood_is_the_newest_finished_run(
    city: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rising_east: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from twin.db import make_engine, session_scope
    from twin.runs import RunRecord

    monkeypatch.setattr(layers, "load_city", lambda path: city, raising=False)
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    engine = make_engine(db)
    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    for i, (status, depth) in enumerate([("finished", 1.0), ("finished", 0.0), ("failed", 0.0)]):
        out = tmp_path / f"run{i}"
        out.mkdir()
        (rising_east * depth).to_netcdf(out / "flood.nc")
        with session_scope(engine) as s:
            s.add(
                RunRecord(
                    id=f"r{i}",
                    scenario="s",
                    kind="nowcast",
                    status=status,
                    started=t0,
                    finished=t0 + timedelta(hours=i if i != 1 else -1),
                    out_dir=str(out),
                    summary_json="{}",
                )
            )
    engine.dispose()
    # run0 is the newest finished one (run1 finished earlier, run2 failed)
    r = CliRunner().invoke(
        app,
        [
            "dispatch",
            "outbound",
            "--hours",
            "3",
            "--now",
            "1800",
            "--db",
            db,
            "--json",
            "--city",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    assert {e["ref"] for e in json.loads(r.output)} == {"H1", "H2"}
