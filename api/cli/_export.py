"""``twin export RUN --format cog|gpkg|qgis``: a run's maps as files GIS users open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import _common

__all__ = ["export", "run_folder"]


def run_folder(run: str, database_url: str | None = None) -> Path:
    """The folder of ``run``: a folder path, else a run id of the runs table."""
    from twin import TwinError
    from twin.runs import get_run

    path = Path(run)
    if path.is_dir():
        return path
    try:
        record = get_run(_common.engine(database_url), run)
    except TwinError:
        raise TwinError(f"{run!r} is neither a run folder nor a known run id") from None
    return Path(record["out_dir"])


def export(
    run: Annotated[str, typer.Argument(help="A run id, or a run's folder.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="cog: GeoTIFFs (+ .qml); gpkg: impact layers with styles; qgis: both and "
            "project.qgs.",
        ),
    ] = "qgis",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write into (default: RUN_FOLDER/export)."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Labels: vi or en.")] = "vi",
    city_path: Annotated[
        Path | None,
        typer.Option("--city", help="City package (its CRS; default: the settings' city)."),
    ] = None,
    database_url: Annotated[str | None, _common.DB_OPTION] = None,
) -> None:
    """Write a run's maximum depth, hazard class and arrival time as Cloud Optimized GeoTIFFs,
    its impact layers as a styled GeoPackage, and a QGIS project opening both."""
    import layers
    from twin import TwinError
    from twin.exports import FORMATS, export_run

    with _common.guard():
        if fmt not in FORMATS:
            raise TwinError(f"export format {fmt!r} is not known: use one of {', '.join(FORMATS)}")
        folder = run_folder(run, database_url)
        target = out if out is not None else folder / "export"
        crs = None
        if fmt != "gpkg":
            path = city_path or _common.settings().city_path or layers.ensure_demo_city()
            crs = layers.load_city(path).crs
        written = export_run(folder, target, fmt, crs=crs, lang=lang)
    for path in written:
        _common.out().print(str(path), highlight=False, soft_wrap=True)
