"""A city package from the open data a city has: a DEM, ward outlines, OpenStreetMap, rasters.

:func:`build_city` is to the whole twin what HydroMT is to a SFINCS model: it reads each
input in whatever CRS and format it comes in, brings everything onto one projected grid,
fills what the inputs do not give (ward ids, ascii names, areas, populations from a raster,
Manning's n from land cover), writes the package and checks it with the same checker as
``twin layers check``. It writes nothing unless the result passes; otherwise it raises one
:class:`~layers.LayerError` listing every problem.

What each input adds
--------------------
- ``dem`` (required): the ground the flood model runs on; several tiles are mosaicked.
- ``wards``: outlines and populations; without them the whole DEM is one ward.
- ``osm``: roads (names, classes, bridges), street lamps (lights), shelters, hospitals and
  fire and police stations (rescue stations); without it the package has no roads and fails.
- ``population``: people per cell; summed per ward when the wards have no population, and
  used by the impact to place people where they live.
- ``landcover``: land-use classes (ESA WorldCover codes by default, :data:`WORLDCOVER`), which
  give Manning's n and where people may live (built-up) and may not (water).
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
import xarray as xr
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.fill import fillnodata
from rasterio.warp import reproject

from layers._dem import read_dem
from layers._errors import LayerError
from layers._schema import empty_layer
from layers._text import to_ascii
from layers.city import City
from layers.grids import LANDUSE, LANDUSE_ATTRS, grid_transform, manning_grid, ward_index_grid
from layers.io import _osm_tag, read_layer, read_osm_roads, write_city
from layers.network import node_roads
from layers.validate import inspect_city, ward_of

__all__ = ["WORLDCOVER", "build_city", "utm_crs"]

#: ESA WorldCover classes to the land-use names of :data:`layers.grids.LANDUSE` (editable:
#: pass your own table to :func:`build_city`).
WORLDCOVER: dict[int, str] = {
    10: "forest",  # tree cover
    20: "forest",  # shrubland
    30: "cropland",  # grassland
    40: "cropland",
    50: "urban",  # built-up
    60: "sand",  # bare / sparse vegetation
    70: "unknown",  # snow and ice
    80: "water",  # permanent water bodies
    90: "water",  # herbaceous wetland
    95: "forest",  # mangroves
    100: "cropland",  # moss and lichen
}

#: Rescue stations from OpenStreetMap ``amenity`` values, with the vehicle they send.
_STATIONS = {"fire_station": "truck", "police": "truck", "hospital": "ambulance"}


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 UTM zone holding a point.

    Examples
    --------
    >>> utm_crs(107.59, 16.46).to_epsg(), utm_crs(24.94, 60.17).to_epsg()
    (32648, 32635)
    """
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _paths(value: Any) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, str | os.PathLike):
        return [Path(value)]
    return [Path(v) for v in value]


def _centre_lonlat(dem_paths: list[Path]) -> tuple[float, float]:
    with rasterio.open(dem_paths[0]) as src:
        bounds, crs = src.bounds, src.crs
    if crs is None:
        raise LayerError(f"{dem_paths[0]}: the DEM has no CRS; fix: gdal_edit.py -a_srs")
    box = gpd.GeoSeries([shapely.box(*bounds)], crs=crs).to_crs(4326)
    c = box.iloc[0].centroid
    return float(c.x), float(c.y)


