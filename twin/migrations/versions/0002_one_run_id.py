"""One id for a run: a run the service made is known by its folder's name.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08

Before, a run made through the API had two ids: its folder's name (the API's) and its record's
(the twin's). From now on they are one. A run whose folder is named by a 32-hex-digit id, that
no other run has, takes it as the id of its record and of its CAP messages.
"""

from __future__ import annotations

import re
from pathlib import PurePath

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def upgrade() -> None:
    con = op.get_bind()
    rows = con.execute(sa.text("SELECT id, out_dir FROM runs")).all()
    taken = {row.id for row in rows}
    for row in rows:
        name = PurePath(row.out_dir).name
        if name == row.id or not _RUN_ID.match(name) or name in taken:
            continue
        con.execute(
            sa.text("UPDATE runs SET id = :new WHERE id = :old"), {"new": name, "old": row.id}
        )
        con.execute(
            sa.text("UPDATE alert_messages SET run_id = :new WHERE run_id = :old"),
            {"new": name, "old": row.id},
        )
        taken.add(name)


def downgrade() -> None:
    """The old ids are not kept: the records keep the one id."""
