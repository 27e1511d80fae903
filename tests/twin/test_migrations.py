"""The schema: one create_schema() by Alembic migrations, on SQLite and PostgreSQL; a database
made by the last release without migrations (22656a2) is upgraded in place, its rows kept."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from twin.db import TABLE_MODULES, create_schema, make_engine, schema_metadata

DATA = Path(__file__).parent / "data"
OLD_RUN = "0123456789abcdef0123456789abcdef"
#: A run the service of release 22656a2 made: its folder's name (the API's id) and its
#: record's id differ.
API_FOLDER, API_RECORD = "f" * 32, "e" * 32


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'twin.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _head() -> str:
    import twin.db

    folder = Path(twin.db.__file__).parent / "migrations"
    head = ScriptDirectory(str(folder)).get_current_head()
    assert head is not None
    return head


def _load_release_22656a2(url: str) -> None:
    """The database as release 22656a2 left it (tables by create_all, no alembic_version)."""
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        db.executescript((DATA / "release_22656a2.sqlite.sql").read_text(encoding="utf-8"))
        db.close()
        return
    lines = (DATA / "release_22656a2.postgresql.sql").read_text(encoding="utf-8").splitlines()
    sql = "\n".join(ln for ln in lines if not ln.startswith("--"))
    engine = create_engine(url)
    with engine.begin() as con:
        for statement in sql.split(";\n"):
            if statement.strip():
                con.exec_driver_sql(statement)
    engine.dispose()


def _differences(engine: Any) -> list[Any]:
    with engine.connect() as con:
        return list(compare_metadata(MigrationContext.configure(con), schema_metadata()))


def test_a_new_database_gets_every_table_at_the_head(url: str) -> None:
    engine = make_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
        for table in schema_metadata().tables:
            assert table in names
        with engine.connect() as con:
            assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
            assert con.execute(text("SELECT id FROM alert_issue_lock")).scalars().all() == [1]
        assert _differences(engine) == []  # the migrations make exactly the tables declared
        create_schema(engine)  # again: nothing to do, nothing doubled
        with engine.connect() as con:
            assert con.execute(text("SELECT count(*) FROM alert_issue_lock")).scalar() == 1
    finally:
        engine.dispose()


def test_a_database_of_release_22656a2_is_upgraded_with_its_rows(url: str) -> None:
    from twin import NotFoundError
    from twin.alerts import issue_alerts
    from twin.keys import list_keys
    from twin.runs import get_run

    _load_release_22656a2(url)
    old = create_engine(url)
    with old.begin() as con:
        con.execute(
            text(
                "INSERT INTO runs (id, scenario, kind, status, started, out_dir, summary_json) "
                "VALUES (:id, 'api', 'scenario', 'finished', '2025-10-27 00:00:00', :d, '{}')"
            ),
            {"id": API_RECORD, "d": f"/srv/twin/runs/{API_FOLDER}"},
        )
    old.dispose()
    engine = make_engine(url)
    try:
        with engine.connect() as con:
            assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
        assert _differences(engine) == []
        run = get_run(engine, OLD_RUN)
        assert run["status"] == "finished" and run["summary"] == {"alerts": 0}
        # one id for a run: the API's (its folder's name) is now its record's too
        assert get_run(engine, API_FOLDER)["scenario"] == "api"
        with pytest.raises(NotFoundError):
            get_run(engine, API_RECORD)
        assert [k.name for k in list_keys(engine)] == ["desk 1"]
        # the alert lock's row came with the old database: issuing still works
        assert issue_alerts(engine, [], now=datetime(2026, 1, 1, tzinfo=UTC)) == []
        with engine.connect() as con:
            assert con.execute(text("SELECT count(*) FROM alert_issue_lock")).scalar() == 1
    finally:
        engine.dispose()


def test_every_table_module_is_known() -> None:
    """A module that declares a table and is not in TABLE_MODULES would have no migration."""
    import importlib
    import pkgutil

    import twin
    from twin.db import Base

    for info in pkgutil.walk_packages(twin.__path__, prefix="twin."):
        importlib.import_module(info.name)
    declared = {m.class_.__module__ for m in Base.registry.mappers}
    assert declared <= set(TABLE_MODULES)


_OLD_CAP = (
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>old-1</identifier>'
    "<info><area><areaDesc>A</areaDesc><geocode><valueName>ward</valueName><value>W05</value>"
    "</geocode></area><area><areaDesc>B</areaDesc><geocode><valueName>ward</valueName>"
    "<value>W07</value></geocode></area></info></alert>"
)


def test_readings_and_alerts_of_release_22656a2_get_copy_numbers_and_ward_index(url: str) -> None:
    """Migration 0003: old readings are first copies (copy_no 0), a second value for the same
    time can now be stored, and old messages are found by ward without reading their XML."""
    _load_release_22656a2(url)
    old = create_engine(url)
    sent = datetime(2025, 10, 27, tzinfo=UTC).replace(tzinfo=None)
    with old.begin() as con:
        con.execute(
            text(
                "INSERT INTO sensor_batches (id, source, sha256, ingested_at, now, counts_json) "
                "VALUES (1, 'f.csv', :h, :t, :t, '{}')"
            ),
            {"h": "a" * 64, "t": sent},
        )
        con.execute(
            text(
                "INSERT INTO sensor_readings (id, batch_id, station_id, quantity, time, value, "
                "unit, value_raw, unit_raw, flags, good, line) VALUES (1, 1, 'kim-long', "
                "'level', :t, 2.1, 'm', 2.1, 'm', '', :good, 2)"
            ),
            {"t": sent, "good": True},
        )
        con.execute(
            text(
                "INSERT INTO alert_messages (identifier, seq, sender, sent, status, msg_type, "
                'area_key, chain, fingerprint, "references", state, severity, urgency, '
                "certainty, headline_vi, headline_en, xml) VALUES ('old-1', 7, 's', :t, "
                "'Actual', 'Alert', 'W05,W07', 'c', 'f', '', 'active', 'Severe', 'Expected', "
                "'Likely', 'h', 'h', :xml)"
            ),
            {"t": sent, "xml": _OLD_CAP},
        )
    old.dispose()
    engine = make_engine(url)
    try:
        assert _differences(engine) == []
        with engine.begin() as con:
            assert con.execute(text("SELECT copy_no FROM sensor_readings")).scalar() == 0
            wards = con.execute(
                text("SELECT ward_id, seq, position FROM alert_wards ORDER BY position")
            ).all()
            assert [tuple(w) for w in wards] == [("W05", 7, 0), ("W07", 7, 1)]
            con.execute(
                text(
                    "INSERT INTO sensor_readings (id, batch_id, station_id, quantity, time, "
                    "value, unit, value_raw, unit_raw, flags, good, line, copy_no) VALUES (2, 1, "
                    "'kim-long', 'level', :t, 9.9, 'm', 9.9, 'm', 'conflict', :good, 3, 1)"
                ),
                {"t": sent, "good": False},
            )
            assert con.execute(text("SELECT count(*) FROM sensor_readings")).scalar() == 2
    finally:
        engine.dispose()
