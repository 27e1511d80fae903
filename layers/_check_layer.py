"""Checks of one layer against its declaration (see :mod:`layers.validate` for the rules)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers._crs import same_crs
from layers._schema import LAYERS, Column, LayerSpec, pandas_dtype

__all__ = ["WARD_FILLED", "check_layer", "ids_text", "row_labels"]

_MAX_IDS = 8
WARD_FILLED = ("roads", "lights", "shelters", "households")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_DTYPE_WORDS = {
    "str": "text",
    "str?": "text or empty",
    "json": "a JSON list of numbers",
    "int": "a whole number",
    "Int64": "a whole number or empty",
    "float": "a number",
    "float?": "a number or empty",
    "bool": "true/false",
}


def ids_text(labels: pd.Series, mask: np.ndarray | pd.Series) -> str:
    """The ids of the rows picked by ``mask``, the first few then "and N more"."""
    chosen = [str(v) for v in labels[np.asarray(mask, dtype=bool)]]
    shown = ", ".join(chosen[:_MAX_IDS])
    more = f" and {len(chosen) - _MAX_IDS} more" if len(chosen) > _MAX_IDS else ""
    return f"{shown}{more}"


def row_labels(gdf: pd.DataFrame, id_column: str) -> pd.Series:
    """Row labels for messages: the ids, or ``#0``, ``#1``... when the id column is missing."""
    if id_column in gdf.columns:
        return gdf[id_column].astype(str).reset_index(drop=True)
    return pd.Series([f"#{i}" for i in range(len(gdf))])


def _coerce(series: pd.Series, code: str) -> tuple[pd.Series, np.ndarray]:
    """Cast a column to its declared dtype; return the column and the rows that do not fit."""
    null = series.isna().to_numpy()
    if code in ("str", "str?", "json"):
        values = [None if n else str(v) for v, n in zip(series, null, strict=True)]
        out = pd.Series(values, index=series.index, dtype=object)
        bad = null.copy() if code != "str?" else np.zeros(len(series), bool)
        if code == "json":
            bad |= np.array([v is not None and not _is_number_list(v) for v in values], bool)
        return out, bad
    if code == "bool":
        words = series.astype(str).str.strip().str.lower()
        bad = ~(words.isin(_TRUE) | words.isin(_FALSE)).to_numpy() | null
        return pd.Series(words.isin(_TRUE).to_numpy(), index=series.index, dtype=bool), bad
    num = pd.to_numeric(series, errors="coerce").astype("float64")
    unreadable = (num.isna().to_numpy() & ~null) | np.isinf(num.to_numpy())
    if code in ("int", "Int64"):
        fractional = (num.notna() & (num % 1 != 0)).to_numpy()
        bad = unreadable | fractional | (null if code == "int" else False)
        clean = num.where(~pd.Series(bad, index=series.index))
        if code == "int":
            return clean.fillna(0).astype("int64"), bad
        return clean.round().astype("Int64"), bad
    bad = unreadable | (null if code == "float" else False)
    return num, bad


def _is_number_list(text: str) -> bool:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(value, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    )


def _check_crs(
    gdf: gpd.GeoDataFrame, where: str, city_crs: CRS | None, problems: list[str], notes: list[str]
) -> gpd.GeoDataFrame | None:
    if gdf.crs is None:
        problems.append(
            f"{where}: no CRS; fix: write the file with its CRS (a .prj next to a shapefile, "
            "or gdf.set_crs(...) before saving)"
        )
        return None
    try:
        crs = CRS.from_user_input(gdf.crs)
    except CRSError:
        problems.append(f"{where}: unknown CRS {gdf.crs!r}; fix: use an EPSG code")
        return None
    if city_crs is not None and not same_crs(crs, city_crs):
        notes.append(f"{where}: reprojected from {crs.to_string()} to {city_crs.to_string()}")
        return gdf.to_crs(city_crs)
    return gdf.set_crs(city_crs, allow_override=True) if city_crs is not None else gdf


