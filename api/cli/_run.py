"""``twin run`` (a scenario) and ``twin nowcast`` (the next hours from the sensors)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli import _common
from api.cli._common import DB_OPTION as _DB

__all__ = ["nowcast", "run"]


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[str, float], None]]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        console=_common.err(),
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=1.0, stage="")

        def report(stage: str, fraction: float) -> None:
            bar.update(task, completed=fraction, stage=stage)

        yield report


def _report(summary: dict[str, Any], out_dir: Path) -> None:
    totals = summary.get("totals", {})
    timings = summary.get("timings", {})
    _common.out().print(f"[green]done[/green] {summary.get('scenario')} -> {out_dir}")
    _common.out().print(
        f"people in more than 0.5 m: {totals.get('people_depth_gt_0_5m', 0):,}; "
        f"in danger for all: {totals.get('people_hazard_all', 0):,}; "
        f"roads cut for cars: {totals.get('roads_cut_car', 0)}; "
        f"lights in water: {totals.get('lights_in_water', 0)}; "
        f"alerts: {summary.get('alerts', 0)}; "
        f"{timings.get('total_s', 0):.1f} s"
    )


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the run's files (default: DATA_DIR/runs/NAME)."),
    ] = None,
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Run a flood scenario and write the flood, impact, alerts, map and summary into OUT."""
    from twin import Scenario
    from twin.run import run_scenario

    with _common.guard():
        sc = Scenario.from_toml(scenario)
        engine = _common.engine(database_url)
        folder = out if out is not None else _common.data_dir() / "runs" / sc.name
        with _progress_bar(sc.name) as report:
            result = run_scenario(
                sc, folder, progress=report, engine=engine, signer=_common.signer()
            )
    _report(result.summary, result.out_dir)


def nowcast(
    at: Annotated[
        str, typer.Option("--at", help="Time of the nowcast, e.g. 2025-10-27T07:00+07:00.")
    ],
    hours: Annotated[float, typer.Option("--hours", help="How many hours ahead.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the run's files (default: DATA_DIR/runs/nowcast)."),
    ] = None,
    city: Annotated[
        Path | None, typer.Option("--city", help="City package (default: the demo city).")
    ] = None,
    resolution_m: Annotated[float, typer.Option("--resolution", help="Cell size (m).")] = 30.0,
    rain_mm_h: Annotated[
        float | None, typer.Option("--rain-mm-h", help="Forecast rain after --at (mm/h).")
    ] = None,
    every: Annotated[str, typer.Option("--every", help="Output interval.")] = "30min",
    state_dir: Annotated[
        Path | None,
        typer.Option(
            "--state-dir", help="Where model states are kept (default: DATA_DIR/nowcast_state)."
        ),
    ] = None,
    keep_states_h: Annotated[
        float,
        typer.Option(
            "--keep-states-h", help="Delete saved states older than this many hours before AT."
        ),
    ] = 48.0,
    database_url: Annotated[str | None, _DB] = None,
) -> None:
    """Run the flood model HOURS ahead of AT from the latest good sensor data."""
    from twin.nowcast import parse_at, run_nowcast

    with _common.guard():
        parse_at(at)
        engine = _common.engine(database_url)
        data = _common.data_dir()
        with _progress_bar(f"nowcast {at}") as report:
            result = run_nowcast(
                at,
                hours,
                out if out is not None else data / "runs" / "nowcast",
                city=city,
                resolution_m=resolution_m,
                forecast_rain_mm_h=rain_mm_h,
                output_every=every,
                engine=engine,
                state_dir=state_dir if state_dir is not None else data / "nowcast_state",
                keep_states_h=keep_states_h,
                progress=report,
                signer=_common.signer(),
            )
    _report(result.summary, result.out_dir)
    for note in result.summary.get("forcing_notes", []):
        _common.out().print(f"note: {note}", highlight=False)
    if not result.summary.get("forecast", True):
        raise _common.fail(
            f"no readings: not a forecast. The database has no good sensor reading up to {at}; "
            "its figures are not an all clear. Ingest the feeds first: twin sensors ingest "
            "data/hue/sensors/*.csv data/hue/sensors/dams.json"
        )
