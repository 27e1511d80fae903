"""``twin keys``: make, list and revoke API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli import _common
from api.cli._common import DB_OPTION as _DB

if TYPE_CHECKING:
    pass

__all__ = ["app"]

app = typer.Typer(help="API keys: make (`create --role ROLE`), list, revoke.", no_args_is_help=True)


@app.command("create")
def create(
    role: Annotated[str, typer.Option("--role", help="dispatcher, operator or admin")],
    name: Annotated[str, typer.Option("--name", help="A label, e.g. 'hotline desk 1'")] = "",
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Make a key and print its token (shown once: keep it)."""
    from twin.keys import create_key

    with _common.guard():
        key, token = create_key(_common.engine(database_url), role=role, name=name)
    _common.err().print(f"key {key.key_id} ({key.role}) made; its token is shown once:")
    print(token)


@app.command("list")
def list_(database_url: Annotated[str | None, _DB] = None) -> None:
    """List keys (their tokens are not kept, so never shown)."""
    from twin.keys import list_keys

    table = Table("key_id", "role", "name", "created (UTC)", "revoked")
    with _common.guard():
        keys = list_keys(_common.engine(database_url))
    for key in keys:
        table.add_row(
            key.key_id,
            key.role,
            key.name,
            key.created_at.isoformat(timespec="seconds"),
            "yes" if key.revoked else "",
        )
    _common.out().print(table)


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The 8-hex-digit key id (see `twin keys list`)")],
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Revoke a key: it stops authenticating."""
    from twin.keys import revoke_key

    with _common.guard():
        revoke_key(_common.engine(database_url), key_id)
    _common.err().print(f"key {key_id} revoked")
