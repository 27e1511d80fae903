"""A run's bulletin: PNG figures and a short HTML page a planner pastes into a bulletin.

- ``wards_people_at_risk.png``: the wards coloured by the people in water deeper than 0.5 m
  (the style table's classes);
- ``gauge_<id>.png``: the water level at each gauge against its alarm levels BĐ1–BĐ3, in the
  city's local time;
- ``bulletin.html``: the totals, the wards most at risk, the gauges' peaks, the figures.

Every word is in the chosen language (``vi`` or ``en``); times in the city's zone.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from twin._errors import TwinError
from twin._time import LOCAL_TZ
from twin.styles import STYLES, check_language

__all__ = ["gauge_figure", "ward_figure", "write_bulletin"]

_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Bản tin lũ",
        "wards": "Số người trong vùng ngập sâu hơn 0,5 m theo phường",
        "none": "Không ai",
        "level": "Mực nước (m)",
        "time": "Giờ Huế (UTC+7)",
        "alarm": "BĐ{n}",
        "totals": "Tổng quát",
        "gauges": "Trạm đo",
        "peak": "Đỉnh",
        "at": "lúc",
        "ward": "Phường",
        "people_05": "Số người ngập > 0,5 m",
        "max_depth": "Độ sâu lớn nhất",
        "start": "Bắt đầu",
    },
    "en": {
        "title": "Flood bulletin",
        "wards": "People in water deeper than 0.5 m, by ward",
        "none": "Nobody",
        "level": "Water level (m)",
        "time": "Huế time (UTC+7)",
        "alarm": "alarm {n} (BĐ{n})",
        "totals": "Totals",
        "gauges": "Gauges",
        "peak": "Peak",
        "at": "at",
        "ward": "Ward",
        "people_05": "People in > 0.5 m",
        "max_depth": "Maximum depth",
        "start": "Start",
    },
}
_TOTALS = {
    "people_depth_gt_0_5m": ("Số người ngập sâu hơn 0,5 m", "People in water deeper than 0.5 m"),
    "people_hazard_all": ("Số người nguy hiểm cho tất cả", "People in danger for all"),
    "flooded_area_km2": ("Diện tích ngập (km²)", "Flooded area (km²)"),
    "roads_cut_car": ("Đoạn đường ô tô không qua được", "Road sections cut for cars"),
    "circuits_to_switch_off": ("Mạch đèn cần cắt", "Light circuits to switch off"),
}
_ALARM_COLOURS = ("#f1c40f", "#e67e22", "#c0392b")


def _num(value: float, lang: str, digits: int = 0) -> str:
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".") if lang == "vi" else text


def _local(value: Any, lang: str) -> str:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return stamp.tz_convert(LOCAL_TZ).strftime("%d/%m %H:%M" if lang == "vi" else "%d %b %H:%M")


def ward_figure(wards: gpd.GeoDataFrame, path: str | Path, *, lang: str = "vi") -> Path:
    """The wards coloured by people in water deeper than 0.5 m, with the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    words = _WORDS[check_language(lang)]
    style = STYLES["people_at_risk"]
    people = wards["people_depth_gt_0_5m"].fillna(0).to_numpy(dtype=float)
    index = style.classify(people)
    colours = ["#ffffff" if i < 0 else style.classes[i].colour for i in index]
    fig, ax = plt.subplots(figsize=(7, 7), layout="constrained")
    wards.plot(ax=ax, color=colours, edgecolor="#555555", linewidth=0.6)
    for _, row in wards.iterrows():
        p = row.geometry.representative_point()
        ax.annotate(str(row.get("name", "")), (p.x, p.y), ha="center", fontsize=7)
    handles = [Patch(facecolor="#ffffff", edgecolor="#555555", label=words["none"])] + [
        Patch(facecolor=c.colour, edgecolor="#555555", label=style.label(i, lang))
        for i, c in enumerate(style.classes)
    ]
    ax.legend(handles=handles, title=style.title(lang), loc="best", fontsize=8)
    ax.set_title(words["wards"])
    ax.set_axis_off()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return Path(path)


