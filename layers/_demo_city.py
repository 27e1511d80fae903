"""The Huế demo city: built from published facts, deterministic, built on first use.

``build_demo_city(path)`` writes a city package; the same code gives the same bytes on
every run (fixed seeds, no timestamps). ``ensure_demo_city()`` builds it into
``data/hue/city`` of the source tree (or ``$TWIN_DEMO_CITY``, or the user's cache folder
when the package is installed without its source tree) the first time it is needed.

What is real and what is made up is written into ``city.toml``: names, ward centres and
populations, dam parameters and gauge alarm levels are published values; the terrain,
river courses, ward shapes, roads, lights, stations, shelters and households are synthetic.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from layers._demo_catchments import build_catchments
from layers._demo_facts import BINH_DIEN_STORAGE_M3, DAMS, GAUGES, RAIN_GAUGES, STATIONS
from layers._demo_roads import build_lights, build_roads
from layers._demo_terrain import CRS_EPSG, SEED, Terrain, build_terrain, demo_domain, to_utm
from layers._demo_wards import build_wards
from layers.city import City
from layers.grids import LANDUSE, LANDUSE_ATTRS, manning_grid, new_grid, ward_index_grid
from layers.io import read_meta, write_city
from layers.validate import check_layer

__all__ = ["DEMO_VERSION", "build_demo_city", "demo_city_path", "ensure_demo_city"]

#: Bumped whenever the builder changes what it writes; an older demo city is rebuilt.
DEMO_VERSION = 8

_DISCHARGE_COEFF = 2.0  # m^0.5/s, free ogee spillway crest in Q = C L H^1.5 (USBR: 1.9-2.2)
_HOUSEHOLDS = 400
_VULNERABLE = ("elderly", "children", "disabled", "pregnant", "ill")


def _point_frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=f"EPSG:{CRS_EPSG}")


def _storage_table(dead_m: float, normal_m: float, volume_m3: float) -> tuple[str, str]:
    # Synthetic: V(z) = V_normal ((z - z_dead) / (z_normal - z_dead))^2.4, a typical shape
    # of a valley reservoir, passing through the published volume at normal water level.
    levels = np.round(np.linspace(dead_m, normal_m + 6.0, 14), 2)
    volumes = np.round(volume_m3 * ((levels - dead_m) / (normal_m - dead_m)) ** 2.4, -3)
    return json.dumps(levels.tolist()), json.dumps(volumes.tolist())


def _dams(terrain: Terrain) -> gpd.GeoDataFrame:
    rows = []
    domain = terrain.domain
    for dam in DAMS:
        river = terrain.rivers[str(dam["channel"])]
        # Three cells in from the edge, on the channel's centreline: where the release enters.
        ex, ey = river.point_at(3 * domain.cell_m)
        ex, ey = domain.centre_of(*domain.cell_of(ex, ey))
        storage = dam["storage_m3"] if dam["storage_m3"] is not None else BINH_DIEN_STORAGE_M3
        levels, volumes = _storage_table(
            float(dam["dead_level_m"]),  # type: ignore[arg-type]
            float(dam["normal_level_m"]),  # type: ignore[arg-type]
            float(storage),  # type: ignore[arg-type]
        )
        rows.append(
            {
                "dam_id": dam["dam_id"],
                "name": dam["name"],
                "river": dam["river"],
                "normal_level_m": float(dam["normal_level_m"]),  # type: ignore[arg-type]
                "spillway_crest_m": float(dam["spillway_crest_m"]),  # type: ignore[arg-type]
                "spillway_width_m": float(dam["spillway_width_m"]),  # type: ignore[arg-type]
                "discharge_coeff": _DISCHARGE_COEFF,
                "gate_count": int(dam["gate_count"]),  # type: ignore[call-overload]
                "storage_levels_m": levels,
                "storage_volumes_m3": volumes,
                "entry_x": ex,
                "entry_y": ey,
                "storage_published_m3": np.nan if dam["storage_m3"] is None else float(storage),  # type: ignore[arg-type]
                "catchment_km2": np.nan
                if dam["catchment_km2"] is None
                else float(dam["catchment_km2"]),  # type: ignore[arg-type]
                "synthetic": dam["synthetic"],
                "geometry": shapely.Point(to_utm(*dam["lonlat"])),  # type: ignore[misc]
            }
        )
    return _point_frame(rows)


def _gauges(terrain: Terrain) -> gpd.GeoDataFrame:
    rows = []
    for gauge_id, name, river, lon, lat, a1, a2, a3 in GAUGES:
        line = terrain.rivers[river]
        x, y = line.xy[line.nearest(*to_utm(lon, lat))]  # on the channel, where water is measured
        rows.append(
            {
                "gauge_id": gauge_id,
                "name": name,
                "kind": "river",
                "river": river,
                "alarm1_m": np.nan if a1 is None else a1,
                "alarm2_m": a2,
                "alarm3_m": a3,
                "geometry": shapely.Point(round(float(x), 2), round(float(y), 2)),
            }
        )
    for gauge_id, name, lon, lat in RAIN_GAUGES:
        rows.append(
            {
                "gauge_id": gauge_id,
                "name": name,
                "kind": "rain",
                "river": None,
                "alarm1_m": np.nan,
                "alarm2_m": np.nan,
                "alarm3_m": np.nan,
                "geometry": shapely.Point(to_utm(lon, lat)),
            }
        )
    return _point_frame(rows)


def _road_nodes(roads: gpd.GeoDataFrame, terrain: Terrain) -> np.ndarray:
    """End vertices of non-bridge roads on dry land, (n, 2)."""
    usable = roads[~roads["bridge"]]
    ends = np.array([g.coords[k] for g in usable.geometry for k in (0, -1)])
    ends = np.unique(ends, axis=0)
    rows, cols = zip(*(terrain.domain.cell_of(x, y) for x, y in ends), strict=True)
    dry = terrain.landuse[np.array(rows), np.array(cols)] != LANDUSE["water"]
    return ends[dry]


def _stations(roads: gpd.GeoDataFrame, terrain: Terrain) -> gpd.GeoDataFrame:
    nodes = _road_nodes(roads[roads["road_class"] != "alley"], terrain)
    rows = []
    for team_id, name, vehicle, persons, status, lon, lat in STATIONS:
        x, y = to_utm(lon, lat)
        # At a junction of the road network, so that a route starts where the team is.
        nx_, ny_ = nodes[np.argmin(np.hypot(nodes[:, 0] - x, nodes[:, 1] - y))]
        rows.append(
            {
                "team_id": team_id,
                "name": name,
                "vehicle": vehicle,
                "capacity_persons": persons,
                "status": status,
                "geometry": shapely.Point(nx_, ny_),
            }
        )
    return _point_frame(rows)


def _shelters(
    roads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, terrain: Terrain, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    nodes = _road_nodes(roads, terrain)
    heights = np.array([terrain.elevation_at(x, y) for x, y in nodes])
    rows: list[dict[str, Any]] = []
    for ward in wards.itertuples(index=False):
        centre = np.array(ward.geometry.representative_point().coords[0])
        inside = shapely.contains_xy(ward.geometry, nodes[:, 0], nodes[:, 1])
        # Shelters are schools and halls on the highest ground among the homes near the
        # ward's centre: not on a hill top, where no one lives.
        near = inside & (np.hypot(*(nodes - centre).T) < 2500.0) & (heights < 12.0)
        if not near.any():
            continue
        order = np.flatnonzero(near)[np.argsort(-heights[near], kind="stable")]
        chosen = [order[0]]
        for k in order[1:]:
            if np.hypot(*(nodes[k] - nodes[chosen[0]])) > 600.0:
                chosen.append(k)
                break
        for j, k in enumerate(chosen):
            kind = "Trường THCS" if j == 0 else "Nhà văn hóa"
            rows.append(
                {
                    "shelter_id": f"S{len(rows) + 1:02d}",
                    "name": f"{kind} {ward.name}",
                    "capacity_persons": int(rng.integers(6, 25)) * 50,
                    "ward_id": ward.ward_id,
                    "elevation_m": round(float(heights[k]), 2),
                    "geometry": shapely.Point(nodes[k]),
                }
            )
    return _point_frame(rows)


def _households(
    roads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, terrain: Terrain, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    # Households stand along the roads (they have an address); wards without a road in the
    # demo get none, and the others share the total by population.
    served = wards[wards["ward_id"].isin(roads.loc[~roads["bridge"], "ward_id"])]
    share = served["population"].to_numpy(dtype=float) / served["population"].sum() * _HOUSEHOLDS
    counts = np.floor(share).astype(int)
    counts[np.argsort(-(share - counts), kind="stable")[: _HOUSEHOLDS - counts.sum()]] += 1
    local = roads[roads["road_class"].isin(["street", "alley"]) & ~roads["bridge"]]
    rows: list[dict[str, Any]] = []
    for ward, count in zip(served.itertuples(index=False), counts, strict=True):
        pool = local[local["ward_id"] == ward.ward_id]
        if pool.empty:
            pool = roads[(roads["ward_id"] == ward.ward_id) & ~roads["bridge"]]
        placed = 0
        while placed < count:
            road = pool.iloc[int(rng.integers(len(pool)))]
            geom = road.geometry
            s = float(rng.uniform(0, geom.length))
            p = np.array(geom.interpolate(s).coords[0])
            q = np.array(geom.interpolate(min(s + 1.0, geom.length)).coords[0]) - np.array(
                geom.interpolate(max(s - 1.0, 0.0)).coords[0]
            )
            side = np.array([-q[1], q[0]]) / (np.linalg.norm(q) or 1.0) * rng.choice([-8.0, 8.0])
            x, y = p + side
            r, c = terrain.domain.cell_of(x, y)
            if terrain.landuse[r, c] == LANDUSE["water"]:
                continue
            if road["road_class"] == "street":
                lo, hi = int(road["house_from"]), int(road["house_to"])
                number = lo + round((hi - lo) * s / geom.length)
            else:
                number = 1 + round(s / 8.0)
            vulnerable = rng.choice(_VULNERABLE, size=int(rng.integers(1, 3)), replace=False)
            placed += 1
            rows.append(
                {
                    "household_id": f"H{len(rows) + 1:04d}",
                    "ward_id": ward.ward_id,
                    "persons": int(rng.integers(1, 8)),
                    "vulnerable": ",".join(sorted(str(v) for v in vulnerable)),
                    # Not a real number: +84 followed by 0000 is no Vietnamese network.
                    "phone": f"+840000{len(rows) + 1:05d}",
                    "address": f"{number} {road['name']}",
                    "geometry": shapely.Point(round(float(x), 2), round(float(y), 2)),
                }
            )
    return _point_frame(rows)


def _meta() -> dict[str, Any]:
    return {
        "name": "Huế (demo)",
        "crs": f"EPSG:{CRS_EPSG}",
        "synthetic": True,
        "timezone": "Asia/Ho_Chi_Minh",
        "languages": ["vi", "en"],
        "cap": {
            "sender": "twin@hue-twin.example",
            "web": "https://hue-twin.example/alerts",
            "hotline": "1900 1075",
            "sender_names": {
                "vi": "hue-twin, mô hình số lũ lụt thành phố Huế",
                "en": "hue-twin, flood digital twin of Huế",
            },
        },
        "ward_kinds": {
            "phuong": {"vi": "Phường", "en": "Ward"},
            "xa": {"vi": "Xã", "en": "Commune"},
        },
        # the Thuận An gauge's level drives the sea and lagoon edges of a nowcast
        "nowcast": {"lagoon_gauge": "thuan-an", "sea_edges": ["north", "east"]},
        # the sensor stations in no layer: the lagoon level at the Thuận An mouth
        "stations": [{"id": "thuan-an", "kind": "river", "name": "Thuận An (lagoon level)"}],
        "geometry_note": (
            "The geometry is synthetic, built from published facts by data/make_hue.py: the "
            "terrain, river courses, ward shapes, roads, street lights, rescue stations, "
            "shelters and households are made up and are not survey data. Ward names, centres "
            "and populations, dam parameters and gauge alarm levels are published values."
        ),
        "real_city": (
            "To use a real city, write a folder with city.toml (name, crs), city.gpkg (one "
            "layer per city layer) and dem.tif, and load it with layers.load_city(path); "
            "check it with `twin layers check PATH`."
        ),
        "builder": {
            "script": "data/make_hue.py",
            "function": "layers.build_demo_city",
            "version": DEMO_VERSION,
            "seed": SEED,
            "cell_m": 30.0,
        },
        "sources": {
            "wards": (
                "40 ward-level units of Huế since 1 July 2025: names, areas, populations, "
                "centres (sapnhap.bando.com.vn via a public map project)"
            ),
            "gauges": (
                "alarm levels Kim Long BĐ1-3 1.0/2.0/3.5 m, Phú Ốc BĐ2-3 3.0/4.5 m "
                "(huengaynay.vn 2025-11-01, vnexpress.net 2025-10-19, tienphong.vn 2023-10); "
                "Phú Ốc BĐ1 uncertain, left empty"
            ),
            "dams": (
                "normal water levels, storages, catchments, Hương Điền spillway crest "
                "(dam-safety handbook 2021, news reports 2025)"
            ),
            "dem": "synthetic, 30 m",
            "roads": "synthetic geometry with real street and bridge names of Huế",
        },
        "licences": {
            "published_facts": "facts (names, numbers) are not copyrightable; sources cited",
            "synthetic_layers": "Apache-2.0, as hue-twin",
        },
        "notes": {
            "storage_tables": (
                "synthesised: V(z) = V_normal ((z - z_dead)/(z_normal - z_dead))^2.4 through "
                "the published volume at normal water level (Bình Điền: 420 million m3 "
                "assumed); spillway widths, gate counts and the Tả Trạch and Bình Điền "
                "crests are assumptions"
            ),
            "manning": "defaults by land use and roads, see layers.grids",
            "house_numbers": "1 + round(s / 4 m) along each named road from its start",
            "households": "synthetic registered vulnerable households; phone numbers are fake",
        },
    }


def make_demo_city() -> City:
    """Build the demo city in memory (about 10 s).

    Returns
    -------
    City
    """
    rng = np.random.default_rng(SEED + 3)
    domain = demo_domain()
    terrain = build_terrain(domain)
    wards = build_wards(terrain)
    roads = build_roads(terrain, wards)
    crs = CRS.from_epsg(CRS_EPSG)
    dem = new_grid(
        terrain.dem,
        x0=domain.x0,
        y0=domain.y0,
        cell_m=domain.cell_m,
        crs=crs,
        name="elevation",
        attrs={"units": "m", "long_name": "ground elevation", "standard_name": "surface_altitude"},
    )
    landuse = dem.copy(data=terrain.landuse).rename("landuse")
    landuse.attrs = dict(LANDUSE_ATTRS)
    layers = {
        "wards": wards,
        "roads": roads,
        "lights": build_lights(terrain, roads, wards),
        "dams": _dams(terrain),
        "gauges": _gauges(terrain),
        "stations": _stations(roads, terrain),
        "shelters": _shelters(roads, wards, terrain, rng),
        "households": _households(roads, wards, terrain, rng),
    }
    layers["catchments"] = build_catchments(layers["dams"], domain.bounds)
    # Through the loader's own checks: the same dtypes as a loaded city, and no problems.
    for name, gdf in layers.items():
        layers[name], problems, _ = check_layer(gdf, name, source="demo", city_crs=crs)
        if problems:
            raise AssertionError("\n".join(problems))
    return City(
        name="Huế (demo)",
        crs=crs,
        meta=_meta(),
        **layers,
        dem=dem,
        manning=manning_grid(dem, landuse=landuse, roads=roads),
        ward_index=ward_index_grid(dem, wards),
        landuse=landuse,
    )


def build_demo_city(path: str | os.PathLike[str]) -> Path:
    """Build the Huế demo city package into a folder.

    Deterministic: two builds give files with the same bytes.

    Parameters
    ----------
    path
        Target folder (replaced if it exists).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    return write_city(make_demo_city(), path)


