"""Reading and writing city files: vector layers, grids, ``city.toml`` and whole packages.

A city package is a folder::

    city.toml     name, crs, sources, licences, notes
    city.gpkg     one GeoPackage layer per city layer (wards, roads, lights, ...)
    dem.tif       elevation in metres, float32, nodata -9999
    manning.tif   optional: Manning's n (derived from land use and roads when absent)
    landuse.tif   optional: int8 land-use codes (layers.grids.LANDUSE)
    population.tif  optional: people per cell (where the impact places each ward's people)

A layer may also come from its own file next to ``city.gpkg`` (``roads.geojson``,
``stations.shp``, ``wards.parquet``, ``roads.osm.pbf``, ...) or from the file named in the
``[layers]`` table of ``city.toml``; such a file wins over the GeoPackage layer.

The readers here only read; checking is :mod:`layers.validate`, assembling a ``City`` is
:func:`layers.load_city`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import xarray as xr

from layers._errors import LayerError
from layers._extras import import_extra
from layers._text import to_ascii
from layers._toml import dumps_toml
from layers.city import LAYER_NAMES, City
from layers.grids import grid_transform, new_grid

__all__ = [
    "DEM_NODATA",
    "VECTOR_SUFFIXES",
    "gpkg_layers",
    "layer_sources",
    "read_grid",
    "read_layer",
    "read_meta",
    "read_osm_roads",
    "write_city",
    "write_grid",
    "write_meta",
]

#: Nodata value written into ``dem.tif``.
DEM_NODATA = -9999.0

#: File endings read by :func:`read_layer`, longest first so ``.osm.pbf`` wins over ``.pbf``.
VECTOR_SUFFIXES: tuple[str, ...] = (
    ".osm.pbf",
    ".geoparquet",
    ".geojson",
    ".parquet",
    ".gpkg",
    ".json",
    ".shp",
    ".osm",
    ".pbf",
)

# GeoPackage stores a "last change" timestamp per layer; pinning it makes the file the
# same bytes on every run (GDAL reads OGR_CURRENT_DATE for that timestamp).
_PINNED_DATE = "2025-07-01T00:00:00.000Z"

_OSM_CLASS = {
    **dict.fromkeys(
        ("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link"), "arterial"
    ),
    **dict.fromkeys(
        ("primary_link", "secondary_link", "tertiary", "tertiary_link", "unclassified"),
        "street",
    ),
    **dict.fromkeys(("residential", "living_street", "road"), "street"),
}
_OSM_SPEED_KMH = {"arterial": 50.0, "street": 30.0, "alley": 15.0}
_OSM_DRIVABLE = (
    *_OSM_CLASS,
    "service",
    "track",
    "pedestrian",
    "footway",
    "path",
    "steps",
    "cycleway",
)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in VECTOR_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def read_layer(path: str | os.PathLike[str], *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one vector layer from a GeoPackage, GeoJSON, Shapefile, GeoParquet or OSM file.

    Parameters
    ----------
    path
        The file. ``.osm.pbf`` and ``.osm`` files are read as roads (:func:`read_osm_roads`).
    layer
        Layer name inside a multi-layer file (GeoPackage); ``None``: the first layer.

    Returns
    -------
    geopandas.GeoDataFrame
        The features as stored, in the file's CRS (``crs`` is ``None`` when the file has
        none). No column is renamed or checked here.

    Raises
    ------
    LayerError
        The file does not exist, has an unknown ending, or cannot be read.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.exists():
        raise LayerError(f"{path}: file not found; fix: check the path")
    if suffix not in VECTOR_SUFFIXES:
        raise LayerError(
            f"{path}: unknown file type {suffix!r}; fix: use one of {', '.join(VECTOR_SUFFIXES)}"
        )
    if suffix in (".osm.pbf", ".osm", ".pbf"):
        return read_osm_roads(path)
    if suffix in (".parquet", ".geoparquet"):
        import_extra("pyarrow", "parquet", f"{path}: reading GeoParquet", LayerError)
    try:
        if suffix in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        return pyogrio.read_dataframe(path, layer=layer)
    except (
        OSError,
        ValueError,
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
    ) as e:
        raise LayerError(
            f"{path}: cannot read layer {layer or ''}: {e}; fix: repair or re-export it"
        ) from None


def _osm_tag(other_tags: object, key: str) -> str | None:
    if not isinstance(other_tags, str):
        return None
    match = re.search(rf'"{key}"=>"([^"]*)"', other_tags)
    return match.group(1) if match else None


def read_osm_roads(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """Read the roads of an OpenStreetMap extract as a roads layer (WGS 84).

    Uses pyrosm (the ``osm`` extra: ``pip install "hue-twin[osm]"``) when it is installed,
    otherwise GDAL's OSM driver through pyogrio. Highway tags become ``road_class``
    (motorway/trunk/primary/secondary: arterial; tertiary/residential/unclassified: street;
    the rest: alley), ``bridge=yes`` becomes ``bridge``. Ways are not split at junctions
    here: :func:`layers.node_roads` does that.

    Parameters
    ----------
    path
        ``.osm.pbf`` (or ``.osm`` XML) file.

    Returns
    -------
    geopandas.GeoDataFrame
        Roads columns (``ward_id`` empty, to be filled from the wards), EPSG:4326.

    Raises
    ------
    LayerError
        Neither reader can open the file.
    """
    path = Path(path)
    try:
        import pyrosm
    except ImportError:
        pyrosm = None
    raw = None
    if pyrosm is not None and path.name.lower().endswith(".pbf"):
        try:
            raw = pyrosm.OSM(str(path)).get_network(network_type="driving")
        except Exception:  # pyrosm raises its own types; GDAL below says what is wrong
            raw = None
    if raw is not None:
        raw = raw.rename(columns={"id": "osm_id"})
        bridges = raw["bridge"] if "bridge" in raw else [None] * len(raw)
        raw["other_tags"] = [f'"bridge"=>"{b}"' if isinstance(b, str) else None for b in bridges]
        raw = raw.explode(index_parts=False)
    else:
        try:
            raw = pyogrio.read_dataframe(path, layer="lines", where="highway IS NOT NULL")
        except Exception as e:
            raise LayerError(
                f"{path}: cannot read OpenStreetMap roads ({e}); fix: install the osm extra "
                '(pip install "hue-twin[osm]") or convert the file to GeoPackage'
            ) from e
    raw = raw[raw["highway"].isin(_OSM_DRIVABLE)].reset_index(drop=True)
    road_class = raw["highway"].map(_OSM_CLASS).fillna("alley")
    names = [
        str(n) if isinstance(n, str) and n else f"(unnamed {h})"
        for n, h in zip(raw["name"], raw["highway"], strict=True)
    ]
    bridge = [_osm_tag(t, "bridge") not in (None, "no") for t in raw["other_tags"]]
    out = gpd.GeoDataFrame(
        {
            "road_id": [f"osm{i}" for i in raw["osm_id"]],
            "name": names,
            "name_ascii": [to_ascii(n) for n in names],
            "road_class": road_class.to_numpy(),
            "bridge": np.asarray(bridge, dtype=bool),
            "house_from": pd.array([pd.NA] * len(raw), dtype="Int64"),
            "house_to": pd.array([pd.NA] * len(raw), dtype="Int64"),
            "parent_road_id": pd.Series([None] * len(raw), dtype=object),
            "alley_number": pd.array([pd.NA] * len(raw), dtype="Int64"),
            "free_speed_kmh": road_class.map(_OSM_SPEED_KMH).to_numpy(dtype=float),
        },
        geometry=raw.geometry.values,
        crs=raw.crs or "EPSG:4326",
    )
    return out


def layer_sources(folder: str | os.PathLike[str], meta: dict[str, Any]) -> dict[str, Path]:
    """Files that hold a layer of their own, by layer name.

    The ``[layers]`` table of ``city.toml`` names them (paths relative to the folder);
    otherwise a file ``<layer><ending>`` next to ``city.gpkg`` is used when present.

    Parameters
    ----------
    folder
        City package folder.
    meta
        Contents of ``city.toml``.

    Returns
    -------
    dict
        Layer name to file path, only for layers not taken from ``city.gpkg``.
    """
    folder = Path(folder)
    named = meta.get("layers", {}) if isinstance(meta.get("layers"), dict) else {}
    found: dict[str, Path] = {}
    for name in LAYER_NAMES:
        if name in named:
            found[name] = folder / str(named[name])
            continue
        for suffix in VECTOR_SUFFIXES:
            if (folder / f"{name}{suffix}").exists():
                found[name] = folder / f"{name}{suffix}"
                break
    return found


def read_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``city.toml``.

    Raises
    ------
    LayerError
        Missing file or invalid TOML (with the line the parser names).
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise LayerError(
            f"{path}: file not found; fix: add a city.toml with at least name and crs"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise LayerError(f"{path}: invalid TOML ({e}); fix: correct the syntax") from None


def write_meta(meta: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``city.toml`` (keys sorted, UTF-8)."""
    Path(path).write_text(dumps_toml(meta), encoding="utf-8")