def _wards(
    path: Path | None,
    mapping: Mapping[str, str | None],
    crs: CRS,
    extent: shapely.Polygon,
    name: str,
    problems: list[str],
) -> gpd.GeoDataFrame:
    if path is None:
        gdf = gpd.GeoDataFrame({"name": [name]}, geometry=[extent], crs=crs)
        mapping = {"name": "name"}
    else:
        try:
            gdf = read_layer(path)
        except LayerError as e:
            problems.extend(e.problems)
            return empty_layer("wards", crs)
        if gdf.crs is None:
            problems.append(f"{path}: no CRS; fix: write the file with its CRS")
            return empty_layer("wards", crs)
        gdf = gdf.to_crs(crs)
    missing = [col for col in mapping.values() if col is not None and col not in gdf.columns]
    if missing:
        problems.append(
            f"{path}: no column(s) {', '.join(missing)}; fix: name the columns with "
            f"--wards-id/--wards-name/--wards-population (found: {', '.join(gdf.columns)})"
        )
        return empty_layer("wards", crs)
    valid = shapely.make_valid(gdf.geometry.values)
    clipped = shapely.intersection(valid, extent)
    keep = ~shapely.is_empty(clipped) & (shapely.area(clipped) > 0)
    gdf = gdf[keep].reset_index(drop=True)
    geoms = [
        shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
        for g in clipped[keep]
    ]
    id_col, name_col, pop_col = mapping.get("id"), mapping.get("name"), mapping.get("population")
    ids = [str(v) for v in gdf[id_col]] if id_col else [f"W{i + 1:03d}" for i in range(len(gdf))]
    names = [str(v) for v in gdf[name_col]] if name_col else ids
    out = gpd.GeoDataFrame(
        {
            "ward_id": ids,
            "name": names,
            "name_ascii": [to_ascii(n) for n in names],
            "kind": [str(v) for v in gdf["kind"]] if "kind" in gdf else ["ward"] * len(gdf),
            "population": gdf[pop_col].to_numpy() if pop_col else np.full(len(gdf), -1),
            "area_km2": [g.area / 1e6 for g in geoms],
        },
        geometry=geoms,
        crs=crs,
    )
    if len(out) == 0:
        problems.append(f"{path}: no ward overlaps the DEM; fix: give wards and a DEM that meet")
    return out


def _on_grid(
    paths: list[Path], dem: xr.DataArray, resampling: Resampling, dtype: str
) -> np.ndarray:
    """A raster warped onto the DEM grid (several files mosaicked)."""
    out = np.zeros(dem.shape, dtype=dtype)
    for path in paths:
        with rasterio.open(path) as src:
            values = src.read(1, masked=True)
            filled = np.ma.filled(values.astype(dtype), 0)
            part = np.zeros(dem.shape, dtype=dtype)
            reproject(
                filled,
                part,
                src_transform=src.transform,
                src_crs=src.crs,
                dst_transform=grid_transform(dem),
                dst_crs=dem.rio.crs,
                resampling=resampling,
                src_nodata=None,
            )
        out = np.where(part != 0, part, out) if resampling == Resampling.nearest else out + part
    return out