def demo_city_path() -> Path:
    """Where the demo city lives.

    ``$TWIN_DEMO_CITY`` if set; else ``data/hue/city`` of the source tree when the package
    runs from one; else ``~/.cache/hue-twin/hue/city``.
    """
    env = os.environ.get("TWIN_DEMO_CITY")
    if env:
        return Path(env)
    tree = Path(__file__).resolve().parents[1]
    if (tree / "data").is_dir() and (tree / "layers").is_dir():
        return tree / "data" / "hue" / "city"
    return Path.home() / ".cache" / "hue-twin" / "hue" / "city"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # The lock lives in the temporary folder, not in the source tree git sees.
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"hue-twin-city-{digest}.lock", "w") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:
            pass
        yield


def _is_current(path: Path) -> bool:
    try:
        meta = read_meta(path / "city.toml")
    except ValueError:
        return False
    builder = meta.get("builder", {})
    return isinstance(builder, dict) and builder.get("version") == DEMO_VERSION


def ensure_demo_city() -> Path:
    """The demo city folder, built first if it is missing or out of date.

    Returns
    -------
    pathlib.Path
        :func:`demo_city_path`, holding a current demo city.
    """
    path = demo_city_path()
    if _is_current(path) and (path / "dem.tif").exists():
        return path
    with _locked(path):
        # Another process may have built it while this one waited for the lock.
        if not (_is_current(path) and (path / "dem.tif").exists()):
            build_demo_city(path)
    return path
