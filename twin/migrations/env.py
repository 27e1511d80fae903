"""Alembic's environment for the twin's database.

Migrations run through :func:`twin.db.create_schema`, on the connection it hands over
(``config.attributes["connection"]``). ``versions/`` holds them, oldest first: ``0001`` is the
schema of the last release made without migrations. A change to a table needs a new file there
(``tests/twin/test_migrations.py`` fails while the migrated schema and the tables differ).
"""

from __future__ import annotations

from alembic import context

from twin.db import schema_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=schema_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
