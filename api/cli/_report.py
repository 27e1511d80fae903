"""``twin report RUN``: a run's figures (PNG) and a short HTML bulletin, in Vietnamese or
English."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import _common
from api.cli._export import run_folder

__all__ = ["report"]


def report(
    run: Annotated[str, typer.Argument(help="A run id, or a run's folder.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write into (default: RUN_FOLDER/report)."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language: vi or en.")] = "vi",
    database_url: Annotated[str | None, _common.DB_OPTION] = None,
) -> None:
    """Write the ward map by people at risk, a hydrograph at each gauge against its alarm
    levels BĐ1–BĐ3, and bulletin.html, for pasting into a bulletin."""
    from twin.bulletin import write_bulletin

    with _common.guard():
        folder = run_folder(run, database_url)
        written = write_bulletin(folder, out if out is not None else folder / "report", lang=lang)
    for path in written:
        _common.out().print(str(path), highlight=False, soft_wrap=True)