def _osm_points(path: Path, crs: CRS, extent: shapely.Polygon) -> dict[str, gpd.GeoDataFrame]:
    """Street lamps, shelters and rescue stations of an OSM extract (points and areas)."""
    frames = []
    for layer in ("points", "multipolygons"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                gdf = pyogrio.read_dataframe(path, layer=layer, on_invalid="ignore")
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
                continue
        if len(gdf) == 0:
            continue
        tags = gdf["other_tags"] if "other_tags" in gdf else pd.Series([None] * len(gdf))

        def tag(key: str, frame: pd.DataFrame = gdf, tags: pd.Series = tags) -> list[Any]:
            # GDAL's osmconf.ini makes some keys columns and leaves the rest in other_tags.
            if key in frame:
                return list(frame[key])
            return [_osm_tag(t, key) for t in tags]

        gdf = gpd.GeoDataFrame(
            {
                "osm_id": gdf.get("osm_id", gdf.get("osm_way_id", pd.Series(range(len(gdf))))),
                "name": gdf.get("name", pd.Series([None] * len(gdf))),
                "amenity": tag("amenity"),
                "highway": tag("highway"),
                "emergency": tag("emergency"),
            },
            geometry=gdf.geometry.values,
            crs=gdf.crs or "EPSG:4326",
        )
        gdf = gdf[gdf.geometry.notna()]
        gdf = gdf.set_geometry(gdf.to_crs(crs).geometry.representative_point())
        frames.append(gdf[gdf.geometry.within(extent)])
    if not frames:
        return {}
    pts = pd.concat(frames, ignore_index=True)
    names = [str(n) if isinstance(n, str) and n else None for n in pts["name"]]
    lamps = pts[(pts["highway"] == "street_lamp").to_numpy()]
    shelter = ((pts["amenity"] == "shelter") | (pts["emergency"] == "assembly_point")).to_numpy()
    station = pts["amenity"].isin(list(_STATIONS)).to_numpy()
    out: dict[str, gpd.GeoDataFrame] = {}
    if len(lamps):
        out["lights"] = lamps.assign(
            light_id=[f"osm{i}" for i in lamps["osm_id"]], circuit_id="unknown", status="working"
        )
    if shelter.any():
        sub = pts[shelter]
        out["shelters"] = gpd.GeoDataFrame(
            {
                "shelter_id": [f"osm{i}" for i in sub["osm_id"]],
                "name": [n or "shelter" for n in np.asarray(names, dtype=object)[shelter]],
                "capacity_persons": 0,
            },
            geometry=sub.geometry.values,
            crs=crs,
        )
    if station.any():
        sub = pts[station]
        out["stations"] = gpd.GeoDataFrame(
            {
                "team_id": [f"osm{i}" for i in sub["osm_id"]],
                "name": [
                    n or str(a)
                    for n, a in zip(
                        np.asarray(names, dtype=object)[station], sub["amenity"], strict=True
                    )
                ],
                "vehicle": [_STATIONS[str(a)] for a in sub["amenity"]],
                "capacity_persons": 4,
                "status": "available",
            },
            geometry=sub.geometry.values,
            crs=crs,
        )
    return out


def _roads(path: Path, crs: CRS, extent: shapely.Polygon, problems: list[str]) -> Any:
    try:
        roads = read_osm_roads(path)
    except LayerError as e:
        problems.extend(e.problems)
        return None
    roads = roads.to_crs(crs)
    clipped = shapely.intersection(roads.geometry.values, extent)
    parts = gpd.GeoDataFrame(roads.drop(columns="geometry"), geometry=clipped, crs=crs)
    parts = parts.explode(index_parts=False).reset_index(drop=True)
    parts = parts[(parts.geom_type == "LineString") & (parts.length > 0.01)]
    if len(parts) == 0:
        problems.append(f"{path}: no road of the extract lies on the DEM; fix: match them")
        return None
    dup = parts["road_id"].duplicated(keep=False)
    order = parts.groupby("road_id").cumcount() + 1
    parts.loc[dup, "road_id"] = [
        f"{r}-p{k}" for r, k in zip(parts["road_id"][dup], order[dup], strict=True)
    ]
    return node_roads(parts.reset_index(drop=True))


def build_city(
    out: str | os.PathLike[str],
    *,
    dem: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    wards: str | os.PathLike[str] | None = None,
    wards_id: str | None = None,
    wards_name: str | None = None,
    wards_population: str | None = None,
    osm: str | os.PathLike[str] | None = None,
    population: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    landcover: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    landcover_table: Mapping[int, str] = WORLDCOVER,
    crs: str | CRS | None = None,
    cell_m: float | None = None,
    name: str | None = None,
    timezone: str | None = None,
    languages: Sequence[str] | None = None,
) -> Path:
    """Build a city package from open data (see the module docstring for each input).

    Parameters
    ----------
    out
        Target folder; replaced only when the new city passes the check.
    dem
        GeoTIFF DEM(s), any CRS, int or float, nodata set.
    wards, wards_id, wards_name, wards_population
        Ward outlines (any vector format) and the names of their id, name and population
        columns (``None``: ids ``W001``..., names = ids, population from ``population``).
    osm
        OpenStreetMap extract (``.osm.pbf`` or ``.osm``).
    population, landcover, landcover_table
        Rasters of people per cell and of land cover, and the land-cover code table.
    crs, cell_m
        Projected CRS (default: the UTM zone of the DEM's centre) and cell size (default:
        the DEM's).
    name, timezone, languages
        City name and settings written into ``city.toml``.

    Returns
    -------
    pathlib.Path
        The city folder, checked.

    Raises
    ------
    LayerError
        Every problem of the inputs or of the result, at once.
    """
    out = Path(out)
    problems: list[str] = []
    dem_paths = _paths(dem)
    if not dem_paths:
        raise LayerError("no DEM; fix: give --dem (a GeoTIFF, any CRS)")
    target = CRS.from_user_input(crs) if crs is not None else utm_crs(*_centre_lonlat(dem_paths))
    if not target.is_projected:
        raise LayerError(f"crs {target.to_string()} is not projected; fix: give a UTM zone")
    grid, notes = read_dem(dem_paths, crs=target, cell_m=cell_m)
    if np.isnan(grid.values).all():
        raise LayerError(f"{dem_paths[0]}: the DEM has no data; fix: give a DEM with data")
    holes = np.isnan(grid.values)
    if holes.any():
        # The flood model needs a bed everywhere: fill holes from their edges, as
        # gdal_fillnodata.py does, and say so.
        filled = fillnodata(grid.values, mask=~holes, max_search_distance=max(grid.shape))
        grid = grid.copy(data=filled.astype("float32"))
        notes.append(f"{int(holes.sum())} DEM nodata cells filled from their edges")
    grid = grid.rio.write_crs(target)
    x0, y0 = float(grid_transform(grid).c), float(grid_transform(grid).f)
    cell = float(grid.x[1] - grid.x[0])
    extent = shapely.box(x0, y0 - cell * grid.shape[0], x0 + cell * grid.shape[1], y0)
    city_name = name or out.name
    mapping = {"id": wards_id, "name": wards_name, "population": wards_population}
    ward_frame = _wards(
        Path(wards) if wards else None, mapping, target, extent, city_name, problems
    )
    people = None
    if population is not None:
        people_grid = _on_grid(_paths(population), grid, Resampling.sum, "float32")
        people = grid.copy(data=people_grid.astype("float32")).rename("population")
        people.attrs = {"units": "persons", "long_name": "people per cell"}
    landuse = None
    if landcover is not None:
        codes = _on_grid(_paths(landcover), grid, Resampling.nearest, "int32")
        lut = np.full(max([*landcover_table, int(codes.max())]) + 1, LANDUSE["unknown"], "int8")
        for code, use in landcover_table.items():
            lut[code] = LANDUSE[use]
        landuse = grid.copy(data=lut[codes.clip(0)]).rename("landuse")
        landuse.attrs = dict(LANDUSE_ATTRS)
    index = ward_index_grid(grid, ward_frame)
    if (ward_frame["population"] < 0).any():
        if people is None:
            problems.append(
                "the wards have no population; fix: name the column with --wards-population "
                "or give a --population raster"
            )
        else:
            sums = np.bincount(
                index.values[index.values >= 0],
                weights=people.values[index.values >= 0],
                minlength=len(ward_frame),
            )
            ward_frame["population"] = np.round(sums).astype("int64")
    layers: dict[str, gpd.GeoDataFrame] = {
        n: empty_layer(n, target)
        for n in ("roads", "lights", "dams", "gauges", "stations", "shelters", "households")
    }
    if osm is None:
        problems.append("no roads; fix: give an OpenStreetMap extract with --osm")
    else:
        roads = _roads(Path(osm), target, extent, problems)
        if roads is not None:
            layers["roads"] = roads
            for layer, gdf in _osm_points(Path(osm), target, extent).items():
                if layer == "lights":
                    near = gpd.sjoin_nearest(gdf, roads[["road_id", "geometry"]], how="left")
                    gdf = gdf.assign(road_id=near[~near.index.duplicated()]["road_id"].values)
                columns = [*empty_layer(layer, target).columns.drop("geometry")]
                present = [c for c in columns if c in gdf.columns]
                layers[layer] = gpd.GeoDataFrame(gdf[present], geometry=gdf.geometry, crs=target)
    if problems:
        raise LayerError(problems)
    for layer in ("roads", "lights", "shelters", "households"):
        gdf = layers[layer]
        gdf["ward_id"] = ward_of(gdf, ward_frame) if len(gdf) and len(ward_frame) else None
        layers[layer] = gdf
    meta: dict[str, Any] = {
        "name": city_name,
        "crs": target.to_string(),
        "sources": {
            "dem": ", ".join(p.name for p in dem_paths),
            "wards": Path(wards).name if wards else "the DEM extent as one ward",
            "osm": Path(osm).name if osm else "none",
        },
        "notes": {"build": "; ".join(notes) or "built by layers.build_city"},
    }
    if timezone is not None:
        meta["timezone"] = timezone
    if languages is not None:
        meta["languages"] = list(languages)
    city = City(
        name=city_name,
        crs=target,
        meta=meta,
        wards=ward_frame,
        dem=grid.astype("float32").rename("elevation"),
        manning=manning_grid(grid, landuse=landuse, roads=layers["roads"]),
        ward_index=index,
        landuse=landuse,
        population=people,
        **layers,
    )
    return _write_checked(city, out)


def _write_checked(city: City, out: Path) -> Path:
    staging = out.with_name(f".{out.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        write_city(city, staging)
        report = inspect_city(staging)
        if report.problems:
            raise LayerError(report.problems)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return out