def _single_parts(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Take single-part multi geometries apart (a common artefact of shapefile exports)."""
    arr = geoms.values
    is_multi = np.isin(shapely.get_type_id(arr), (4, 5, 6)) & (shapely.get_num_geometries(arr) == 1)
    if not is_multi.any():
        return geoms
    out = np.array(arr, dtype=object)
    out[is_multi] = shapely.get_geometry(arr[is_multi], 0)
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(shapely.make_valid(geom)) if p.geom_type == "Polygon"]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _check_geometry(
    gdf: gpd.GeoDataFrame,
    spec: LayerSpec,
    where: str,
    labels: pd.Series,
    problems: list[str],
    notes: list[str],
) -> gpd.GeoDataFrame:
    geoms = gdf.geometry
    missing = (geoms.isna() | geoms.is_empty).to_numpy()
    if missing.any():
        problems.append(
            f"{where}: rows {ids_text(labels, missing)}: missing or empty geometry; "
            "fix: give each feature a geometry or delete the rows"
        )
    singled = _single_parts(geoms)
    changed = ~missing & (singled.geom_type != geoms.geom_type).to_numpy()
    if changed.any():
        notes.append(
            f"{where}: rows {ids_text(labels, changed)}: single-part multi geometry taken apart"
        )
    geoms = singled
    types = geoms.geom_type.to_numpy()
    wrong = ~missing & ~np.isin(types, spec.geometry)
    if wrong.any():
        found = sorted({str(t) for t in types[wrong]})
        problems.append(
            f"{where}: rows {ids_text(labels, wrong)}: geometry {'/'.join(found)}, expected "
            f"{' or '.join(spec.geometry)}; fix: convert the features (explode multi-part "
            "features into one row each, with their own ids)"
        )
    invalid = ~missing & ~wrong & ~geoms.is_valid.to_numpy()
    if invalid.any():
        if spec.geometry[0] == "Polygon":
            arr = np.array(geoms.values, dtype=object)
            arr[invalid] = [_polygonal(g) for g in arr[invalid]]
            lost = invalid & shapely.is_empty(arr)
            if lost.any():
                problems.append(
                    f"{where}: rows {ids_text(labels, lost)}: invalid polygon with no area left "
                    "after repair; fix: redraw it"
                )
            if (invalid & ~lost).any():
                notes.append(
                    f"{where}: rows {ids_text(labels, invalid & ~lost)}: invalid polygon repaired "
                    "with make_valid (polygonal parts kept); check its shape"
                )
            geoms = gpd.GeoSeries(arr, index=geoms.index, crs=geoms.crs)
        else:
            problems.append(
                f"{where}: rows {ids_text(labels, invalid)}: invalid geometry (too few distinct "
                "points or NaN coordinates); fix: redraw or delete the features"
            )
    return gdf.set_geometry(geoms.values)


def check_layer(
    gdf: gpd.GeoDataFrame, name: str, *, source: str, city_crs: CRS | None
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Check one layer against its declaration and bring it to the declared dtypes.

    Parameters
    ----------
    gdf
        The layer as read.
    name
        Layer name (key of ``layers._schema.LAYERS``).
    source
        File name for messages.
    city_crs
        The city's CRS; the layer is reprojected to it. ``None``: left as it is.

    Returns
    -------
    layer, problems, notes
        The cleaned layer (declared columns first, then extra ones, then ``geometry``),
        the problems found and the notes of what was changed.
    """
    spec = LAYERS[name]
    where = f"{source}: layer '{name}'"
    problems: list[str] = []
    notes: list[str] = []
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    gdf = gdf.reset_index(drop=True)
    checked = _check_crs(gdf, where, city_crs, problems, notes)
    if checked is not None:
        gdf = checked
    for col in spec.columns:
        short = col.name[:10]
        if col.name not in gdf.columns and short != col.name and short in gdf.columns:
            gdf = gdf.rename(columns={short: col.name})
            notes.append(f"{where}: column '{short}' read as '{col.name}' (shapefile name)")
    missing = [c.name for c in spec.columns if c.name not in gdf.columns]
    if name in WARD_FILLED and "ward_id" in missing:
        missing.remove("ward_id")
        gdf["ward_id"] = None
    if missing:
        problems.append(
            f"{where}: missing column(s) {', '.join(missing)}; fix: add them "
            f"(declared: {', '.join(spec.column_names)}; see layers/SCHEMA.md)"
        )
    has_id = spec.id_column in gdf.columns
    labels = row_labels(gdf, spec.id_column)
    gdf = _check_geometry(gdf, spec, where, labels, problems, notes)
    for col in spec.columns:
        if col.name in gdf.columns:
            gdf[col.name] = _check_column(gdf[col.name], col, where, labels, problems)
    if has_id:
        ids = gdf[spec.id_column]
        dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
        if dup.any():
            first = dup & ~ids.duplicated().to_numpy()
            problems.append(
                f"{where}: duplicate {spec.id_column} {ids_text(labels, first)}"
                f" ({int(dup.sum())} rows); fix: make every {spec.id_column} unique"
            )
    declared = [c.name for c in spec.columns if c.name in gdf.columns]
    extra = [c for c in gdf.columns if c not in declared and c != "geometry"]
    return gdf[[*declared, *extra, "geometry"]], problems, notes


def _check_column(
    series: pd.Series, col: Column, where: str, labels: pd.Series, problems: list[str]
) -> pd.Series:
    values, bad = _coerce(series, col.dtype)
    if bad.any():
        shown = sorted({repr(v) for v in series[bad]})[:3]
        problems.append(
            f"{where}: rows {ids_text(labels, bad)}: column '{col.name}' must be "
            f"{_DTYPE_WORDS[col.dtype]}, found {', '.join(shown)}; fix: correct the values"
        )
        return series
    if col.nonnegative:
        negative = (values.astype("Float64") < 0).fillna(False).to_numpy(dtype=bool)
        if negative.any():
            problems.append(
                f"{where}: rows {ids_text(labels, negative)}: negative '{col.name}'; "
                "fix: counts, capacities and sizes must be >= 0"
            )
    if col.choices is not None:
        wrong = ~values.isin(col.choices).to_numpy()
        if wrong.any():
            found = sorted({str(v) for v in values[wrong]})[:5]
            problems.append(
                f"{where}: rows {ids_text(labels, wrong)}: '{col.name}' is {', '.join(found)}; "
                f"fix: use one of {', '.join(col.choices)}"
            )
    return values.astype(pandas_dtype(col.dtype))
