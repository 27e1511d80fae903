"""``twin ensemble SPEC``: run an ensemble on Dask (a LocalCluster, or ``--scheduler``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli import _common

__all__ = ["ensemble"]


def ensemble(
    spec: Annotated[Path, typer.Argument(help="The ensemble file (TOML).")],
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address, e.g. tcp://host:8786 (the workers must see --out "
            "and the city at the same paths). Default: a LocalCluster of --workers processes.",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes of the LocalCluster.")
    ] = 2,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder of the members' Zarr stores and probabilities.nc "
            "(default: DATA_DIR/runs/ensembles/NAME).",
        ),
    ] = None,
) -> None:
    """Run every member of an ensemble in parallel and report the probabilities."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from twin.ensemble import EnsembleSpec, run

    with _common.guard():
        parsed = EnsembleSpec.from_toml(spec)
        folder = out if out is not None else _common.data_dir() / "runs" / "ensembles" / parsed.name
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=_common.err(),
        ) as bar:
            task = bar.add_task(f"ensemble {parsed.name}", total=parsed.members)

            def advance(done: int, total: int, record: dict[str, Any]) -> None:
                bar.update(task, completed=done)

            ds = run(
                parsed,
                scheduler,
                out_dir=folder,
                n_workers=workers,
                progress=advance,
            )
    keep = [v for v in ("exceedance_probability", "ward_hazard_probability") if v in ds]
    summary = ds[keep].reset_coords(drop=False)
    summary.attrs = {k: v for k, v in ds.attrs.items() if isinstance(v, str | int | float)}
    summary.to_netcdf(folder / "probabilities.nc")
    _report(ds, folder)


def _report(ds: Any, folder: Path) -> None:
    from layers.spacing import grid_spacing_m

    table = Table("depth above", "area with P > 0.5 (km²)", "area with P > 0 (km²)")
    dx, dy = grid_spacing_m(ds)
    cell_km2 = dx * dy / 1e6
    for thr in ds["threshold_m"].values:
        p = ds["exceedance_probability"].sel(threshold_m=thr).values
        table.add_row(
            f"{thr:g} m", f"{(p > 0.5).sum() * cell_km2:.2f}", f"{(p > 0).sum() * cell_km2:.2f}"
        )
    _common.out().print(table)
    if "ward_hazard_probability" in ds:
        prob = ds["ward_hazard_probability"]
        wards = Table("ward", "P(danger for some+)", "P(danger for most+)", "P(danger for all)")
        filled = prob.fillna(0).values
        worst = 100 * filled[:, 2:].sum(axis=1) + filled[:, 1:].sum(axis=1)
        for i in worst.argsort(kind="stable")[::-1][:10]:
            row = prob.isel(ward=int(i)).values
            name = str(prob["ward_name"].values[i]) if "ward_name" in prob.coords else ""
            wards.add_row(
                f"{prob['ward'].values[i]} {name}".strip(),
                f"{row[1:].sum():.2f}",
                f"{row[2:].sum():.2f}",
                f"{row[3]:.2f}",
            )
        _common.out().print(wards)
    _common.out().print(
        f"{ds.sizes['member']} members in {folder} (probabilities.nc and member_*.zarr)"
    )
