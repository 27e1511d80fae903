"""Reading DEMs as a GIS user has them: any CRS, int or float, nodata set, one or several tiles.

A DEM in another CRS than the city's (an SRTM or Copernicus tile in EPSG:4326, a national
grid) is warped onto a north-up grid of square cells in the city's CRS. A rotated footprint
leaves triangles without data at the corners of that grid: they are not holes of the user's
data, so the grid is cropped to the largest rectangle inside the footprint (greedily, one edge
row or column at a time). Nodata cells of the source (int16 -32768, float -9999 or NaN) stay
NaN, so that the checker reports them as holes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import rasterio
import rasterio.merge
import xarray as xr
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from rasterio.warp import calculate_default_transform, reproject

from layers._crs import same_crs
from layers._errors import LayerError
from layers.grids import new_grid
from layers.io import read_grid

__all__ = ["read_dem"]


def _inner_rectangle(inside: np.ndarray) -> tuple[int, int, int, int]:
    """``(row0, row1, col0, col1)`` of a rectangle holding only ``inside`` cells."""
    r0, r1, c0, c1 = 0, inside.shape[0], 0, inside.shape[1]
    while r1 - r0 >= 2 and c1 - c0 >= 2:
        sub = inside[r0:r1, c0:c1]
        out = {
            "top": 1 - sub[0].mean(),
            "bottom": 1 - sub[-1].mean(),
            "left": 1 - sub[:, 0].mean(),
            "right": 1 - sub[:, -1].mean(),
        }
        worst = max(out, key=lambda k: out[k])
        if out[worst] == 0:
            break
        if worst == "top":
            r0 += 1
        elif worst == "bottom":
            r1 -= 1
        elif worst == "left":
            c0 += 1
        else:
            c1 -= 1
    return r0, r1, c0, c1


def _open_all(paths: Sequence[Path]) -> tuple[np.ndarray, rasterio.Affine, CRS]:
    """One float32 array (NaN for nodata) from one or several tiles in one CRS."""
    try:
        sources = [rasterio.open(p) for p in paths]
    except rasterio.errors.RasterioIOError as e:
        raise LayerError(f"{e}; fix: give readable GeoTIFF DEMs") from None
    try:
        crss = {s.crs.to_wkt() if s.crs else None for s in sources}
        if None in crss:
            raise LayerError(
                f"{', '.join(str(p) for p in paths)}: a DEM has no CRS; fix: write it with "
                "its CRS (gdal_edit.py -a_srs)"
            )
        if len(crss) > 1:
            raise LayerError(
                f"{', '.join(str(p) for p in paths)}: the DEM tiles are in different CRSs; "
                "fix: warp them into one (gdalwarp -t_srs)"
            )
        if len(sources) == 1:
            src = sources[0]
            values = src.read(1, masked=True)
            transform, crs = src.transform, src.crs
        else:
            merged, transform = rasterio.merge.merge(sources, masked=True)
            values, crs = merged[0], sources[0].crs
    finally:
        for s in sources:
            s.close()
    data = np.ma.filled(values.astype("float32"), np.nan)
    return data, transform, CRS.from_user_input(crs)


def read_dem(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    crs: CRS | None,
    cell_m: float | None = None,
) -> tuple[xr.DataArray, list[str]]:
    """Read one DEM (or mosaic several tiles) as float32 elevations in ``crs``.

    Parameters
    ----------
    paths
        GeoTIFF file(s). Several tiles are mosaicked (they must share one CRS).
    crs
        The city's projected CRS; ``None``: keep the DEM's own CRS (it must be projected).
    cell_m
        Cell size of a warped DEM, metres; ``None``: the source resolution (GDAL's default).

    Returns
    -------
    dem, notes
        Dims ``(y, x)``, NaN for nodata; the notes say what was changed (warped, cropped).

    Raises
    ------
    LayerError
        Unreadable files, a DEM without CRS, tiles in different CRSs, rotated grids.
    """
    files = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise LayerError(f"{', '.join(missing)}: file not found; fix: check the path")
    notes: list[str] = []
    try:
        with rasterio.open(files[0]) as first:
            own_crs = first.crs
    except rasterio.errors.RasterioIOError as e:
        raise LayerError(
            f"{files[0]}: cannot read the raster ({e}); fix: re-export it as GeoTIFF"
        ) from None
    if len(files) == 1 and (own_crs is None or crs is None or same_crs(own_crs, crs)):
        grid = read_grid(files[0], name="elevation", as_float=True)
        if own_crs is not None and crs is not None:
            grid = grid.rio.write_crs(crs)
        return grid, notes
    data, transform, src_crs = _open_all(files)
    if len(files) > 1:
        notes.append(f"{len(files)} DEM tiles mosaicked")
    target = crs if crs is not None else src_crs
    if same_crs(src_crs, target) and cell_m is None:
        if abs(transform.a) != abs(transform.e) or transform.b or transform.d:
            raise LayerError(
                f"{files[0]}: the grid is rotated or its cells are not square; fix: warp it "
                "to a north-up grid with square cells (gdalwarp -tr 30 30)"
            )
        grid = new_grid(
            data, x0=transform.c, y0=transform.f, cell_m=transform.a, crs=target, name="elevation"
        )
        return grid, notes
    rows, cols = data.shape
    left, top = transform.c, transform.f
    right, bottom = left + transform.a * cols, top + transform.e * rows
    dst_t, width, height = calculate_default_transform(
        src_crs, target, cols, rows, left=left, bottom=bottom, right=right, top=top
    )
    cell = float(cell_m or min(abs(dst_t.a), abs(dst_t.e)))
    xmin, ymax = dst_t.c, dst_t.f
    xmax = xmin + dst_t.a * (width or 0)
    ymin = ymax + dst_t.e * (height or 0)
    out_cols = max(int(np.ceil((xmax - xmin) / cell)), 1)
    out_rows = max(int(np.ceil((ymax - ymin) / cell)), 1)
    out_t = from_origin(xmin, ymax, cell, cell)
    warped = np.full((out_rows, out_cols), np.nan, dtype="float32")
    reproject(
        data,
        warped,
        src_transform=transform,
        src_crs=src_crs,
        src_nodata=np.nan,
        dst_transform=out_t,
        dst_crs=target,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    footprint = np.zeros((out_rows, out_cols), dtype="uint8")
    reproject(
        np.ones(data.shape, dtype="uint8"),
        footprint,
        src_transform=transform,
        src_crs=src_crs,
        dst_transform=out_t,
        dst_crs=target,
        dst_nodata=0,
        resampling=Resampling.nearest,
    )
    # Bilinear needs the neighbours of a cell: the outermost ring of the footprint may have
    # none, so a cell counts as inside when its whole 3 x 3 neighbourhood is.
    inside = footprint.astype(bool)
    padded = np.pad(inside, 1, constant_values=False)
    core = np.ones_like(inside)
    for dr in range(3):
        for dc in range(3):
            core &= padded[dr : dr + out_rows, dc : dc + out_cols]
    r0, r1, c0, c1 = _inner_rectangle(core)
    if not core[r0:r1, c0:c1].all():
        raise LayerError(
            f"{files[0]}: the DEM covers too little to make a grid in {target.to_string()}; "
            "fix: give a larger DEM"
        )
    name = target.to_string()
    notes.append(
        f"DEM reprojected from {src_crs.to_string()} to {name} ({cell:g} m cells, bilinear), "
        f"cropped to the {r1 - r0} x {c1 - c0} cells inside its footprint"
    )
    grid = new_grid(
        warped[r0:r1, c0:c1],
        x0=xmin + c0 * cell,
        y0=ymax - r0 * cell,
        cell_m=cell,
        crs=target,
        name="elevation",
    )
    return grid, notes