def read_grid(path: str | os.PathLike[str], *, name: str, as_float: bool = False) -> xr.DataArray:
    """Read a single-band GeoTIFF as a grid; nodata becomes NaN in float grids.

    Parameters
    ----------
    path
        GeoTIFF file.
    name
        Variable name of the result.
    as_float
        Return float32 values, with the nodata cells of an integer grid as NaN (an SRTM or
        Copernicus int16 DEM marks its holes -32768: they must not become elevations).

    Returns
    -------
    xarray.DataArray
        Dims ``(y, x)``, cell-centre coordinates, CRS written when the file has one,
        attributes from the file's tags (``units``, ``long_name``).

    Raises
    ------
    LayerError
        Missing or unreadable file, rotated or non-square cells.
    """
    path = Path(path)
    if not path.exists():
        raise LayerError(f"{path}: file not found; fix: put the grid in the city folder")
    try:
        with rasterio.open(path) as src:
            values = src.read(1)
            transform, crs, nodata, tags = src.transform, src.crs, src.nodata, src.tags()
    except rasterio.errors.RasterioIOError as e:
        raise LayerError(
            f"{path}: cannot read the raster ({e}); fix: re-export it as GeoTIFF"
        ) from None
    if transform.b != 0 or transform.d != 0 or abs(transform.a) != abs(transform.e):
        raise LayerError(
            f"{path}: the grid is rotated or its cells are not square ({transform}); "
            "fix: warp it to a north-up grid with square cells (gdalwarp -tr 30 30)"
        )
    if as_float and not np.issubdtype(values.dtype, np.floating):
        holes = values == nodata if nodata is not None else np.zeros(values.shape, bool)
        values = np.where(holes, np.nan, values.astype("float32")).astype("float32")
    elif nodata is not None and np.issubdtype(values.dtype, np.floating):
        holes = np.isnan(values) if np.isnan(nodata) else values == nodata
        values = np.where(holes, np.nan, values).astype(values.dtype)
    attrs = {k: v for k, v in tags.items() if k in ("units", "long_name", "standard_name")}
    grid = new_grid(
        values,
        x0=transform.c,
        y0=transform.f,
        cell_m=transform.a,
        crs=crs.to_wkt() if crs else None,
        name=name,
        attrs=attrs,
    )
    return grid


