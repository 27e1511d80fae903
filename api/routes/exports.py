"""GIS exports of a run over HTTP (public, like its tiles): a zip of COGs, a styled
GeoPackage, or a QGIS project with both (:mod:`twin.exports`)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import StateDep
from api.errors import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["runs"])
ZIP = "application/zip"


@router.get(
    "/runs/{run_id}/export",
    summary="A run's maps as files GIS users open (zip)",
    response_class=Response,
    responses={
        200: {
            "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}},
            "description": "A zip: cog: *.tif + *.qml; gpkg: impact.gpkg (styles in "
            "layer_styles); qgis: both and project.qgs",
        },
        **problem_responses(404, 409, 422),
    },
)
async def export(
    run_id: str,
    state: StateDep,
    fmt: Annotated[Literal["cog", "gpkg", "qgis"], Query(alias="format")] = "qgis",
    lang: Annotated[Literal["vi", "en"], Query(description="Language of the labels")] = "vi",
) -> Response:
    """Cloud Optimized GeoTIFFs of the maximum depth, hazard class and arrival time (with
    overviews, nodata and a QGIS style each), the impact layers with their styles, a QGIS
    project opening them: drawn in the same style table as the tiles."""
    from twin.exports import export_run

    folder = state.run_dir(run_id)  # 404 for an unknown run, 409 for one not finished
    crs: Any = state.city().crs

    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            written = export_run(folder, Path(tmp), fmt, crs=crs, lang=lang)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in written:
                    archive.write(path, arcname=path.name)
            return buf.getvalue()

    body = await run_in_threadpool(build)
    name = f"{run_id}-{fmt}.zip"
    return Response(
        body, media_type=ZIP, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
