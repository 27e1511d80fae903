"""``twin operate``: the forecast cycle that runs by itself (see :mod:`twin.operate`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import _common
from api.cli._common import DB_OPTION as _DB

__all__ = ["operate"]


def operate(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Settings TOML (watch, cycle_min, hours, triggers, ...)."),
    ] = None,
    watch: Annotated[
        list[Path] | None,
        typer.Option("--watch", help="A folder watched for sensor files (repeat for more)."),
    ] = None,
    cycle_min: Annotated[
        float | None, typer.Option("--cycle-min", help="Minutes between regular nowcasts.")
    ] = None,
    hours: Annotated[float | None, typer.Option("--hours", help="Hours ahead of each.")] = None,
    resolution_m: Annotated[
        float | None, typer.Option("--resolution", help="Grid of the nowcasts (m).")
    ] = None,
    gauge_alarm: Annotated[
        int | None, typer.Option("--gauge-alarm", help="Alarm level (1-3) that is a trigger.")
    ] = None,
    dam_change: Annotated[
        float | None,
        typer.Option("--dam-change-m3s", help="A dam outflow change that is a trigger (m3/s)."),
    ] = None,
    rain_mm_h: Annotated[
        float | None, typer.Option("--rain-mm-h", help="Rain intensity that is a trigger.")
    ] = None,
    silent_min: Annotated[
        float | None,
        typer.Option("--feed-silent-min", help="Minutes without a file before an alert."),
    ] = None,
    city: Annotated[
        Path | None, typer.Option("--city", help="City package (default: the demo city).")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Run one tick, then exit.")] = False,
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Ingest watched folders, run nowcasts on a cycle and on triggers, publish warnings.

    Several schedulers may run on one database: one cycle at a time (a lease in the
    database), every decision in its audit log. Exit 2 when the one tick of --once fails.
    """
    from twin.operate import Scheduler, load_settings

    with _common.guard():
        settings = load_settings(
            config,
            watch=watch or None,
            cycle_min=cycle_min,
            hours=hours,
            resolution_m=resolution_m,
            gauge_alarm=gauge_alarm,
            dam_release_change_m3s=dam_change,
            rain_mm_h=rain_mm_h,
            feed_silent_min=silent_min,
        )
        data = _common.data_dir()
        scheduler = Scheduler(
            _common.engine(database_url),
            settings,
            city=city,
            runs_dir=data / "runs",
            state_dir=data / "nowcast_state",
            signer=_common.signer(),
        )
        if not once:
            _common.err().print(f"operate: {scheduler.owner}, every {settings.poll_s:g} s")
            scheduler.run()
            return
        try:
            report = scheduler.tick()
        finally:
            scheduler.release()
    if not report.held:
        _common.out().print("another scheduler holds the cycle lease: nothing done")
        return
    _common.out().print(f"ingested {report.ingested} readings", highlight=False)
    for t in report.triggers:
        _common.out().print(f"trigger: {t.detail}", highlight=False)
    for folder in report.silent:
        _common.out().print(f"alert: feed {folder} is silent", highlight=False)
    failed = False
    for c in report.cycles:
        if c.error is not None:
            failed = True
            _common.err().print(f"cycle {c.key}: nowcast failed: {c.error}", highlight=False)
            continue
        _common.out().print(
            f"cycle {c.key} ({c.reason}): run {c.run_id}, {len(c.issued)} warnings issued",
            highlight=False,
        )
    if not report.cycles:
        _common.out().print("no cycle due", highlight=False)
    if failed:
        raise typer.Exit(2)
