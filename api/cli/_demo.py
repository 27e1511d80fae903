"""``twin demo``: the main job on the Huế demo city, start to end.

Steps, each a small function: build the city if it is not there, check and summarise it,
run the demo flood scenario (flood, impact, CAP alerts, map), write an HTML map of the city
and a summary JSON, print a summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli import _common

if TYPE_CHECKING:
    import folium

    from layers import City

__all__ = ["demo", "write_map"]


_LAYER_STYLE = {
    "gauges": ("blue", "gauge_id"),
    "stations": ("red", "team_id"),
    "shelters": ("green", "shelter_id"),
}


def write_map(city: City, path: Path, *, flood: Path | None = None) -> folium.Map:
    """Write an HTML map of the city (wards, roads, gauges, dam entries, stations, shelters)
    and, given a run's folder, its maximum flood depth with the legend; it opens offline.

    Parameters
    ----------
    city
        The city.
    path
        HTML file to write.
    flood
        A run's folder (its NetCDF or Zarr result) whose maximum depth to draw.

    Returns
    -------
    folium.Map
        The map, for further layers (a flood extent) before saving again.
    """
    import folium
    import geopandas as gpd

    from twin._html import save_offline

    wards = city.wards.to_crs(4326)
    xmin, ymin, xmax, ymax = wards.total_bounds
    fmap = folium.Map(location=[(ymin + ymax) / 2, (xmin + xmax) / 2], zoom_start=12, tiles=None)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
    folium.GeoJson(
        wards[["ward_id", "name", "population", "geometry"]],
        name="wards",
        style_function=lambda _: {"color": "#555", "weight": 1, "fillOpacity": 0.05},
        tooltip=folium.GeoJsonTooltip(fields=["name", "population"]),
    ).add_to(fmap)
    main_roads = city.roads[city.roads["road_class"] != "alley"]
    folium.GeoJson(
        main_roads.to_crs(4326)[["name", "road_class", "bridge", "geometry"]],
        name="roads",
        style_function=lambda f: {
            "color": "#c00" if f["properties"]["bridge"] else "#333",
            "weight": 3 if f["properties"]["road_class"] == "arterial" else 1,
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(fmap)
    entries = gpd.GeoDataFrame(
        city.dams[["dam_id", "name"]],
        geometry=gpd.points_from_xy(city.dams["entry_x"], city.dams["entry_y"]),
        crs=city.crs,
    )
    points = {**{n: getattr(city, n) for n in _LAYER_STYLE}, "dam entries": entries}
    for name, gdf in points.items():
        colour, _ = _LAYER_STYLE.get(name, ("purple", "dam_id"))
        group = folium.FeatureGroup(name=name)
        for row in gdf.to_crs(4326).itertuples(index=False):
            folium.CircleMarker(
                [row.geometry.y, row.geometry.x],
                radius=5,
                color=colour,
                fill=True,
                tooltip=f"{row.name}",
            ).add_to(group)
        group.add_to(fmap)
    if flood is not None:
        from twin.maps import add_flood_layer
        from twin.runs import open_result

        add_flood_layer(fmap, open_result(flood)["max_depth"], city.crs)
    folium.LayerControl(collapsed=False).add_to(fmap)
    save_offline(fmap, path)
    return fmap


def _city(city_path: Path | None) -> City:
    from layers import ensure_demo_city, load_city

    if city_path is None:
        with _common.out().status("Building the Huế demo city (first run only)..."):
            city_path = ensure_demo_city()
    return load_city(city_path)


#: The demo flood: a short intense storm over the city with two dams releasing.
DEMO_SCENARIO = Path(__file__).resolve().parents[2] / "data" / "hue" / "scenarios" / "quick.toml"


def _run_flood(scenario_path: Path, city_path: Path | None, out: Path) -> dict[str, Any]:
    """Run the demo scenario into ``out`` and return its summary."""
    from api.cli._run import _progress_bar, _report
    from twin import Scenario
    from twin.run import run_scenario

    scenario = Scenario.from_toml(scenario_path)
    if city_path is not None:
        scenario = scenario.model_copy(update={"city": str(city_path.resolve())})
    with _progress_bar(f"flood scenario {scenario.name}") as report:
        result = run_scenario(
            scenario, out, progress=report, engine=_common.engine(), signer=_common.signer()
        )
    _report(result.summary, result.out_dir)
    return dict(result.summary)


def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for the flood run, the maps and the summary (default: DATA_DIR/demo).",
        ),
    ] = None,
    city_path: Annotated[
        Path | None,
        typer.Option("--city", help="City package to use instead of the Huế demo city."),
    ] = None,
    scenario: Annotated[
        Path, typer.Option("--scenario", help="Flood scenario TOML to run on the city.")
    ] = DEMO_SCENARIO,
    flood: Annotated[
        bool, typer.Option("--flood/--no-flood", help="Run the flood scenario (default: yes).")
    ] = True,
) -> None:
    """Run the demo: build the Huế city if needed, check it, flood it, map it, summarise it."""
    from api.cli._layers import print_summary

    if out is None:
        out = _common.data_dir() / "demo"
    with _common.guard():
        city = _city(city_path)
        summary: dict[str, Any] = {"city": city.summary()}
        print_summary(summary["city"])
        out.mkdir(parents=True, exist_ok=True)
        if flood:
            summary["flood"] = _run_flood(scenario, city_path, out / "flood")
    write_map(city, out / "map.html", flood=out / "flood" if flood else None)
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    flood_note = f", the flood run in {out / 'flood'}" if flood else ""
    _common.out().print(
        f"wrote {out / 'map.html'} (the city{' and the flood' if flood else ''}; opens offline), "
        f"{out / 'summary.json'}{flood_note}",
        highlight=False,
    )
