"""``twin city build``: a city package from open data (a DEM, wards, OpenStreetMap, rasters)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

from api.cli import _common

__all__ = ["app"]

app = typer.Typer(
    help="Cities: build a city package from open data (see layers.build_city).",
    no_args_is_help=True,
)


@app.command("build")
def build(
    out: Annotated[Path, typer.Argument(help="City folder to write (replaced only if good).")],
    dem: Annotated[
        list[Path], typer.Option("--dem", help="GeoTIFF DEM, any CRS, int or float; repeat.")
    ],
    wards: Annotated[
        Path | None, typer.Option("--wards", help="Ward outlines, any vector format.")
    ] = None,
    wards_id: Annotated[str | None, typer.Option(help="Column of the ward ids.")] = None,
    wards_name: Annotated[str | None, typer.Option(help="Column of the ward names.")] = None,
    wards_population: Annotated[
        str | None, typer.Option(help="Column of the ward populations.")
    ] = None,
    osm: Annotated[
        Path | None, typer.Option("--osm", help="OpenStreetMap extract (.osm.pbf or .osm).")
    ] = None,
    population: Annotated[
        list[Path] | None, typer.Option("--population", help="People-per-cell raster; repeat.")
    ] = None,
    landcover: Annotated[
        list[Path] | None,
        typer.Option("--landcover", help="Land-cover raster (ESA WorldCover codes); repeat."),
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="Projected CRS (default: the UTM zone of the DEM).")
    ] = None,
    cell_m: Annotated[float | None, typer.Option(help="Cell size of a warped DEM, m.")] = None,
    name: Annotated[str | None, typer.Option(help="City name (default: the folder).")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone of the city.")] = None,
    languages: Annotated[
        str | None, typer.Option(help="Warning languages, in order, comma-separated: vi,en.")
    ] = None,
) -> None:
    """Build a city package at OUT from open data, checked; exit 2 listing every problem."""
    from layers import LayerError, build_city

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = build_city(
                out,
                dem=dem,
                wards=wards,
                wards_id=wards_id,
                wards_name=wards_name,
                wards_population=wards_population,
                osm=osm,
                population=population or None,
                landcover=landcover or None,
                crs=crs,
                cell_m=cell_m,
                name=name,
                timezone=timezone,
                languages=languages.split(",") if languages else None,
            )
    except LayerError as e:
        n = len(e.problems)
        _common.err().print(
            f"[red]{out}: {n} problem{'s' if n != 1 else ''}[/red]", highlight=False, soft_wrap=True
        )
        for problem in e.problems:
            _common.err().print(f"  [red]-[/red] {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _common.out().print(f"[green]{path}: built[/green]; check it with `twin layers check {path}`")
