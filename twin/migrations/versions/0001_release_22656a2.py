"""The schema of the last release without migrations (22656a2): every table of the twin.

Revision ID: 0001
Revises:
Create Date: 2026-12-08

A database made by that release (its tables made by ``create_all``, only those of the modules
its commands had imported) is brought to this revision as it is: a table or index that exists
is kept, a missing one is made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_issue_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuances", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "alert_messages",
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("sent", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("msg_type", sa.String(length=20), nullable=False),
        sa.Column("area_key", sa.String(length=500), nullable=False),
        sa.Column("chain", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("urgency", sa.String(length=20), nullable=False),
        sa.Column("certainty", sa.String(length=20), nullable=False),
        sa.Column("headline_vi", sa.Text(), nullable=False),
        sa.Column("headline_en", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(length=200), nullable=True),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("identifier"),
        if_not_exists=True,
    )
    op.create_index(
        "alert_one_active_per_area",
        "alert_messages",
        ["area_key", "status"],
        unique=True,
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_alert_messages_area_key"),
        "alert_messages",
        ["area_key"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_alert_messages_chain"),
        "alert_messages",
        ["chain"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_alert_messages_sent"), "alert_messages", ["sent"], unique=False, if_not_exists=True
    )
    op.create_index(
        op.f("ix_alert_messages_seq"), "alert_messages", ["seq"], unique=False, if_not_exists=True
    )
    op.create_index(
        op.f("ix_alert_messages_state"),
        "alert_messages",
        ["state"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
        if_not_exists=True,
    )
    op.create_table(
        "dispatch_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("ward_id", sa.String(length=32), nullable=True),
        sa.Column("location_label", sa.Text(), nullable=False),
        sa.Column("geocode_status", sa.String(length=16), nullable=False),
        sa.Column("geocode", sa.JSON(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("vulnerable", sa.JSON(), nullable=False),
        sa.Column("vulnerable_count", sa.Integer(), nullable=False),
        sa.Column("reported_water_m", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("route", sa.JSON(), nullable=True),
        sa.Column("priority_score", sa.Float(), nullable=False),
        sa.Column("priority", sa.JSON(), nullable=False),
        sa.Column("risk", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_dispatch_calls_phone"),
        "dispatch_calls",
        ["phone"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_dispatch_calls_status"),
        "dispatch_calls",
        ["status"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "dispatch_teams",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("vehicle", sa.String(length=16), nullable=False),
        sa.Column("capacity_persons", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("station_x", sa.Float(), nullable=False),
        sa.Column("station_y", sa.Float(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_dispatch_teams_status"),
        "dispatch_teams",
        ["status"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "light_status_overrides",
        sa.Column("light_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("service_request_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("light_id"),
        if_not_exists=True,
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("scenario", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started", sa.DateTime(), nullable=False),
        sa.Column("finished", sa.DateTime(), nullable=True),
        sa.Column("out_dir", sa.Text(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_runs_scenario"), "runs", ["scenario"], unique=False, if_not_exists=True
    )
    op.create_table(
        "sensor_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.Column("now", sa.DateTime(), nullable=False),
        sa.Column("counts_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
        if_not_exists=True,
    )
    op.create_table(
        "service_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("status_notes", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("address_string", sa.Text(), nullable=True),
        sa.Column("address_id", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("light_id", sa.String(length=40), nullable=True),
        sa.Column("ward_id", sa.String(length=20), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_service_requests_requested_at"),
        "service_requests",
        ["requested_at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_service_requests_service_code"),
        "service_requests",
        ["service_code"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_service_requests_status"),
        "service_requests",
        ["status"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "dispatch_call_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["dispatch_calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_dispatch_call_events_call_id"),
        "dispatch_call_events",
        ["call_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "sensor_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["sensor_batches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "station_id", "quantity", "kind", "start", "end", name="uq_sensor_note"
        ),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_sensor_notes_batch_id"),
        "sensor_notes",
        ["batch_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_sensor_notes_station_id"),
        "sensor_notes",
        ["station_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "sensor_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.String(length=50), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("value_raw", sa.Float(), nullable=False),
        sa.Column("unit_raw", sa.String(length=20), nullable=False),
        sa.Column("interval_s", sa.Float(), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.Column("good", sa.Boolean(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["sensor_batches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("station_id", "quantity", "time", name="uq_sensor_reading"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_sensor_readings_batch_id"),
        "sensor_readings",
        ["batch_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_sensor_readings_good"),
        "sensor_readings",
        ["good"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_sensor_readings_station_id"),
        "sensor_readings",
        ["station_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_sensor_readings_time"),
        "sensor_readings",
        ["time"],
        unique=False,
        if_not_exists=True,
    )
    # the alert lock's one row exists from the table's creation on (twin.alerts.store)
    op.execute(
        "INSERT INTO alert_issue_lock (id, issuances) "
        "SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM alert_issue_lock WHERE id = 1)"
    )


def downgrade() -> None:
    for table in (
        "dispatch_call_events",
        "sensor_notes",
        "sensor_readings",
        "alert_issue_lock",
        "alert_messages",
        "api_keys",
        "dispatch_calls",
        "dispatch_teams",
        "light_status_overrides",
        "runs",
        "sensor_batches",
        "service_requests",
    ):
        op.drop_table(table)
