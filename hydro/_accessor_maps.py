"""Map helpers of the ``ds.flood`` accessor: Web Mercator overlays, titles, ward outlines.

Ward outlines are duck-typed so that hydro never imports geopandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr
from pyproj import CRS, Transformer

from hydro._errors import HydroError
from hydro.styles import Style

if TYPE_CHECKING:
    import branca.colormap
    from matplotlib.axes import Axes
    from matplotlib.colors import BoundaryNorm, Colormap

__all__ = ["draw_outlines", "map_title", "style_colormap", "style_stepmap", "to_web_mercator"]


def _edges(style: Style) -> list[float]:
    """Class edges in display units; an open last class is closed a class-width further."""
    edges = [*style.breaks, style.classes[-1].upper]
    if not np.isfinite(edges[-1]):
        edges[-1] = edges[-2] + (edges[-2] - edges[-3] if len(edges) > 2 else 1.0)
    return edges


def style_colormap(style: Style) -> tuple[Colormap, BoundaryNorm]:
    """The style's classes as a matplotlib colour map and norm over the *stored* values."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    colours = ListedColormap([c.colour for c in style.classes], name=style.name).with_extremes(
        under=(0, 0, 0, 0), over=style.classes[-1].colour
    )
    edges = np.asarray(_edges(style)) / style.scale
    return colours, BoundaryNorm(edges, len(style.classes))


def style_stepmap(style: Style, caption: str) -> branca.colormap.StepColormap:
    """The style's classes as a folium (branca) legend in display units."""
    import branca.colormap

    edges = _edges(style)
    return branca.colormap.StepColormap(
        [c.colour for c in style.classes],
        index=edges,
        vmin=edges[0],
        vmax=edges[-1],
        caption=caption,
    )


def to_web_mercator(
    da: xr.DataArray, crs: CRS, *, max_pixels: int = 1500
) -> tuple[np.ndarray, list[list[float]]]:
    """Nearest-neighbour resample of a (y, x) grid to Web Mercator for a map overlay.

    Returns the image (row 0 north) and its ``[[south, west], [north, east]]`` in degrees.
    """
    x, y = da["x"].values.astype(float), da["y"].values.astype(float)
    dx = abs(x[1] - x[0]) if x.size > 1 else 1.0
    dy = abs(y[1] - y[0]) if y.size > 1 else 1.0
    to_merc = Transformer.from_crs(crs, "EPSG:3857", always_xy=True)
    edge_x = np.concatenate([np.linspace(x.min() - dx / 2, x.max() + dx / 2, 50)] * 2)
    edge_y = np.repeat([y.min() - dy / 2, y.max() + dy / 2], 50)
    ring_x = np.concatenate([edge_x, np.repeat([x.min() - dx / 2, x.max() + dx / 2], 50)])
    ring_y = np.concatenate(
        [edge_y, np.tile(np.linspace(y.min() - dy / 2, y.max() + dy / 2, 50), 2)]
    )
    mx, my = to_merc.transform(ring_x, ring_y)
    west, east, south, north = mx.min(), mx.max(), my.min(), my.max()
    res = max(min(dx, dy), (east - west) / max_pixels, (north - south) / max_pixels)
    cols = max(int(np.ceil((east - west) / res)), 1)
    rows = max(int(np.ceil((north - south) / res)), 1)
    gx = west + (np.arange(cols) + 0.5) * res
    gy = north - (np.arange(rows) + 0.5) * res
    sx, sy = Transformer.from_crs("EPSG:3857", crs, always_xy=True).transform(*np.meshgrid(gx, gy))
    col = np.rint((sx - x[0]) / (x[1] - x[0] if x.size > 1 else 1.0)).astype(np.int64)
    row = np.rint((sy - y[0]) / (y[1] - y[0] if y.size > 1 else 1.0)).astype(np.int64)
    inside = (col >= 0) & (col < x.size) & (row >= 0) & (row < y.size)
    data = np.asarray(da.transpose("y", "x").values, dtype=float)
    image = np.full((rows, cols), np.nan)
    image[inside] = data[row[inside], col[inside]]
    to_deg = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    lon0, lat0 = to_deg.transform(west, south)
    lon1, lat1 = to_deg.transform(east, north)
    return image, [[float(lat0), float(lon0)], [float(lat1), float(lon1)]]


def map_title(da: xr.DataArray, variable: str) -> str:
    title = str(da.attrs.get("long_name", variable))
    if "time" in da.coords and da["time"].ndim == 0:
        value = da["time"].values
        if np.issubdtype(value.dtype, np.datetime64):
            title += f" at {pd.Timestamp(value):%Y-%m-%d %H:%M} UTC"
        else:
            title += f" at t = {float(value) / 3600:.2f} h"
    return title


def draw_outlines(ax: Axes, wards: Any, crs: CRS | None) -> None:
    """Draw ward outlines given in any of the duck-typed forms of :meth:`FloodAccessor.plot`."""
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    style: dict[str, Any] = {"color": "#333333", "linewidth": 0.7}
    boundary = getattr(wards, "boundary", None)
    if boundary is not None and hasattr(boundary, "plot"):
        if crs is not None and getattr(wards, "crs", None) is not None:
            wards = wards.to_crs(crs)
        wards.boundary.plot(ax=ax, **style)
    elif (
        isinstance(wards, tuple) and len(wards) == 2 and not hasattr(wards[0], "__geo_interface__")
    ):
        if crs is None:
            raise HydroError(
                "(lon, lat) outlines need the Dataset's CRS; set it with rio.write_crs"
            )
        lon = np.asarray(wards[0], dtype=float)
        lat = np.asarray(wards[1], dtype=float)
        if lon.shape != lat.shape:
            raise HydroError(f"lon and lat must have the same shape, got {lon.shape}, {lat.shape}")
        x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
        ax.plot(x, y, **style)
    else:
        geometries = [wards] if hasattr(wards, "__geo_interface__") else list(wards)
        for geometry in geometries:
            for ring in _rings(getattr(geometry, "__geo_interface__", geometry)):
                ax.plot(ring[:, 0], ring[:, 1], **style)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)


def _rings(geo: Any) -> list[np.ndarray]:
    if not isinstance(geo, Mapping) or "type" not in geo:
        raise HydroError(
            "wards must be a GeoDataFrame/GeoSeries, geometries with __geo_interface__, "
            "or a (lon, lat) pair of arrays"
        )
    kind, coords = geo["type"], geo.get("coordinates") or []
    if kind == "Polygon":
        return [np.asarray(r, dtype=float) for r in coords]
    if kind == "MultiPolygon":
        return [np.asarray(r, dtype=float) for poly in coords for r in poly]
    if kind == "LineString":
        return [np.asarray(coords, dtype=float)]
    if kind == "MultiLineString":
        return [np.asarray(c, dtype=float) for c in coords]
    if kind == "Feature":
        return _rings(geo["geometry"])
    if kind == "FeatureCollection":
        return [r for f in geo["features"] for r in _rings(f)]
    raise HydroError(f"cannot draw a {kind} as an outline")
