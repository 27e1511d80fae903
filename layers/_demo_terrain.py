"""Synthetic terrain of the Huế demo city: domain, rivers, DEM and land use.

What drives Huế's floods is laid out where it is: hills to the south-west (with Ngự Bình
hill south of the centre), a low coastal plain falling to the Tam Giang lagoon, a sand bar
with dunes and the sea at the north-east edge, the Hương meandering north-east through
the city and out by the Thuận An inlet, the Bồ in the north-west, the Hữu Trạch from the
south-west, and the raised Citadel with its moat on the north bank.

Rivers are carved as continuous channels whose bed falls monotonically downstream (the
bed is forced to a running minimum along each centreline), so that water put in at a dam's
entry cell drains through the city to the lagoon and the sea.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from pyproj import Transformer
from scipy.interpolate import CubicSpline
from scipy.ndimage import distance_transform_edt, gaussian_filter

from layers._demo_facts import RIVERS, WARDS
from layers.grids import LANDUSE

__all__ = ["Domain", "River", "Terrain", "build_terrain", "demo_domain"]

CRS_EPSG = 32648
CELL_M = 30.0
SEED = 20251103  # the day Phú Ốc set its record (5.28 m): a fixed seed, nothing more

_TO_UTM = Transformer.from_crs(4326, CRS_EPSG, always_xy=True)

# Coast of the sand bar, two points (lon, lat) on a straight shore facing north-east.
_COAST = ((107.5675, 16.6035), (107.7775, 16.4435))
_SANDBAR_M = 1200.0  # sand bar width, shore to lagoon
_LAGOON_M = 3000.0  # lagoon inner shore, metres from the sea shore
# Foothills: a line (lon, lat) beyond which (to the south-west) the land rises.
_FOOTHILLS = ((107.45, 16.49), (107.68, 16.35))
_CITADEL = (107.5790, 16.4770)
_CITADEL_HALF_M = 1000.0


def to_utm(lon: float, lat: float) -> tuple[float, float]:
    """WGS 84 (lon, lat) to EPSG:32648 (x, y) metres."""
    x, y = _TO_UTM.transform(lon, lat)
    return float(x), float(y)


@dataclass(frozen=True)
class Domain:
    """The demo grid: 30 m cells, 1000 x 834, about 30 x 25 km around 16.46 N 107.59 E."""

    x0: float
    y0: float
    cols: int
    rows: int
    cell_m: float = CELL_M

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Outer edges (xmin, ymin, xmax, ymax), metres."""
        return (
            self.x0,
            self.y0 - self.rows * self.cell_m,
            self.x0 + self.cols * self.cell_m,
            self.y0,
        )

    @cached_property
    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinate arrays (rows, cols)."""
        x = self.x0 + self.cell_m * (np.arange(self.cols) + 0.5)
        y = self.y0 - self.cell_m * (np.arange(self.rows) + 0.5)
        return np.meshgrid(x, y)

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        """(row, col) of the cell holding a point."""
        return int((self.y0 - y) // self.cell_m), int((x - self.x0) // self.cell_m)

    def centre_of(self, row: int, col: int) -> tuple[float, float]:
        """(x, y) of a cell centre."""
        return self.x0 + self.cell_m * (col + 0.5), self.y0 - self.cell_m * (row + 0.5)

    def box(self, inset_m: float = 0.0) -> shapely.Polygon:
        """The domain as a polygon, optionally shrunk by ``inset_m``."""
        xmin, ymin, xmax, ymax = self.bounds
        return shapely.box(xmin + inset_m, ymin + inset_m, xmax - inset_m, ymax - inset_m)


def demo_domain() -> Domain:
    """The demo domain, snapped to whole 30 m cells."""
    cx, cy = to_utm(107.59, 16.46)
    x0 = np.floor((cx - 15000.0) / CELL_M) * CELL_M
    # Centred 1.5 km north of 16.46 N so that the Thuận An inlet and the sea are inside.
    y0 = np.ceil((cy + 14000.0) / CELL_M) * CELL_M
    return Domain(float(x0), float(y0), cols=1000, rows=834)


@dataclass
class River:
    """A carved river: dense centreline inside the domain and its bed profile."""

    name: str
    xy: np.ndarray  # (n, 2) centreline points every ~10 m, upstream first
    s_m: np.ndarray  # chainage from the domain edge, metres
    bed_m: np.ndarray  # bed level at the centre of the channel, metres
    half_width_m: float
    joins: str | None = None

    @property
    def line(self) -> shapely.LineString:
        """The centreline as a line string."""
        return shapely.LineString(self.xy)

    def point_at(self, s_m: float) -> tuple[float, float]:
        """Centreline point at a chainage (metres from the domain edge)."""
        i = int(np.clip(np.searchsorted(self.s_m, s_m), 0, len(self.s_m) - 1))
        return float(self.xy[i, 0]), float(self.xy[i, 1])

    def nearest(self, x: float, y: float) -> int:
        """Index of the centreline point nearest to (x, y)."""
        return int(np.argmin(np.hypot(self.xy[:, 0] - x, self.xy[:, 1] - y)))


def _dense_line(points: tuple[tuple[float, float], ...], step_m: float = 10.0) -> np.ndarray:
    xy = np.array([to_utm(lon, lat) for lon, lat in points])
    chord = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    spline = CubicSpline(chord, xy, axis=0, bc_type="natural")
    return spline(np.arange(0.0, chord[-1], step_m))


def build_rivers(domain: Domain) -> dict[str, River]:
    """The rivers of :data:`RIVERS`, clipped to the domain, with bed profiles."""
    inside_box = domain.box(inset_m=domain.cell_m)
    rivers: dict[str, River] = {}
    for name, spec in RIVERS.items():
        xy = _dense_line(spec["points"])  # type: ignore[arg-type]
        inside = shapely.contains_xy(inside_box, xy[:, 0], xy[:, 1])
        xy = xy[np.argmax(inside) : len(inside) - np.argmax(inside[::-1])]
        s = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
        joins = spec.get("joins")
        if joins is None:
            mouth = float(spec["bed_mouth_m"])  # type: ignore[arg-type]
        else:
            main = rivers[str(joins)]
            mouth = float(main.bed_m[main.nearest(*xy[-1])])
        entry = float(spec["bed_entry_m"])  # type: ignore[arg-type]
        # Concave long profile: steeper upstream, flat near the sea, as alluvial rivers are.
        bed = mouth + (entry - mouth) * (1.0 - s / s[-1]) ** 1.5
        rivers[name] = River(
            name,
            xy,
            s,
            bed,
            float(spec["half_width_m"]),  # type: ignore[arg-type]
            None if joins is None else str(joins),
        )
    return rivers


@dataclass
class Terrain:
    """Everything the other demo builders need from the terrain."""

    domain: Domain
    dem: np.ndarray  # float32 (rows, cols), metres
    landuse: np.ndarray  # int8 (rows, cols), layers.grids.LANDUSE codes
    rivers: dict[str, River]
    coast_normal: np.ndarray  # unit vector pointing out to sea
    coast_origin: np.ndarray
    citadel: shapely.Polygon
    water: shapely.Geometry = field(repr=False)  # rivers, lagoon and sea, as polygons

    def shore_distance(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Signed distance to the sea shore, metres: > 0 at sea, < 0 inland."""
        return (np.asarray(x) - self.coast_origin[0]) * self.coast_normal[0] + (
            np.asarray(y) - self.coast_origin[1]
        ) * self.coast_normal[1]

    def elevation_at(self, x: float, y: float) -> float:
        """DEM value of the cell holding (x, y)."""
        row, col = self.domain.cell_of(x, y)
        return float(self.dem[row, col])


