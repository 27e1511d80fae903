"""``twin keys``: make, list and revoke API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli import _common
from api.cli._common import DB_OPTION as _DB

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["app"]

app = typer.Typer(help="API keys: make (`create --role ROLE`), list, revoke.", no_args_is_help=True)
_out = Console()
_err = Console(stderr=True)


def _engine(database_url: str | None) -> Engine:
    import twin.keys  # noqa: F401  (declares the table before make_engine creates it)

    return _common.engine(database_url)


@app.command("create")
def create(
    role: Annotated[str, typer.Option("--role", help="dispatcher, operator or admin")],
    name: Annotated[str, typer.Option("--name", help="A label, e.g. 'hotline desk 1'")] = "",
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Make a key and print its token (shown once: keep it)."""
    from twin import TwinError
    from twin.keys import create_key

    try:
        key, token = create_key(_engine(database_url), role=role, name=name)
    except TwinError as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _err.print(f"key {key.key_id} ({key.role}) made; its token is shown once:")
    print(token)


@app.command("list")
def list_(database_url: Annotated[str | None, _DB] = None) -> None:
    """List keys (their tokens are not kept, so never shown)."""
    from twin.keys import list_keys

    table = Table("key_id", "role", "name", "created (UTC)", "revoked")
    for key in list_keys(_engine(database_url)):
        table.add_row(
            key.key_id,
            key.role,
            key.name,
            key.created_at.isoformat(timespec="seconds"),
            "yes" if key.revoked else "",
        )
    _out.print(table)


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The 8-hex-digit key id (see `twin keys list`)")],
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Revoke a key: it stops authenticating."""
    from twin import NotFoundError
    from twin.keys import revoke_key

    try:
        revoke_key(_engine(database_url), key_id)
    except NotFoundError as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _err.print(f"key {key_id} revoked")
