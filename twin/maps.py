"""The run's map: a folium page with the flood depth, wards by impact, cut roads and alerts."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import xarray as xr

from twin.styles import STYLES, Style

__all__ = ["depth_overlay_png", "flood_map"]


def depth_overlay_png(
    max_depth: xr.DataArray, crs: Any, style: Style = STYLES["max_depth"]
) -> tuple[str, tuple[tuple[float, float], tuple[float, float]]]:
    """A PNG (data URL) of ``max_depth`` in lon/lat and its bounds ``((S, W), (N, E))``.

    Drawn in the classes of ``style`` (the style table's maximum depth); cells below the
    first class (drier than 5 cm) are transparent.
    """
    from affine import Affine
    from pyproj import Transformer
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    from twin.impact._grid import grid_transform

    src = np.asarray(max_depth.values, dtype="float32")
    ny, nx = src.shape
    src_transform = grid_transform(max_depth.to_dataset(name="max_depth"))
    left, top = src_transform.c, src_transform.f
    right, bottom = left + src_transform.a * nx, top + src_transform.e * ny
    tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    west, south, east, north = tr.transform_bounds(left, bottom, right, top, densify_pts=21)
    width, height = nx, ny
    dst_transform = Affine((east - west) / width, 0.0, west, 0.0, -(north - south) / height, north)
    values = np.full((height, width), np.nan, dtype="float32")
    reproject(
        src,
        values,
        src_transform=src_transform,
        src_crs=crs,
        dst_transform=dst_transform,
        dst_crs="EPSG:4326",
        resampling=Resampling.nearest,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    rgba = style.rgba(values)
    buf = io.BytesIO()
    import matplotlib.image

    matplotlib.image.imsave(buf, rgba, format="png")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    x0, y1 = dst_transform.c, dst_transform.f
    x1, y0 = x0 + dst_transform.a * width, y1 + dst_transform.e * height
    return url, ((y0, x0), (y1, x1))


def _ward_colour(people: float) -> str:
    style = STYLES["people_at_risk"]
    index = int(style.classify(people))
    return "#ffffff" if index < 0 else style.classes[index].colour


def flood_map(
    result: xr.Dataset,
    wards: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    *,
    crs: Any,
    alerts: Sequence[dict[str, Any]] = (),
    lights: gpd.GeoDataFrame | None = None,
    title: str = "",
    path: str | Path | None = None,
) -> folium.Map:
    """A folium map of one run.

    Parameters
    ----------
    result
        The flood result (its ``max_depth`` is drawn).
    wards, roads
        Outputs of :func:`twin.impact.ward_impact` and :func:`twin.impact.road_impact`.
    crs
        CRS of the result and the layers.
    alerts
        Messages to show, each with ``ward_ids`` (list), ``severity`` and ``headline``.
    lights
        Output of :func:`twin.impact.light_impact`; lights in water are marked.
    title
        Shown in the layer control's first entry.
    path
        Where to save the HTML page, if given.

    Returns
    -------
    folium.Map
    """
    w = wards.to_crs(4326)
    minx, miny, maxx, maxy = w.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12, tiles=None)
    folium.TileLayer("OpenStreetMap", name=title or "map").add_to(fmap)
    url, bounds = depth_overlay_png(result["max_depth"], crs)
    folium.raster_layers.ImageOverlay(
        url, bounds=[list(bounds[0]), list(bounds[1])], name="maximum depth (m)", opacity=1.0
    ).add_to(fmap)

    col = "people_depth_gt_0_5m"
    keep = [
        c
        for c in ("ward_id", "name", "population", col, "people_hazard_all", "max_depth_m")
        if c in w.columns
    ]
    folium.GeoJson(
        w[[*keep, "geometry"]].to_json(na="null"),
        name="wards: people in more than 0.5 m",
        style_function=lambda f: {
            "fillColor": _ward_colour(float(f["properties"].get(col) or 0)),
            "color": "#555555",
            "weight": 1,
            "fillOpacity": 0.45,
        },
        tooltip=folium.GeoJsonTooltip(fields=keep),
    ).add_to(fmap)

    cut = roads[roads["cut_car"].astype(bool)].to_crs(4326)
    if len(cut):
        rkeep = [c for c in ("road_id", "name", "max_depth_m") if c in cut.columns]
        folium.GeoJson(
            cut[[*rkeep, "geometry"]].to_json(na="null"),
            name="roads cut for cars (≥ 0.3 m)",
            style_function=lambda f: {"color": "#d7191c", "weight": 4},
            tooltip=folium.GeoJsonTooltip(fields=rkeep),
        ).add_to(fmap)

    if lights is not None and len(lights):
        wet = lights[lights["in_water"].astype(bool)].to_crs(4326)
        if len(wet):
            lkeep = [c for c in ("light_id", "circuit_id", "max_depth_m") if c in wet.columns]
            folium.GeoJson(
                wet[[*lkeep, "geometry"]].to_json(na="null"),
                name="street lights in water (switch their circuits off)",
                marker=folium.CircleMarker(radius=3, color="#ffb000", fill=True),
                tooltip=folium.GeoJsonTooltip(fields=lkeep),
            ).add_to(fmap)

    if alerts:
        group = folium.FeatureGroup(name="alerts")
        centres = w.set_index(w["ward_id"].astype(str)).geometry.representative_point()
        for alert in alerts:
            for wid in alert.get("ward_ids", []):
                if str(wid) not in centres.index:
                    continue
                p = centres.loc[str(wid)]
                folium.Marker(
                    [p.y, p.x],
                    tooltip=f"{alert.get('severity', '')}: {alert.get('headline', '')}",
                    icon=folium.Icon(color="red", icon="warning-sign"),
                ).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if path is not None:
        fmap.save(str(path))
    return fmap
