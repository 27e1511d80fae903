"""``twin layers``: check a city package, or summarise it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.cli import _common

__all__ = ["app", "print_summary"]

app = typer.Typer(
    help="City layers: check a city package (every problem at once) or summarise it.",
    no_args_is_help=True,
)

_PATH = typer.Argument(help="City package folder (city.toml, city.gpkg, dem.tif).")


def print_summary(summary: dict[str, Any], console: Console | None = None) -> None:
    """Print a city summary (``City.summary()``) as a table."""
    table = Table(title=summary["name"], show_header=False, title_justify="left")
    xmin, ymin, xmax, ymax = summary["extent_m"]
    dem = summary["dem"]
    table.add_row("CRS", summary["crs"])
    table.add_row(
        "extent (m)",
        f"x {xmin:.0f} to {xmax:.0f}, y {ymin:.0f} to {ymax:.0f} "
        f"({(xmax - xmin) / 1000:.1f} x {(ymax - ymin) / 1000:.1f} km)",
    )
    table.add_row(
        "DEM",
        f"{dem['rows']} x {dem['cols']} cells of {dem['cell_m']:g} m, "
        f"{dem['min_m']:.1f} to {dem['max_m']:.1f} m",
    )
    table.add_row("population", f"{summary['population']:,}")
    for name, count in summary["counts"].items():
        table.add_row(name, f"{count:,}")
    table.add_row("bridges", f"{summary['bridges']:,}")
    table.add_row("broken lights", f"{summary['broken_lights']:,}")
    (console or _common.out()).print(table)


def _report(path: Path) -> Any:
    from layers import inspect_city

    return inspect_city(path)


@app.command("check")
def check(path: Annotated[Path, _PATH]) -> None:
    """Check the city package at PATH: print every problem; exit 2 if there is one."""
    report = _report(path)
    for note in report.notes:
        _common.out().print(f"[yellow]note:[/yellow] {note}", highlight=False)
    if report.problems:
        n = len(report.problems)
        _common.err().print(
            f"[red]{path}: {n} problem{'s' if n != 1 else ''}[/red]", highlight=False
        )
        for problem in report.problems:
            _common.err().print(f"  [red]-[/red] {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    _common.out().print(f"[green]{path}: ok[/green] ({report.city.name})", highlight=False)


@app.command("info")
def info(path: Annotated[Path, _PATH]) -> None:
    """Summarise the city package at PATH: counts, CRS, extent, population, DEM."""
    report = _report(path)
    if report.problems:
        _common.err().print(
            f"[red]{path}: {len(report.problems)} problem(s); run `twin layers check {path}`[/red]",
            highlight=False,
        )
        raise typer.Exit(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print_summary(report.city.summary())