def gauge_figure(series: pd.DataFrame, path: str | Path, *, lang: str = "vi") -> Path:
    """The level at one gauge (rows of ``gauges.csv``) against its alarm levels BĐ1–BĐ3."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    words = _WORDS[check_language(lang)]
    times = pd.to_datetime(series["time"], utc=True).dt.tz_convert(LOCAL_TZ)
    fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
    ax.plot(times, series["level_m"], color="#08519c", lw=2, label=str(series["name"].iloc[0]))
    for n, colour in zip((1, 2, 3), _ALARM_COLOURS, strict=True):
        level = series[f"alarm{n}_m"].iloc[0]
        if pd.notna(level):
            label = f"{words['alarm'].format(n=n)}: {_num(float(level), lang, 2)} m"
            ax.axhline(float(level), color=colour, ls="--", lw=1.2, label=label)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m %H:%M", tz=LOCAL_TZ))
    fig.autofmt_xdate()
    ax.set_xlabel(words["time"])
    ax.set_ylabel(words["level"])
    ax.set_title(str(series["name"].iloc[0]))
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return Path(path)


def write_bulletin(folder: str | Path, out: str | Path, *, lang: str = "vi") -> list[Path]:
    """Write the figures and ``bulletin.html`` of the run in ``folder`` into ``out``.

    Raises
    ------
    TwinError
        For an unknown language, or a folder without the run's summary and impact.
    """
    lang = check_language(lang)
    words = _WORDS[lang]
    folder, out = Path(folder), Path(out)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        wards = gpd.read_file(folder / "impact_wards.geojson")
    except (OSError, ValueError) as exc:
        raise TwinError(
            f"run folder {folder} has no readable summary or ward impact: {exc}"
        ) from None
    out.mkdir(parents=True, exist_ok=True)
    written = [ward_figure(wards.to_crs(3857), out / "wards_people_at_risk.png", lang=lang)]
    gauges_path = folder / "gauges.csv"
    gauges = pd.read_csv(gauges_path) if gauges_path.exists() else pd.DataFrame()
    for gauge_id, series in gauges.groupby("gauge_id", sort=False) if len(gauges) else []:
        written.append(gauge_figure(series, out / f"gauge_{gauge_id}.png", lang=lang))

    totals = summary.get("totals", {})
    rows = "".join(
        f"<tr><td>{escape(names[0 if lang == 'vi' else 1])}</td>"
        f"<td>{_num(float(totals[key]), lang, 1 if key.endswith('km2') else 0)}</td></tr>"
        for key, names in _TOTALS.items()
        if key in totals
    )
    top = wards.sort_values("people_depth_gt_0_5m", ascending=False).head(5)
    ward_rows = "".join(
        f"<tr><td>{escape(str(r['name']))}</td><td>{_num(float(r['people_depth_gt_0_5m']), lang)}"
        f"</td><td>{_num(float(r['max_depth_m']), lang, 2)} m</td></tr>"
        for _, r in top.iterrows()
    )
    gauge_rows = "".join(
        f"<li>{escape(str(g['name']))}: {words['peak']} {_num(float(g['peak_level_m']), lang, 2)}"
        f" m {words['at']} {_local(g['peak_time'], lang)}</li>"
        for g in summary.get("gauges", [])
        if g.get("peak_time")
    )
    images = "".join(f'<p><img src="{p.name}" style="max-width:100%"></p>' for p in written)
    title = f"{words['title']}: {escape(str(summary.get('scenario', '')))}"
    start = _local(summary["start"], lang) if summary.get("start") else ""
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font:14px/1.4 sans-serif;max-width:820px;margin:1em auto}"
        "td{padding:2px 8px;border-bottom:1px solid #ddd}</style></head><body>"
        f"<h1>{title}</h1><p>{words['start']}: {start} (UTC+7)</p>"
        f"<h2>{words['totals']}</h2><table>{rows}</table>"
        f"<h2>{words['wards']}</h2><table><tr><th>{words['ward']}</th>"
        f"<th>{words['people_05']}</th><th>{words['max_depth']}</th></tr>{ward_rows}</table>"
        f"<h2>{words['gauges']}</h2><ul>{gauge_rows}</ul>{images}</body></html>\n"
    )
    page = out / "bulletin.html"
    page.write_text(html, encoding="utf-8")
    return [*written, page]