def _noise(shape: tuple[int, int], rng: np.random.Generator, sigma: float) -> np.ndarray:
    field_ = gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    return field_ / field_.std()


def _side(points: tuple[tuple[float, float], tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    a = np.array(to_utm(*points[0]))
    b = np.array(to_utm(*points[1]))
    t = (b - a) / np.linalg.norm(b - a)
    return a, t


def _band(
    origin: np.ndarray, t: np.ndarray, n: np.ndarray, d0: float, d1: float
) -> shapely.Polygon:
    """Polygon of the points whose signed shore distance lies in [d0, d1]."""
    far = 200_000.0
    corners = [origin + s * far * t + d * n for s, d in ((-1, d0), (1, d0), (1, d1), (-1, d1))]
    return shapely.Polygon(corners)


def _citadel(rivers: dict[str, River]) -> tuple[shapely.Polygon, np.ndarray, np.ndarray]:
    # The Citadel faces the river: its south-east wall runs parallel to the Hương.
    huong = rivers["Hương"]
    a = huong.xy[huong.nearest(*to_utm(107.556, 16.4575))]
    b = huong.xy[huong.nearest(*to_utm(107.589, 16.4650))]
    u = (b - a) / np.linalg.norm(b - a)
    v = np.array([-u[1], u[0]])
    c = np.array(to_utm(*_CITADEL))
    h = _CITADEL_HALF_M
    square = shapely.Polygon(
        [c + su * h * u + sv * h * v for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    )
    return square, c, np.stack([u, v])


def build_terrain(domain: Domain) -> Terrain:
    """Build the DEM and land-use grids of the demo city.

    Parameters
    ----------
    domain
        The grid (:func:`demo_domain`).

    Returns
    -------
    Terrain
    """
    rng = np.random.default_rng(SEED)
    X, Y = domain.xy
    shape = X.shape
    rivers = build_rivers(domain)

    origin, t = _side(_COAST)
    n = np.array([t[1], -t[0]])
    if n[0] + n[1] < 0:  # point the normal to the north-east, out to sea
        n = -n
    d = (X - origin[0]) * n[0] + (Y - origin[1]) * n[1]
    inland = -d

    fine, broad = _noise(shape, rng, 6), _noise(shape, rng, 40)
    # Low coastal plain: about 1 m at the lagoon shore rising to 4-5 m inland.
    z = 1.0 + 3.5 * (1.0 - np.exp(-np.maximum(inland - _LAGOON_M, 0) / 6000.0))
    z += 0.25 * fine + 0.4 * broad

    # Hills to the south-west of the foothill line, rising to a few hundred metres.
    f0, ft = _side(_FOOTHILLS)
    hill_d = -((X - f0[0]) * ft[1] - (Y - f0[1]) * ft[0])
    hill_d = hill_d if np.mean(hill_d[-1, :50]) > 0 else -hill_d  # positive in the SW corner
    ramp = np.clip(hill_d / 9000.0, 0, 1)
    hills = 260.0 * ramp**1.3 * (1.0 + 0.35 * broad) + 25.0 * np.clip(hill_d / 1500.0, 0, 1) * fine
    hills = np.maximum(hills, 0)
    for (lon, lat), height, sigma in (
        ((107.5835, 16.4445), 100.0, 380.0),
        ((107.5445, 16.4535), 15.0, 200.0),
    ):
        hx, hy = to_utm(lon, lat)  # Ngự Bình hill, and the low hill of Thiên Mụ pagoda
        hills += height * np.exp(-((X - hx) ** 2 + (Y - hy) ** 2) / (2 * sigma**2))
    z += hills

    # Sand bar with dunes, lagoon, sea.
    sandbar = (d <= 0) & (d > -_SANDBAR_M)
    z = np.where(sandbar, 2.0 + 3.0 * np.sin(np.pi * -d / _SANDBAR_M) + 0.5 * fine, z)
    lagoon = (d <= -_SANDBAR_M) & (d > -_LAGOON_M)
    z = np.where(lagoon, -1.8 + 0.15 * fine, z)
    sea = d > 0
    z = np.where(sea, np.maximum(-1.0 - 0.01 * d, -15.0), z)

    # The Citadel: a raised platform inside a moat.
    citadel, c, uv = _citadel(rivers)
    pu = np.abs((X - c[0]) * uv[0, 0] + (Y - c[1]) * uv[0, 1])
    pv = np.abs((X - c[0]) * uv[1, 0] + (Y - c[1]) * uv[1, 1])
    ring = np.maximum(pu, pv)
    z = np.where(ring < _CITADEL_HALF_M, z + 1.0, z)
    moat = (ring >= _CITADEL_HALF_M) & (ring < _CITADEL_HALF_M + 45.0)
    z = np.where(moat, z - 2.5, z)

    # Rivers: channel with a deeper thalweg, and a valley that cuts through higher ground.
    channel = np.zeros(shape, dtype=bool)
    for river in rivers.values():
        first = _first_in_cell(river, domain)
        rows = ((domain.y0 - river.xy[first, 1]) // domain.cell_m).astype(int)
        cols = ((river.xy[first, 0] - domain.x0) // domain.cell_m).astype(int)
        on_line = np.ones(shape, dtype=bool)
        on_line[rows, cols] = False
        point = np.zeros(shape, dtype=np.int64)
        point[rows, cols] = np.flatnonzero(first)
        # Distance to the nearest centreline cell, and which one: one pass over the grid.
        dist, (nr, nc) = distance_transform_edt(
            on_line, sampling=domain.cell_m, return_indices=True
        )
        bed = river.bed_m[point[nr, nc]]
        hw = river.half_width_m
        inner = dist <= hw
        carved = np.where(
            inner, bed - 1.5 * (1.0 - (dist / hw) ** 2), bed + 4.5 + 0.05 * (dist - hw)
        )
        z = np.minimum(z, carved)
        channel |= inner
    # Running minimum along each centreline: the bed never rises downstream. Twice, since a
    # tributary may lower the cell where it joins, which the main river must then follow.
    for _ in range(2):
        for river in rivers.values():
            rows, cols = _cells_along(domain, river)
            z[rows, cols] = np.minimum.accumulate(z[rows, cols])

    landuse = np.full(shape, LANDUSE["cropland"], dtype="int8")
    landuse[hills > 15.0] = LANDUSE["forest"]
    urban = _urban_mask(X, Y)
    landuse[urban & (hills <= 40.0)] = LANDUSE["urban"]
    # Towns on the sand bar (Thuận An at the inlet) stay built-up: their people live there.
    landuse[sandbar & ~urban] = LANDUSE["sand"]
    landuse[lagoon | sea | moat | channel] = LANDUSE["water"]

    water = shapely.union_all(
        [
            *(shapely.buffer(r.line, r.half_width_m) for r in rivers.values()),
            _band(origin, t, n, -_LAGOON_M, -_SANDBAR_M),
            _band(origin, t, n, 0.0, 50_000.0),
        ]
    )
    return Terrain(
        domain=domain,
        dem=z.astype("float32"),
        landuse=landuse,
        rivers=rivers,
        coast_normal=n,
        coast_origin=origin,
        citadel=citadel,
        water=water,
    )


def _first_in_cell(river: River, domain: Domain) -> np.ndarray:
    rows = ((domain.y0 - river.xy[:, 1]) // domain.cell_m).astype(int)
    cols = ((river.xy[:, 0] - domain.x0) // domain.cell_m).astype(int)
    return np.r_[True, (np.diff(rows) != 0) | (np.diff(cols) != 0)]


def _cells_along(domain: Domain, river: River) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of a 4-connected path of cells along the centreline, upstream first.

    The flood model moves water across cell faces only, so where the centreline steps
    diagonally the path goes through the cell beside the corner.
    """
    first = _first_in_cell(river, domain)
    rows = ((domain.y0 - river.xy[first, 1]) // domain.cell_m).astype(int)
    cols = ((river.xy[first, 0] - domain.x0) // domain.cell_m).astype(int)
    diagonal = np.flatnonzero((np.diff(rows) != 0) & (np.diff(cols) != 0)) + 1
    rows = np.insert(rows, diagonal, rows[diagonal - 1])
    cols = np.insert(cols, diagonal, cols[diagonal])
    return rows, cols


def _urban_mask(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Built-up land: the old city, and the centres of the urban wards."""
    cx, cy = to_utm(107.588, 16.462)
    mask = ((X - cx) / 3800.0) ** 2 + ((Y - cy) / 3200.0) ** 2 < 1.0
    for kind, _name, _area, population, lon, lat in WARDS:
        wx, wy = to_utm(lon, lat)
        radius = (900.0 if kind == "phuong" else 500.0) * np.sqrt(population / 40000.0)
        mask |= (X - wx) ** 2 + (Y - wy) ** 2 < radius**2
    return mask
