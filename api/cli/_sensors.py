"""``twin sensors``: ingest sensor feeds (CSV, JSON) with quality control, show a station."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli import _common
from api.cli._common import DB_OPTION as _DB

if TYPE_CHECKING:
    pass

__all__ = ["app"]

app = typer.Typer(
    help="Dam, rain and river sensors: ingest feeds (with QC), show a station.",
    no_args_is_help=True,
)

_CITY = typer.Option(
    "--city", help="City package whose dams and gauges give the station ids (default: Huế ids)."
)


@app.command("ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Feed files (.csv or .json).")],
    now: Annotated[
        str | None,
        typer.Option("--now", help="Time of the ingest for the future-timestamp rule (ISO 8601)."),
    ] = None,
    city: Annotated[Path | None, _CITY] = None,
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Read, quality-control and store FILES in parts of 500 readings, each a short write (a
    file cut off half-way is completed by ingesting it again); print counts by QC flag."""
    from datetime import datetime

    from twin.sensors import FLAGS, INGEST_PART_ROWS, ingest_files, stations_from_city

    when = None
    if now is not None:
        try:
            when = datetime.fromisoformat(now)
        except ValueError:
            raise _common.fail(f"--now {now!r} is not ISO 8601") from None
    with _common.guard():
        stations = None
        if city is not None:
            from layers import load_city

            stations = stations_from_city(load_city(city))
        reports = ingest_files(
            _common.engine(database_url),
            files,
            stations=stations,
            now=when,
            part_rows=INGEST_PART_ROWS,
        )
    for r in reports:
        name = Path(r.source).name
        if r.already_ingested:
            _common.out().print(f"{name}: already ingested (batch {r.batch_id}), nothing added")
            continue
        counts = ", ".join(
            f"{flag} {r.counts[flag]}"
            for flag in ("good", *FLAGS, "duplicate", "gap")
            if r.counts.get(flag)
        )
        _common.out().print(f"{name}: {r.rows} rows, {r.added} stored; {counts}", soft_wrap=True)


@app.command("show")
def show(
    station: Annotated[str, typer.Argument(help="Station id, e.g. kim-long.")],
    quantity: Annotated[
        str | None, typer.Option("--quantity", "-q", help="Only this quantity; list readings.")
    ] = None,
    last: Annotated[int, typer.Option("--last", help="Readings listed with --quantity.")] = 24,
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Summary of a STATION's stored readings (per quantity), gaps, and recent readings."""
    from twin._time import local_iso
    from twin.sensors import readings_frame, sensor_notes, station_summary

    with _common.guard():
        engine = _common.engine(database_url)
        summary = station_summary(engine, station)
    for _, row in summary.iterrows():
        _common.out().print(
            f"{station} {row['quantity']}: {row['readings']} readings, {row['good']} good, "
            f"{local_iso(row['first'].to_pydatetime())} to "
            f"{local_iso(row['last'].to_pydatetime())}; latest good {row['latest_good']:g} "
            f"{row['unit']}",
            highlight=False,
            soft_wrap=True,
        )
    notes = sensor_notes(engine, station)
    for _, note in notes.iterrows():
        _common.out().print(
            f"{note['kind']}: {note['quantity']} {local_iso(note['start'].to_pydatetime())} -> "
            f"{local_iso(note['end'].to_pydatetime())} ({note['detail']})",
            highlight=False,
            soft_wrap=True,
        )
    if quantity is not None:
        frame = readings_frame(engine, station, quantity).tail(last)
        listing = Table("time (Huế)", "value", "unit", "as sent", "flags")
        for _, r in frame.iterrows():
            value = "" if r["value"] != r["value"] else f"{r['value']:g}"
            listing.add_row(
                local_iso(r["time"].to_pydatetime()),
                value,
                r["unit"],
                f"{r['value_raw']:g} {r['unit_raw']}",
                r["flags"] or "good",
            )
        _common.out().print(listing)
