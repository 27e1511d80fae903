"""GeoJSON as RFC 7946 asks: WGS 84 lon/lat, right-hand rings, no ``crs`` member.

One way to write a layer as GeoJSON for every part of the project (the API's collections,
run outputs, maps): :func:`to_geojson_dict` and :func:`write_geojson`. Each

* reprojects to WGS 84 (EPSG:4326, axis order lon, lat);
* rounds coordinates to ``precision`` decimals (7 by default: about 1 cm, RFC 7946 §11.2);
* orients polygons with the right-hand rule (RFC 7946 §3.1.6): exterior rings
  counter-clockwise, holes clockwise; rounding comes first so that it cannot undo this;
* writes no ``crs`` member (RFC 7946 §4), missing and non-finite values as ``null`` and
  times as ISO 8601 text.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Polygon
>>> clockwise = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
>>> gdf = gpd.GeoDataFrame({"ward_id": ["W01"]}, geometry=[clockwise], crs="EPSG:4326")
>>> doc = to_geojson_dict(gdf, id_column="ward_id")
>>> doc["features"][0]["id"], doc["features"][0]["geometry"]["coordinates"][0][:3]
('W01', [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
>>> "crs" in doc
False
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from layers._errors import LayerError

__all__ = ["orient_rfc7946", "to_geojson_dict", "write_geojson"]

WGS84 = "EPSG:4326"


def _orient_one(geom: Any) -> Any:
    from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
    from shapely.geometry.polygon import orient

    if isinstance(geom, Polygon):
        return orient(geom, sign=1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])
    if isinstance(geom, GeometryCollection):
        return GeometryCollection([_orient_one(g) for g in geom.geoms])
    return geom


def orient_rfc7946(geoms: Any) -> np.ndarray:
    """Polygons with counter-clockwise exterior rings and clockwise holes (RFC 7946 §3.1.6).

    Parameters
    ----------
    geoms
        Shapely geometries (array-like); other geometry types and None pass unchanged.

    Returns
    -------
    numpy.ndarray
        Object array of geometries.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> (ring,) = orient_rfc7946([Polygon([(0, 0), (0, 1), (1, 1)])])
    >>> ring.exterior.is_ccw
    True
    """
    values = np.asarray(geoms, dtype=object)
    if hasattr(shapely, "orient_polygons"):  # shapely >= 2.1
        return np.asarray(shapely.orient_polygons(values, exterior_cw=False), dtype=object)
    return np.array([_orient_one(g) for g in values], dtype=object)


def _prepared(gdf: gpd.GeoDataFrame, precision: int) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerError(f"expected a GeoDataFrame, got {type(gdf).__name__}")
    if not 0 <= precision <= 15:
        raise LayerError(f"precision={precision} must be 0..15 decimals (7 is about 1 cm)")
    if gdf.crs is None:
        raise LayerError("the layer has no CRS: set one (gdf.set_crs(...)) before writing GeoJSON")
    out = gdf.to_crs(WGS84) if not gdf.crs.equals(WGS84) else gdf.copy()
    rounded = shapely.transform(
        np.asarray(out.geometry.values, dtype=object), lambda xy: np.round(xy, precision)
    )
    out = out.set_geometry(gpd.GeoSeries(orient_rfc7946(rounded), index=out.index, crs=WGS84))
    for column in out.columns:
        if column == out.geometry.name:
            continue
        kind = out[column].dtype.kind
        if kind == "M":
            out[column] = [None if v is None or v != v else v.isoformat() for v in out[column]]
        elif kind == "f":
            values = out[column].to_numpy(dtype=float)
            out[column] = np.where(np.isfinite(values), values, np.nan)
    return out


def to_geojson_dict(
    gdf: gpd.GeoDataFrame, *, precision: int = 7, id_column: str | None = None
) -> dict[str, Any]:
    """A layer as an RFC 7946 FeatureCollection (a JSON-ready dict).

    Parameters
    ----------
    gdf
        Any CRS (it must be set); reprojected to WGS 84 lon/lat.
    precision
        Decimals kept in coordinates (7: about 1 cm).
    id_column
        When given, each feature's ``id`` is that column's value (it stays a property too).

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}``, without a ``crs`` member.

    Raises
    ------
    layers.LayerError
        When the layer has no CRS, ``id_column`` is not a column, or ``precision`` is not
        0..15.
    """
    if id_column is not None and id_column not in gdf.columns:
        raise LayerError(f"id_column {id_column!r} is not a column of the layer")
    out = _prepared(gdf, precision)
    if len(out) == 0:
        return {"type": "FeatureCollection", "features": []}
    doc: dict[str, Any] = json.loads(out.to_json(na="null", drop_id=True))
    doc.pop("crs", None)
    if id_column is not None:
        for feature in doc["features"]:
            feature["id"] = feature["properties"].get(id_column)
    return doc


def write_geojson(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    precision: int = 7,
    id_column: str | None = None,
) -> Path:
    """Write a layer as an RFC 7946 GeoJSON file (UTF-8, diacritics kept).

    Parameters
    ----------
    gdf, precision, id_column
        As for :func:`to_geojson_dict`.
    path
        The file to write (its folder must exist).

    Returns
    -------
    Path
        ``path``.
    """
    doc = to_geojson_dict(gdf, precision=precision, id_column=id_column)
    target = Path(path)
    target.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return target
