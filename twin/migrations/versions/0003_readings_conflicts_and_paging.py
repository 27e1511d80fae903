"""Readings kept as conflicts, and the indexes that page the list routes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

- ``sensor_readings.copy_no``: a second, different value for a good reading is kept (1, 2, ...)
  instead of being dropped, so the unique key becomes (station, quantity, time, copy_no); an
  index on (station_id, time, id) pages a station's readings by keyset.
- ``dispatch_calls``: an index on (status, priority_score, id) pages the ranked queue.
- ``alert_wards``: the wards (CAP area geocodes) each message covers, so ``GET /alerts?ward=``
  reads an index, never the messages' XML. Existing messages are indexed from their XML.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from lxml import etree

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def _geocodes(xml: str) -> list[str]:
    """The geocode values of a stored CAP message, each once, in order."""
    root = etree.fromstring(xml.encode("utf-8"))
    found: list[str] = []
    for value in root.iter(f"{_CAP}value"):
        parent = value.getparent()
        if parent is None or parent.tag != f"{_CAP}geocode":
            continue
        text = (value.text or "").strip()
        if text and text not in found:
            found.append(text)
    return found


def upgrade() -> None:
    with op.batch_alter_table("sensor_readings") as batch:
        batch.add_column(sa.Column("copy_no", sa.Integer(), server_default="0", nullable=False))
        batch.drop_constraint("uq_sensor_reading", type_="unique")
        batch.create_unique_constraint(
            "uq_sensor_reading", ["station_id", "quantity", "time", "copy_no"]
        )
    op.create_index(
        "ix_sensor_readings_station_time_id",
        "sensor_readings",
        ["station_id", "time", "id"],
        unique=False,
    )
    op.create_index(
        "ix_dispatch_calls_queue",
        "dispatch_calls",
        ["status", "priority_score", "id"],
        unique=False,
    )
    op.create_table(
        "alert_wards",
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("ward_id", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["identifier"], ["alert_messages.identifier"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("identifier", "ward_id"),
    )
    op.create_index("ix_alert_wards_ward_seq", "alert_wards", ["ward_id", "seq"], unique=False)
    con = op.get_bind()
    rows = con.execute(sa.text("SELECT identifier, seq, xml FROM alert_messages")).all()
    wards = sa.table(
        "alert_wards",
        sa.column("identifier"),
        sa.column("ward_id"),
        sa.column("seq"),
        sa.column("position"),
    )
    for row in rows:
        values = [
            {"identifier": row.identifier, "ward_id": w, "seq": row.seq, "position": i}
            for i, w in enumerate(_geocodes(row.xml))
        ]
        if values:
            con.execute(sa.insert(wards), values)


def downgrade() -> None:
    op.drop_index("ix_alert_wards_ward_seq", table_name="alert_wards")
    op.drop_table("alert_wards")
    op.drop_index("ix_dispatch_calls_queue", table_name="dispatch_calls")
    op.drop_index("ix_sensor_readings_station_time_id", table_name="sensor_readings")
    with op.batch_alter_table("sensor_readings") as batch:
        batch.drop_constraint("uq_sensor_reading", type_="unique")
        batch.create_unique_constraint("uq_sensor_reading", ["station_id", "quantity", "time"])
        batch.drop_column("copy_no")
