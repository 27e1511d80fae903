"""GIS exports of a run: Cloud Optimized GeoTIFFs, a styled GeoPackage, a QGIS project.

- ``cog``: one COG per raster (maximum depth, hazard class, arrival time, and the
  exceedance probability of each threshold for an ensemble), in the style table's display
  units (m, class, h, %), with overviews, nodata, and a ``.qml`` beside each (QGIS loads it);
- ``gpkg``: ``impact.gpkg`` with the wards, cut roads and lights in water, and their styles
  in the GeoPackage's ``layer_styles`` table (QML and SLD, the default style of each layer);
- ``qgis``: both, and ``project.qgs`` opening them with the style table's colours.

Examples
--------
>>> import tempfile
>>> from hydro.accessor import example_result
>>> with tempfile.TemporaryDirectory() as tmp:
...     paths = write_cogs(example_result(), tmp)
...     sorted(p.name for p in paths if p.suffix == ".tif")
['hazard.tif', 'max_depth.tif']
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd
import rioxarray  # noqa: F401  (registers .rio)
import xarray as xr

import hydro.accessor  # noqa: F401  (registers ds.flood)
from twin._errors import TwinError
from twin.exports._qml import (
    QGIS_VERSION,
    categories_qml,
    graduated_qml,
    graduated_sld,
    raster_pipe,
    raster_qml,
)
from twin.styles import STYLES, Style, check_language

__all__ = ["FORMATS", "ExportFormat", "export_run", "write_cogs", "write_geopackage"]

ExportFormat = Literal["cog", "gpkg", "qgis"]
FORMATS: tuple[ExportFormat, ...] = ("cog", "gpkg", "qgis")
_FLOAT_NODATA = -9999.0
_CLASS_NODATA = 255
GPKG = "impact.gpkg"


def _rasters(ds: xr.Dataset) -> list[tuple[str, Style, xr.DataArray]]:
    """(file stem, style, field in display units) of each raster of ``ds``."""
    out: list[tuple[str, Style, xr.DataArray]] = []
    if "max_depth" in ds:
        out.append(("max_depth", STYLES["max_depth"], ds["max_depth"]))
    if "speed" in ds and "depth" in ds and "time" in ds.dims:
        out.append(("hazard", STYLES["hazard"], ds.flood.hazard()["max_hazard_class"]))
    if "arrival_time" in ds:
        arrival = ds["arrival_time"]
        if np.issubdtype(arrival.dtype, np.datetime64):
            start = np.asarray(ds["time"].values)[0]
            arrival = (arrival - start) / np.timedelta64(1, "s")
        out.append(("arrival_time", STYLES["arrival_time"], arrival.where(arrival >= 0)))
    if "exceedance_probability" in ds:
        probability = ds["exceedance_probability"]
        for threshold in probability["threshold_m"].values:
            stem = f"exceedance_probability_{float(threshold):g}m".replace(".", "_")
            field = probability.sel(threshold_m=threshold)
            out.append((stem, STYLES["exceedance_probability"], field))
    return [(stem, style, field * style.scale) for stem, style, field in out]


def write_cogs(
    ds: xr.Dataset, folder: str | Path, *, crs: Any = None, lang: str = "vi"
) -> list[Path]:
    """Write each raster of ``ds`` as a COG (``stem.tif``) with its QML (``stem.qml``).

    Parameters
    ----------
    ds
        A flood result (or an ensemble summary with ``exceedance_probability``).
    folder
        Where to write (made if missing).
    crs
        The CRS when ``ds`` has none (rioxarray).
    lang
        Language of the class labels in the styles.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    TwinError
        When ``ds`` has no CRS and none is given, or holds no raster to export.
    """
    check_language(lang)
    crs = ds.rio.crs or crs
    if crs is None:
        raise TwinError("the result has no CRS: give the city's (crs=...)")
    rasters = _rasters(ds)
    if not rasters:
        raise TwinError(
            "nothing to export: the result holds no max_depth, depth/speed, arrival_time or "
            "exceedance_probability"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, style, field in rasters:
        field = field.squeeze(drop=True).transpose("y", "x")
        if style.units == "class":
            values = field.fillna(_CLASS_NODATA).astype("uint8")
            nodata: float = _CLASS_NODATA
        else:
            values = field.astype("float32").fillna(_FLOAT_NODATA)
            nodata = _FLOAT_NODATA
        values = values.rio.write_crs(crs).rio.write_nodata(nodata, encoded=False)
        values.attrs = {"units": style.units, "long_name": style.title("en")}
        path = folder / f"{stem}.tif"
        values.rio.to_raster(
            path,
            driver="COG",
            compress="DEFLATE",
            blocksize=256,
            overview_resampling="nearest",
            overview_count=_overview_count(values.sizes["y"], values.sizes["x"]),
        )
        qml = folder / f"{stem}.qml"
        qml.write_text(raster_qml(style, lang), encoding="utf-8")
        written += [path, qml]
    return written


def _style_of(stem: str) -> Style:
    return STYLES["exceedance_probability" if stem.startswith("exceedance") else stem]


def _overview_count(ny: int, nx: int) -> int:
    """Halvings until the smallest overview is under 64 pixels (at least one)."""
    return max(1, int(np.ceil(np.log2(max(ny, nx) / 64))))


def _vector_layers(folder: Path, lang: str) -> list[tuple[str, gpd.GeoDataFrame, str, str]]:
    """(layer, features, QML, SLD) of the impact layers of the run in ``folder``."""
    vi = lang == "vi"
    people = STYLES["people_at_risk"]
    layers: list[tuple[str, gpd.GeoDataFrame, str, str]] = []
    wards_path = folder / "impact_wards.geojson"
    if wards_path.exists():
        wards = gpd.read_file(wards_path)
        layers.append(
            (
                "wards",
                wards,
                graduated_qml(people, "people_depth_gt_0_5m", "fill", lang),
                graduated_sld(people, "wards", "people_depth_gt_0_5m", lang),
            )
        )
    roads_path = folder / "impact_roads.geojson"
    if roads_path.exists():
        roads = gpd.read_file(roads_path)
        roads = roads[roads["cut_car"].astype(bool)] if "cut_car" in roads else roads
        label = "Đường ô tô không qua được" if vi else "Cut for cars"
        layers.append(
            ("roads_cut", roads, categories_qml("cut_car", "line", [("1", "#d7191c", label)]), "")
        )
    lights_path = folder / "impact_lights.geojson"
    if lights_path.exists():
        lights = gpd.read_file(lights_path)
        lights = lights[lights["in_water"].astype(bool)] if "in_water" in lights else lights
        label = "Đèn ngập nước" if vi else "In water"
        layers.append(
            (
                "lights_in_water",
                lights,
                categories_qml("in_water", "marker", [("1", "#ffb000", label)]),
                "",
            )
        )
    return layers


def write_geopackage(folder: str | Path, path: str | Path, *, lang: str = "vi") -> Path:
    """Write the impact layers of the run in ``folder`` to a GeoPackage with their styles.

    The styles go in the ``layer_styles`` table as QGIS and GDAL read it (one default style
    per layer: QML, and SLD where the renderer has one).

    Raises
    ------
    TwinError
        When the run's folder holds no impact layer.
    """
    check_language(lang)
    layers = _vector_layers(Path(folder), lang)
    if not layers:
        raise TwinError(f"run folder {Path(folder).name} holds no impact layer to export")
    path = Path(path)
    path.unlink(missing_ok=True)
    for name, gdf, _, _ in layers:
        for col in gdf.columns:  # GeoPackage has no timezone-aware type: UTC ISO text
            if isinstance(gdf[col].dtype, pd.DatetimeTZDtype):
                gdf[col] = gdf[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        gdf.to_file(path, layer=name, driver="GPKG")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"
        )
        # registered as an attributes table, so GDAL (and QGIS through it) lists and reads it
        db.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
            "description, last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
            "'QGIS layer styles', ?)",
            (now,),
        )
        for name, _, qml, sld in layers:
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, update_time) VALUES ('', '', ?, 'geom', ?, ?, ?, 1, ?, 'hue-twin', ?)",
                (name, name, qml, sld, "hue-twin style table", now),
            )
    return path


def _project(
    rasters: list[tuple[str, Style]], vectors: list[tuple[str, str]], crs: Any, lang: str
) -> str:
    """A QGIS project (.qgs) of the COGs and GeoPackage layers beside it."""
    from pyproj import CRS

    authid = CRS.from_user_input(crs).to_string()
    srs = f"<srs><spatialrefsys><authid>{escape(authid)}</authid></spatialrefsys></srs>"
    layers, tree = [], []
    for stem, qml in vectors:
        lid = f"{stem}_{uuid.uuid4().hex[:8]}"
        source = f"./{GPKG}|layername={stem}"
        tree.append(
            f'<layer-tree-layer id="{lid}" name="{stem}" source={quoteattr(source)} '
            'providerKey="ogr" checked="Qt::Checked" expanded="1"/>'
        )
        renderer = qml.split(">", 1)[1].rsplit("</qgis>", 1)[0]
        layers.append(
            f'<maplayer type="vector" geometry="Unknown"><id>{lid}</id>'
            f"<datasource>{escape(source)}</datasource><layername>{stem}</layername>"
            f"{srs}<provider>ogr</provider>{renderer}</maplayer>"
        )
    for stem, style in rasters:
        lid = f"{stem}_{uuid.uuid4().hex[:8]}"
        name = escape(style.title(lang))
        tree.append(
            f'<layer-tree-layer id="{lid}" name="{name}" source="./{stem}.tif" '
            'providerKey="gdal" checked="Qt::Checked" expanded="1"/>'
        )
        layers.append(
            f'<maplayer type="raster"><id>{lid}</id><datasource>./{stem}.tif</datasource>'
            f"<layername>{name}</layername>{srs}<provider>gdal</provider>"
            f"{raster_pipe(style, lang)}</maplayer>"
        )
    return (
        '<!DOCTYPE qgis PUBLIC "http://mrcc.com/qgis.dtd" "SYSTEM">\n'
        f'<qgis projectname="hue-twin" version="{QGIS_VERSION}">'
        f"<projectCrs>{srs.removeprefix('<srs>').removesuffix('</srs>')}</projectCrs>"
        f"<layer-tree-group>{''.join(tree)}</layer-tree-group>"
        f"<projectlayers>{''.join(layers)}</projectlayers>"
        '<properties><Paths><Absolute type="bool">false</Absolute></Paths></properties>'
        "</qgis>\n"
    )


def export_run(
    folder: str | Path,
    out: str | Path,
    fmt: str,
    *,
    crs: Any = None,
    lang: str = "vi",
) -> list[Path]:
    """Export the run in ``folder`` to ``out`` as ``fmt`` (``cog``, ``gpkg`` or ``qgis``).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    TwinError
        For an unknown format or language, or a run without the layers to export.
    """
    from twin.runs import open_result

    if fmt not in FORMATS:
        raise TwinError(f"export format {fmt!r} is not known: use one of {', '.join(FORMATS)}")
    check_language(lang)
    folder, out = Path(folder), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    ds: xr.Dataset | None = None
    if fmt in ("cog", "qgis"):
        probabilities = folder / "probabilities.nc"
        if probabilities.exists():  # an ensemble: its probabilities, not a member's depth
            with xr.open_dataset(probabilities) as opened:
                ds = opened[["exceedance_probability"]].load()
        else:
            ds = open_result(folder)
        written += write_cogs(ds, out, crs=crs, lang=lang)
    if fmt in ("gpkg", "qgis"):
        written.append(write_geopackage(folder, out / GPKG, lang=lang))
    if fmt == "qgis":
        assert ds is not None
        rasters = [(p.stem, _style_of(p.stem)) for p in written if p.suffix == ".tif"]
        vectors = [(name, qml) for name, _, qml, _ in _vector_layers(folder, lang)]
        project = out / "project.qgs"
        project.write_text(_project(rasters, vectors, ds.rio.crs or crs, lang), encoding="utf-8")
        written.append(project)
    return written
