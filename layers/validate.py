"""Checking a city: every problem collected, each with file, layer, rows, what and how to fix.

Nothing here stops at the first problem: each check adds lines to a list, and
:func:`layers.load_city` raises one :class:`~layers.LayerError` that lists them all.

Rules
-----
- CRS: a layer without a CRS, or with one pyproj cannot read, is a problem. A layer in
  another CRS than the city's is reprojected to the city's CRS (a note says so).
- Geometry: missing or empty geometries are problems. A single-part MultiPolygon,
  MultiLineString or MultiPoint where a single part is declared is taken apart (note).
  Invalid polygons (self-intersections, bow ties) are repaired with shapely's
  ``make_valid`` keeping only their polygonal parts, and reported as a note; invalid lines
  and points (fewer than two distinct points, NaN coordinates) cannot be repaired without
  guessing and are problems.
- Layers: ``wards`` and ``roads`` are required, with at least one feature, whether they
  come from ``city.gpkg`` or from files of their own.
- Columns: a missing declared column is a problem, except ``ward_id`` in roads, lights,
  shelters and households, which is filled from the wards that hold each feature (note);
  so are empty ``ward_id`` values, and all of them when not one is in the wards layer (the
  wards were replaced). Ward ``kind`` is free text unless ``city.toml`` has a
  ``[ward_kinds]`` table, whose keys are then the allowed kinds.
  Shapefile column names cut to ten characters are recognised (note). Values that do not
  fit the declared dtype, negative counts, and values outside a column's choices are
  problems.
- Ids: missing and duplicate ids are problems.
- Extent: features outside the DEM (by more than 1 % of a cell, the drift of a reprojection)
  are problems, except dams, whose own point may lie upstream; a dam's entry cell must lie
  on the grid, on data.
- DEM: read as float32 with the nodata of int grids as holes; a DEM in another CRS (an
  EPSG:4326 SRTM tile) is warped to the city's and cropped to its footprint
  (:mod:`layers._dem`). Nodata cells (holes) are problems: the flood model needs a bed
  everywhere.
- Checks across layers (references, ward ids, extent) only use layers without problems of
  their own, so one broken column never hides behind a crash of another check.
- Roads read from OpenStreetMap are split at their junctions (:func:`layers.node_roads`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers._check_layer import WARD_FILLED, check_layer, ids_text, row_labels
from layers._dem import read_dem
from layers._errors import LayerError
from layers._schema import LAYERS, empty_layer
from layers.city import City
from layers.grids import LANDUSE, LANDUSE_ATTRS, manning_grid, ward_index_grid
from layers.io import gpkg_layers, layer_sources, read_grid, read_layer, read_meta
from layers.network import node_roads
from layers.settings import read_settings

__all__ = ["CityReport", "check_city", "check_layer", "inspect_city"]


@dataclass
class CityReport:
    """What inspecting a city package found.

    Attributes
    ----------
    city
        The city when there were no problems, else ``None``.
    problems
        One line per problem (file, layer, rows, what is wrong, how to fix).
    notes
        Changes made while loading that the user should know of (reprojection, repairs).
    """

    city: City | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _check_dem(dem: xr.DataArray, where: str, problems: list[str]) -> xr.DataArray | None:
    if dem.rio.crs is None:
        problems.append(
            f"{where}: the DEM has no CRS; fix: write it with its CRS (gdal_edit.py -a_srs)"
        )
        return None
    if dem.shape[0] < 2 or dem.shape[1] < 2:
        problems.append(f"{where}: the DEM has {dem.shape} cells; fix: give it at least 2 x 2")
        return None
    holes = np.isnan(dem.values)
    if holes.any():
        rows, cols = np.nonzero(holes)
        first = ", ".join(
            f"(x={float(dem.x[c]):.0f}, y={float(dem.y[r]):.0f})"
            for r, c in zip(rows[:3], cols[:3], strict=True)
        )
        problems.append(
            f"{where}: {int(holes.sum())} nodata cells (holes) in the DEM, first at {first}; "
            "fix: fill them (gdal_fillnodata.py) or crop the DEM to where it has data"
        )
    out = dem.astype("float32")
    out.name = "elevation"
    out.attrs.update(units="m", long_name="ground elevation", standard_name="surface_altitude")
    return out


def _inside(
    geoms: gpd.GeoSeries, bounds: tuple[float, float, float, float], eps: float
) -> np.ndarray:
    xmin, ymin, xmax, ymax = bounds
    b = geoms.bounds
    return (
        (b["minx"] >= xmin - eps)
        & (b["miny"] >= ymin - eps)
        & (b["maxx"] <= xmax + eps)
        & (b["maxy"] <= ymax + eps)
    ).to_numpy()


def _grid_bounds(dem: xr.DataArray) -> tuple[float, float, float, float]:
    cell = float(abs(dem.x.values[1] - dem.x.values[0]))
    return (
        float(dem.x.min()) - cell / 2,
        float(dem.y.min()) - cell / 2,
        float(dem.x.max()) + cell / 2,
        float(dem.y.max()) + cell / 2,
    )


def _check_cross(
    layers: dict[str, gpd.GeoDataFrame],
    sources: dict[str, str],
    dem: xr.DataArray | None,
    problems: list[str],
    notes: list[str],
) -> None:
    """Checks that need two layers or a layer and the DEM."""
    wards = layers.get("wards")
    usable = (
        wards is not None
        and "ward_id" in wards
        and len(wards) > 0
        and not (wards.geometry.isna() | wards.geometry.is_empty).any()
    )
    ward_ids = set(wards["ward_id"]) if usable and wards is not None else None
    for name in WARD_FILLED:
        gdf = layers.get(name)
        if gdf is None or "ward_id" not in gdf.columns or len(gdf) == 0:
            continue
        where = f"{sources[name]}: layer '{name}'"
        labels = row_labels(gdf, LAYERS[name].id_column)
        if ward_ids is None or wards is None:
            continue
        given = gdf["ward_id"].notna().to_numpy()
        unknown = given & ~gdf["ward_id"].isin(ward_ids).to_numpy()
        located = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
        if unknown.any() and unknown.sum() == given.sum():
            # Not one id is known: the wards were replaced. Their geometry says which ward.
            refill = located
            notes.append(
                f"{where}: none of its ward_id values is in the wards layer (new wards?); "
                "ward_id filled again from the wards"
            )
        else:
            refill = located & ~given
            if unknown.any():
                problems.append(
                    f"{where}: rows {ids_text(labels, unknown)}: ward_id not in the wards layer; "
                    "fix: use a ward_id of the wards layer, or leave it empty to have it "
                    "filled from the wards"
                )
            elif refill.any():
                notes.append(
                    f"{where}: rows {ids_text(labels, refill)}: ward_id filled from the wards layer"
                )
        if refill.any():
            gdf.loc[refill, "ward_id"] = ward_of(gdf[refill], wards).to_numpy()
    roads, lights = layers.get("roads"), layers.get("lights")
    if roads is not None and "road_id" in roads:
        road_ids = set(roads["road_id"])
        labels = row_labels(roads, "road_id")
        if "parent_road_id" in roads:
            orphan = (
                roads["parent_road_id"].notna() & ~roads["parent_road_id"].isin(road_ids)
            ).to_numpy()
            if orphan.any():
                problems.append(
                    f"{sources['roads']}: layer 'roads': rows {ids_text(labels, orphan)}: "
                    "parent_road_id not in the roads layer; fix: point it at the road the alley "
                    "opens from"
                )
        if lights is not None and "road_id" in lights:
            stray = ~lights["road_id"].isin(road_ids).to_numpy()
            if stray.any():
                problems.append(
                    f"{sources['lights']}: layer 'lights': rows "
                    f"{ids_text(row_labels(lights, 'light_id'), stray)}: road_id not in the roads "
                    "layer; fix: use the road_id of the road each light stands on"
                )
    _check_gauges(layers.get("gauges"), sources.get("gauges", ""), problems)
    _check_dams(layers.get("dams"), sources.get("dams", ""), dem, problems)
    if dem is None:
        return
    bounds = _grid_bounds(dem)
    # A layer reprojected into the city's CRS may drift a fraction of a millimetre past the
    # DEM it was cut to; 1 % of a cell is far below anything the grids can see.
    eps = 0.01 * float(abs(dem.x.values[1] - dem.x.values[0]))
    for name, gdf in layers.items():
        if LAYERS[name].may_leave_dem or len(gdf) == 0 or gdf.crs is None:
            continue
        outside = ~_inside(gdf.geometry, bounds, eps) & gdf.geometry.notna().to_numpy()
        if outside.any():
            labels = row_labels(gdf, LAYERS[name].id_column)
            problems.append(
                f"{sources[name]}: layer '{name}': rows {ids_text(labels, outside)}: outside the "
                f"DEM extent {tuple(round(b) for b in bounds)}; fix: clip the layer to the DEM "
                "or extend the DEM"
            )


def ward_of(gdf: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> pd.Series:
    """The ward holding each feature (a line: its midpoint), else the nearest ward."""
    lines = (gdf.geom_type == "LineString").to_numpy()
    probe = np.array(gdf.geometry.representative_point().values, dtype=object)
    if lines.any():
        probe[lines] = gdf.geometry[lines].interpolate(0.5, normalized=True).values
    points = gpd.GeoDataFrame(geometry=list(probe), crs=gdf.crs, index=gdf.index)
    wards = wards[["ward_id", "geometry"]]
    within = gpd.sjoin(points, wards, how="left", predicate="within")
    ward = within[~within.index.duplicated()]["ward_id"]
    if ward.isna().any():
        # On a border or just outside every ward: the nearest one (the first on a tie).
        nearest = gpd.sjoin_nearest(points[ward.isna().to_numpy()], wards, how="left")
        ward = ward.fillna(nearest[~nearest.index.duplicated()]["ward_id"])
    return pd.Series([None if pd.isna(v) else str(v) for v in ward], index=gdf.index, dtype=object)


def _check_kinds(
    wards: gpd.GeoDataFrame | None, source: str, meta: dict[str, object], problems: list[str]
) -> None:
    """Ward kinds must be those of ``[ward_kinds]`` in ``city.toml`` when it declares them."""
    declared = meta.get("ward_kinds")
    if not isinstance(declared, dict) or not declared or wards is None or "kind" not in wards:
        return
    wrong = (wards["kind"].notna() & ~wards["kind"].astype(str).isin(list(declared))).to_numpy()
    if wrong.any():
        found = sorted({str(v) for v in wards["kind"][wrong]})[:5]
        problems.append(
            f"{source}: layer 'wards': rows {ids_text(row_labels(wards, 'ward_id'), wrong)}: "
            f"kind {', '.join(found)} not in [ward_kinds] of city.toml; fix: use one of "
            f"{', '.join(map(str, declared))} or declare the kind there"
        )


def _check_gauges(gauges: gpd.GeoDataFrame | None, source: str, problems: list[str]) -> None:
    cols = ("alarm1_m", "alarm2_m", "alarm3_m")
    if gauges is None or not all(c in gauges for c in cols) or len(gauges) == 0:
        return
    levels = gauges[list(cols)].to_numpy(dtype=float)
    disordered = np.zeros(len(gauges), bool)
    for i, row in enumerate(levels):
        known = row[~np.isnan(row)]
        disordered[i] = bool(np.any(np.diff(known) < 0))
    if disordered.any():
        rows = ids_text(gauges["gauge_id"].astype(str), disordered)
        problems.append(
            f"{source}: layer 'gauges': rows {rows}: "
            "alarm levels not increasing (alarm1_m <= alarm2_m <= alarm3_m); fix: correct them"
        )


def _check_dams(
    dams: gpd.GeoDataFrame | None, source: str, dem: xr.DataArray | None, problems: list[str]
) -> None:
    needed = ("storage_levels_m", "storage_volumes_m3", "entry_x", "entry_y", "spillway_crest_m")
    if dams is None or len(dams) == 0 or not all(c in dams for c in needed):
        return
    where = f"{source}: layer 'dams'"
    for label, row in zip(row_labels(dams, "dam_id"), dams.itertuples(index=False), strict=True):
        dam = f"{where}: dam {label}"
        try:
            levels = json.loads(row.storage_levels_m)
            volumes = json.loads(row.storage_volumes_m3)
        except (TypeError, json.JSONDecodeError):
            continue  # already reported as a dtype problem
        if len(levels) != len(volumes) or len(levels) < 2:
            problems.append(
                f"{dam}: storage table has {len(levels)} levels and {len(volumes)} volumes; "
                "fix: give the same number (at least 2) of each"
            )
        elif np.any(np.diff(levels) <= 0) or np.any(np.diff(volumes) < 0) or min(volumes) < 0:
            problems.append(
                f"{dam}: storage table must have strictly increasing levels and non-decreasing "
                "volumes >= 0; fix: sort and correct the table"
            )
        elif not levels[0] <= row.spillway_crest_m <= levels[-1]:
            problems.append(
                f"{dam}: spillway crest {row.spillway_crest_m} m outside the storage table "
                f"({levels[0]} to {levels[-1]} m); fix: extend the table"
            )
        if dem is None or math.isnan(row.entry_x) or math.isnan(row.entry_y):
            continue
        x, y = float(row.entry_x), float(row.entry_y)
        xmin, ymin, xmax, ymax = _grid_bounds(dem)
        if not (xmin <= x < xmax and ymin < y <= ymax):
            problems.append(
                f"{dam}: entry cell ({x:.0f}, {y:.0f}) is outside the DEM grid "
                f"{(round(xmin), round(ymin), round(xmax), round(ymax))}; fix: set entry_x/entry_y "
                "to the cell where the dam's river enters the flood domain"
            )
        elif np.isnan(dem.sel(x=x, y=y, method="nearest").item()):
            problems.append(
                f"{dam}: entry cell ({x:.0f}, {y:.0f}) is a DEM hole; fix: fill the DEM"
            )


def _city_crs(meta: dict[str, object], where: str, problems: list[str]) -> CRS | None:
    if "crs" not in meta:
        problems.append(f"{where}: no 'crs'; fix: add crs = \"EPSG:...\" (Huế: EPSG:32648)")
        return None
    try:
        crs = CRS.from_user_input(meta["crs"])
    except CRSError:
        problems.append(f"{where}: unknown crs {meta['crs']!r}; fix: use an EPSG code")
        return None
    if not crs.is_projected:
        problems.append(
            f"{where}: crs {crs.to_string()} is not projected (the flood model works in metres); "
            "fix: use a projected CRS such as the local UTM zone (Huế: EPSG:32648)"
        )
        return None
    return crs


def inspect_city(path: str | os.PathLike[str]) -> CityReport:
    """Read and check a city package, collecting every problem.

    Parameters
    ----------
    path
        City package folder (``city.toml``, ``city.gpkg``, ``dem.tif``).

    Returns
    -------
    CityReport
        The city (``None`` when there are problems), the problems and the notes.
    """
    folder = Path(path)
    problems: list[str] = []
    notes: list[str] = []
    if not folder.is_dir():
        return CityReport(None, [f"{folder}: not a folder; fix: give the city package folder"])
    meta: dict[str, object] = {}
    try:
        meta = read_meta(folder / "city.toml")
    except LayerError as e:
        problems.extend(e.problems)
    city_crs = _city_crs(meta, "city.toml", problems) if meta else None
    problems.extend(read_settings(meta)[1])
    dem: xr.DataArray | None = None
    try:
        raw_dem, changed = read_dem(folder / "dem.tif", crs=city_crs)
        notes.extend(f"dem.tif: {note}" for note in changed)
        dem = _check_dem(raw_dem, "dem.tif", problems)
    except LayerError as e:
        problems.extend(e.problems)
    own_files = layer_sources(folder, meta)
    in_gpkg = gpkg_layers(folder / "city.gpkg")
    if not own_files and not in_gpkg:
        problems.append(
            f"{folder / 'city.gpkg'}: no city.gpkg (or it has no layers); "
            "fix: write the layers into it"
        )
    layers: dict[str, gpd.GeoDataFrame] = {}
    sources: dict[str, str] = {}
    failed: set[str] = set()  # layers with problems of their own: no checks across them
    for name, spec in LAYERS.items():
        if name in own_files:
            file, layer = own_files[name], None
        elif name in in_gpkg:
            file, layer = folder / "city.gpkg", name
        else:
            if spec.required and (in_gpkg or own_files):
                problems.append(
                    f"{folder.name}: no layer '{name}' (neither in city.gpkg nor a file of its "
                    f"own); fix: add it to city.gpkg or as a {name}.gpkg/.geojson/.shp/.parquet "
                    "file (see layers/SCHEMA.md)"
                )
            layers[name] = empty_layer(name, city_crs or "EPSG:4326")
            sources[name] = "city.gpkg"
            continue
        sources[name] = file.name
        try:
            raw = read_layer(file, layer=layer)
        except LayerError as e:
            problems.extend(e.problems)
            continue
        layers[name], found, changed = check_layer(raw, name, source=file.name, city_crs=city_crs)
        if spec.required and len(raw) == 0:
            found.append(
                f"{file.name}: layer '{name}' has no features; fix: a city needs at least one"
            )
        if found:
            failed.add(name)
        problems.extend(found)
        notes.extend(changed)
        if name == "roads" and file.name.lower().endswith((".osm", ".pbf")) and not found:
            # OSM ways run through junctions; routing needs them cut there.
            layers[name] = node_roads(layers[name])
            notes.append(f"{file.name}: OpenStreetMap ways split at their junctions")
    checked = {name: gdf for name, gdf in layers.items() if name not in failed}
    _check_kinds(checked.get("wards"), sources.get("wards", ""), meta, problems)
    _check_cross(checked, sources, dem, problems, notes)
    if problems or dem is None or city_crs is None:
        return CityReport(None, problems, notes)
    return CityReport(_assemble(folder, meta, city_crs, layers, dem, problems), problems, notes)


def _assemble(
    folder: Path,
    meta: dict[str, object],
    crs: CRS,
    layers: dict[str, gpd.GeoDataFrame],
    dem: xr.DataArray,
    problems: list[str],
) -> City | None:
    grids: dict[str, xr.DataArray | None] = {}
    for name, dtype in (("landuse", "int8"), ("manning", "float32"), ("population", "float32")):
        file = folder / f"{name}.tif"
        grids[name] = None
        if file.exists():
            grid = read_grid(file, name=name)
            if (
                grid.shape != dem.shape
                or not np.allclose(grid.x, dem.x)
                or not np.allclose(grid.y, dem.y)
            ):
                problems.append(
                    f"{file.name}: grid differs from dem.tif; fix: write it on the DEM grid"
                )
                continue
            grid = grid.assign_coords(x=dem.x, y=dem.y).astype(dtype).rio.write_crs(crs)
            if name == "landuse":
                grid.attrs.update(LANDUSE_ATTRS)
            grids[name] = grid
    if problems:
        return None
    manning = grids["manning"]
    if manning is None:
        manning = manning_grid(dem, landuse=grids["landuse"], roads=layers["roads"])
    ward_index = ward_index_grid(dem, layers["wards"])
    _check_people_have_land(layers["wards"], ward_index, dem, grids["landuse"], problems)
    if problems:
        return None
    return City(
        name=str(meta.get("name", folder.name)),
        crs=crs,
        meta=dict(meta),
        **layers,
        dem=dem,
        manning=manning,
        ward_index=ward_index,
        landuse=grids["landuse"],
        population=grids["population"],
    )


def _check_people_have_land(
    wards: gpd.GeoDataFrame,
    ward_index: xr.DataArray,
    dem: xr.DataArray,
    landuse: xr.DataArray | None,
    problems: list[str],
) -> None:
    """Every ward on the grid needs a land cell: people are never placed in permanent water."""
    if landuse is not None:
        water = landuse.values == LANDUSE["water"]
        why = "water in landuse.tif"
    else:
        water = ~(dem.values > 0.0)
        why = "at or below 0 m (no landuse.tif)"
    index = ward_index.values
    rows = index[index >= 0]
    cells = np.bincount(rows, minlength=len(wards))
    land = np.bincount(index[(index >= 0) & ~water], minlength=len(wards))
    stranded = (cells > 0) & (land == 0)
    if stranded.any():
        problems.append(
            f"layer 'wards': rows {ids_text(row_labels(wards, 'ward_id'), stranded)}: every cell "
            f"of the ward is {why}, so its people would be placed in the water; fix: correct "
            "the ward outline, the land use or the DEM"
        )


def check_city(path: str | os.PathLike[str]) -> list[str]:
    """Every problem of a city package, as lines that say what is wrong and how to fix it.

    Parameters
    ----------
    path
        City package folder.

    Returns
    -------
    list of str
        Empty when the city is good.
    """
    return inspect_city(path).problems
