"""``twin alerts``: list the CAP warnings, show one (XML or JSON), print the Atom feed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli import _common
from api.cli._common import DB_OPTION as _DB

if TYPE_CHECKING:
    pass

__all__ = ["app"]

app = typer.Typer(help="CAP 1.2 warnings: list, show, feed.", no_args_is_help=True)


_NOW = typer.Option(
    "--now",
    help="The time to look from, ISO 8601 (e.g. 2025-10-27T08:00:00+07:00, to replay a "
    "scenario); default the clock. Messages expired by then are not in effect.",
)


def _when(text: str | None) -> datetime | None:
    from twin._time import as_utc

    if not text:
        return None
    try:
        return as_utc(text)
    except ValueError:
        raise _common.fail(f"--now {text!r} is not an ISO 8601 time") from None


@app.command("list")
def list_(
    all_: Annotated[
        bool, typer.Option("--all", help="Also superseded, cancelled and expired ones.")
    ] = False,
    now: Annotated[str | None, _NOW] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Only Actual (the live stream of the nowcasts) or Exercise (the scenarios').",
        ),
    ] = None,
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """List the warnings in effect (newest first), with their CAP status."""
    from datetime import UTC, datetime

    from twin._time import local_iso
    from twin.alerts import list_alerts
    from twin.alerts.cap import STATUSES

    if status is not None and status not in STATUSES:
        raise _common.fail(f"--status {status!r}: one of {', '.join(STATUSES)}")
    at = _when(now) or datetime.now(UTC)
    with _common.guard():
        records = list_alerts(
            _common.engine(database_url), active_only=not all_, now=at, status=status
        )
    table = Table(
        "identifier", "status", "type", "state", "sent", "severity", "urgency", "headline"
    )
    for r in records:
        table.add_row(
            r.identifier,
            r.status,
            r.msg_type,
            r.state,
            local_iso(r.sent),
            r.severity,
            r.urgency,
            r.headline_vi,
        )
    _common.out().print(table)
    if not records:
        _common.err().print(
            "no warnings" + ("" if all_ else " in effect (use --all for every one)")
        )


@app.command("show")
def show(
    identifier: Annotated[str, typer.Argument(help="The CAP identifier.")],
    json_: Annotated[bool, typer.Option("--json", help="JSON instead of CAP XML.")] = False,
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Print one warning as CAP 1.2 XML (or JSON)."""
    from twin.alerts import alert_json, alert_xml

    with _common.guard():
        engine = _common.engine(database_url)
        text = alert_json(engine, identifier) if json_ else alert_xml(engine, identifier).decode()
    print(text)


@app.command("feed")
def feed(
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the alerts are served.")
    ] = "https://hue-twin.example/alerts",
    language: Annotated[str, typer.Option("--language", help="vi-VN or en-US")] = "vi-VN",
    now: Annotated[str | None, _NOW] = None,
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Print the Atom feed: the warnings in effect, and Updates and Cancels of the last day."""
    from twin.alerts import atom_feed

    at = _when(now)
    with _common.guard():
        xml = atom_feed(_common.engine(database_url), base_url=base_url, language=language, now=at)
    print(xml.decode())
