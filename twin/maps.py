"""The run's map: a folium page with the flood depth, wards by impact, cut roads and alerts.

Drawn with the style table (:mod:`twin.styles`), labelled in Vietnamese or English, times in
the city's zone (:data:`twin._time.LOCAL_TZ`: ``layers.City`` holds no zone yet, and the twin
has one city), saved with Leaflet inlined so that it opens with no internet.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from twin._html import save_offline
from twin._time import LOCAL_TZ
from twin.styles import STYLES, Style, check_language, legend_html

__all__ = ["add_flood_layer", "depth_overlay_png", "flood_map"]


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


def _metres(value: Any, lang: str) -> str:
    text = f"{float(value):.2f} m"
    return text.replace(".", ",") if lang == "vi" else text


def _count(value: Any, lang: str) -> str:
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "vi" else text


def _local_time(value: Any, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    local = stamp.tz_convert(LOCAL_TZ)
    offset = local.strftime("%z")
    return local.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M") + (
        f" (UTC{offset[0]}{int(offset[1:3])})"
    )


def _text(value: Any, lang: str) -> str:
    return "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


# column -> (Vietnamese, English, formatter): what a popup calls a field and how it shows it.
_FIELDS: dict[str, tuple[str, str, Callable[[Any, str], str]]] = {
    "name": ("Tên", "Name", _text),
    "population": ("Dân số", "Population", _count),
    "people_depth_gt_0_5m": ("Số người ngập sâu hơn 0,5 m", "People in more than 0.5 m", _count),
    "people_hazard_all": ("Số người nguy hiểm cho tất cả", "People in danger for all", _count),
    "max_depth_m": ("Độ sâu lớn nhất", "Maximum depth", _metres),
    "arrival_time": ("Nước đến lúc", "Water arrives", _local_time),
    "impassable_car_time": ("Ô tô không qua được từ", "Closed to cars from", _local_time),
    "circuit_id": ("Mạch đèn", "Light circuit", _text),
    "in_water_from": ("Ngập nước từ", "In water from", _local_time),
}


def _display(gdf: gpd.GeoDataFrame, columns: Sequence[str], lang: str) -> gpd.GeoDataFrame:
    """``gdf`` in lon/lat with ``columns`` as human-named, formatted text (rounded, units,
    local time)."""
    out = gpd.GeoDataFrame(geometry=gdf.to_crs(4326).geometry.values, crs=4326)
    for col in columns:
        if col in gdf.columns:
            vi, en, show = _FIELDS[col]
            out[vi if lang == "vi" else en] = [show(v, lang) for v in gdf[col]]
    return out


def add_flood_layer(
    fmap: folium.Map, max_depth: xr.DataArray, crs: Any, *, lang: str = "vi"
) -> None:
    """Draw the maximum depth on ``fmap`` with its legend from the style table."""
    style = STYLES["max_depth"]
    url, bounds = depth_overlay_png(max_depth, crs, style)
    folium.raster_layers.ImageOverlay(
        url, bounds=[list(bounds[0]), list(bounds[1])], name=style.title(lang), opacity=1.0
    ).add_to(fmap)
    legend = legend_html(style, lang)
    fmap.get_root().html.add_child(  # type: ignore[attr-defined]
        folium.Element(
            '<div style="position:fixed;bottom:24px;left:12px;z-index:1000;background:#fff;'
            f'padding:6px 8px;font:12px sans-serif;border-radius:4px">{legend}</div>'
        )
    )


def flood_map(
    result: xr.Dataset,
    wards: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    *,
    crs: Any,
    alerts: Sequence[dict[str, Any]] = (),
    lights: gpd.GeoDataFrame | None = None,
    title: str = "",
    lang: str = "vi",
    path: str | Path | None = None,
) -> folium.Map:
    """A folium map of one run, saved (when ``path`` is given) to work offline.

    Parameters
    ----------
    result
        The flood result (its ``max_depth`` is drawn, classed by the style table).
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
    lang
        Language of the legend, layer names and popups (``"vi"`` or ``"en"``); times are
        shown in the city's zone.
    path
        Where to save the HTML page, if given (Leaflet inlined: it opens with no internet).

    Returns
    -------
    folium.Map
    """
    vi = check_language(lang) == "vi"
    w = wards.to_crs(4326)
    minx, miny, maxx, maxy = w.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12, tiles=None)
    folium.TileLayer("OpenStreetMap", name=title or "OpenStreetMap").add_to(fmap)
    add_flood_layer(fmap, result["max_depth"], crs, lang=lang)

    col = "people_depth_gt_0_5m"
    shown = _display(
        wards,
        ("name", "population", col, "people_hazard_all", "max_depth_m", "arrival_time"),
        lang,
    )
    colours = [_ward_colour(float(v or 0)) for v in wards.get(col, [0] * len(wards))]
    shown["colour"] = colours
    fields = [c for c in shown.columns if c not in ("geometry", "colour")]
    folium.GeoJson(
        shown.to_json(na="null"),
        name=STYLES["people_at_risk"].title(lang),
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#555555",
            "weight": 1,
            "fillOpacity": 0.35,  # the flood under the wards stays readable
        },
        tooltip=folium.GeoJsonTooltip(fields=fields),
    ).add_to(fmap)

    cut = roads[roads["cut_car"].astype(bool)]
    if len(cut):
        rshown = _display(cut, ("name", "max_depth_m", "impassable_car_time"), lang)
        folium.GeoJson(
            rshown.to_json(na="null"),
            name="Đường ô tô không qua được (≥ 0,3 m)" if vi else "Roads cut for cars (≥ 0.3 m)",
            style_function=lambda f: {"color": "#d7191c", "weight": 4},
            tooltip=folium.GeoJsonTooltip(fields=[c for c in rshown.columns if c != "geometry"]),
        ).add_to(fmap)

    if lights is not None and len(lights):
        wet = lights[lights["in_water"].astype(bool)]
        if len(wet):
            lshown = _display(wet, ("circuit_id", "max_depth_m", "in_water_from"), lang)
            folium.GeoJson(
                lshown.to_json(na="null"),
                name="Đèn đường ngập nước (cắt mạch)"
                if vi
                else "Street lights in water (switch their circuits off)",
                marker=folium.CircleMarker(radius=3, color="#ffb000", fill=True),
                tooltip=folium.GeoJsonTooltip(
                    fields=[c for c in lshown.columns if c != "geometry"]
                ),
            ).add_to(fmap)

    if alerts:
        group = folium.FeatureGroup(name="Cảnh báo" if vi else "Warnings")
        centres = w.set_index(w["ward_id"].astype(str)).geometry.representative_point()
        for alert in alerts:
            for wid in alert.get("ward_ids", []):
                if str(wid) not in centres.index:
                    continue
                p = centres.loc[str(wid)]
                folium.CircleMarker(
                    [p.y, p.x],
                    radius=9,
                    color="#b10026",
                    fill=True,
                    fill_opacity=0.9,
                    tooltip=f"{alert.get('severity', '')}: {alert.get('headline', '')}",
                ).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if path is not None:
        save_offline(fmap, path)
    return fmap
