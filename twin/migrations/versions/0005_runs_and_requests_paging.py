"""Indexes that page the runs and the Open311 service requests by keyset.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

- ``runs``: (started, id) reads the runs newest first, a page at a time.
- ``service_requests``: (requested_at, id) pages every request; (status, requested_at, id)
  and (service_code, requested_at, id) page them under the ``status`` and ``service_code``
  filters of ``GET /open311/v2/requests``.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_REQUEST_INDEXES = {
    "ix_service_requests_time_id": ["requested_at", "id"],
    "ix_service_requests_status_time_id": ["status", "requested_at", "id"],
    "ix_service_requests_code_time_id": ["service_code", "requested_at", "id"],
}


def upgrade() -> None:
    op.create_index("ix_runs_started_id", "runs", ["started", "id"], unique=False)
    for name, columns in _REQUEST_INDEXES.items():
        op.create_index(name, "service_requests", columns, unique=False)


def downgrade() -> None:
    for name in reversed(_REQUEST_INDEXES):
        op.drop_index(name, table_name="service_requests")
    op.drop_index("ix_runs_started_id", table_name="runs")