def write_grid(
    grid: xr.DataArray, path: str | os.PathLike[str], *, nodata: float | None = None
) -> None:
    """Write a grid as a deflate-compressed, tiled GeoTIFF (same bytes on every run).

    Parameters
    ----------
    grid
        Dims ``(y, x)`` with CRS.
    path
        Target file.
    nodata
        Value written where the grid is NaN (float grids).
    """
    values = grid.values
    if nodata is not None and np.issubdtype(values.dtype, np.floating):
        values = np.where(np.isnan(values), nodata, values).astype(values.dtype)
    profile = {
        "driver": "GTiff",
        "height": values.shape[0],
        "width": values.shape[1],
        "count": 1,
        "dtype": values.dtype.name,
        "crs": grid.rio.crs,
        "transform": grid_transform(grid),
        "nodata": nodata,
        "compress": "deflate",
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    tags = {k: str(v) for k, v in grid.attrs.items() if k in ("units", "long_name")}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
        dst.update_tags(**tags)


@contextlib.contextmanager
def _gpkg_options() -> Iterator[None]:
    # SQLite syncs to disk after every statement by default: slow, and needless while the
    # package is written into a temporary folder; the file is synced once at the end.
    options = {"OGR_CURRENT_DATE": _PINNED_DATE, "OGR_SQLITE_SYNCHRONOUS": "OFF"}
    old = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


def _write_gpkg(city: City, path: Path) -> None:
    with _gpkg_options():
        for name, gdf in city.layers().items():
            pyogrio.write_dataframe(
                gdf.reset_index(drop=True), path, layer=name, driver="GPKG", promote_to_multi=False
            )
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def write_city(city: City, path: str | os.PathLike[str]) -> Path:
    """Write a city package (``city.toml``, ``city.gpkg``, ``dem.tif``, grids).

    The package is written into a fresh folder next to ``path`` and moved into place at
    the end, so a failure never leaves a half-written city behind.

    Parameters
    ----------
    city
        The city.
    path
        Target folder; replaced if it exists.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.writing")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        meta = {**city.meta, "name": city.name, "crs": city.crs.to_string()}
        meta.pop("layers", None)  # every layer goes into city.gpkg
        write_meta(meta, tmp / "city.toml")
        _write_gpkg(city, tmp / "city.gpkg")
        write_grid(city.dem.astype("float32"), tmp / "dem.tif", nodata=DEM_NODATA)
        write_grid(city.manning.astype("float32"), tmp / "manning.tif")
        if city.landuse is not None:
            write_grid(city.landuse.astype("int8"), tmp / "landuse.tif")
        if city.population is not None:
            write_grid(city.population.astype("float32"), tmp / "population.tif", nodata=-1.0)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old)
    else:
        tmp.rename(path)
    return path


def gpkg_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the layers in a GeoPackage (empty when the file is missing)."""
    path = Path(path)
    if not path.exists():
        return []
    return [str(name) for name, _ in pyogrio.list_layers(path)]
