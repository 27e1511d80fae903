"""The city: every layer in one projected CRS, and the grids on the DEM."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from pyproj import CRS

from layers._schema import LAYERS, empty_layer
from layers.settings import CitySettings, read_settings

__all__ = ["LAYER_NAMES", "City"]

#: Vector layers of a city, in the order they are written and reported.
LAYER_NAMES: tuple[str, ...] = tuple(LAYERS)


def _plain(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Attributes with text as objects and every missing text as None, for comparison."""
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col].dtype):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


@dataclass(eq=False)
class City:
    """A city as GIS layers in one projected CRS.

    Every GeoDataFrame is in ``crs`` and has the columns declared in ``layers._schema``
    (see ``layers/SCHEMA.md``); extra columns are kept.

    Attributes
    ----------
    name
        Display name (``city.toml`` ``name``).
    crs
        The projected CRS of every layer and grid (Huế: EPSG:32648).
    meta
        Everything read from ``city.toml`` (sources, licences, notes).
    wards, roads, lights, dams, gauges, stations, shelters, households, catchments
        The vector layers (``households``: registered vulnerable households;
        ``catchments``: what drains to each dam and river entry, empty when not given).
    dem
        Elevation in metres, float32, dims ``(y, x)``, cell centres as coordinates,
        row 0 north, CRS set with rioxarray.
    manning
        Manning's n (s m^-1/3) on the DEM grid.
    ward_index
        int32 index into the rows of ``wards`` on the DEM grid, -1 outside every ward.
    landuse
        Optional int8 land-use codes on the DEM grid (``layers.grids.LANDUSE``).
    population
        Optional float32 people per cell on the DEM grid (a WorldPop-like raster): where the
        impact places each ward's people (else on built-up land, else on land).
    """

    name: str
    crs: CRS
    meta: dict[str, Any]
    wards: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    lights: gpd.GeoDataFrame
    dams: gpd.GeoDataFrame
    gauges: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    shelters: gpd.GeoDataFrame
    households: gpd.GeoDataFrame
    dem: xr.DataArray
    manning: xr.DataArray
    ward_index: xr.DataArray
    landuse: xr.DataArray | None = field(default=None)
    catchments: gpd.GeoDataFrame = field(default_factory=gpd.GeoDataFrame)
    population: xr.DataArray | None = field(default=None)

    def __post_init__(self) -> None:
        # optional and added after the others: a city built without it gets an empty layer
        if "geometry" not in self.catchments.columns:
            self.catchments = empty_layer("catchments", self.crs)

    @property
    def settings(self) -> CitySettings:
        """The city's settings from ``city.toml`` (time zone, languages, warnings...)."""
        return read_settings(self.meta)[0]

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The vector layers by name, in :data:`LAYER_NAMES` order."""
        return {name: getattr(self, name) for name in LAYER_NAMES}

    @property
    def cell_size_m(self) -> float:
        """DEM cell size in metres (cells are square)."""
        return float(abs(self.dem.x.values[1] - self.dem.x.values[0]))

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """DEM outer edges ``(xmin, ymin, xmax, ymax)`` in metres."""
        half = self.cell_size_m / 2
        x = self.dem.x.values
        y = self.dem.y.values
        return (
            float(x.min() - half),
            float(y.min() - half),
            float(x.max() + half),
            float(y.max() + half),
        )

    def summary(self) -> dict[str, Any]:
        """Counts, CRS, extent, population and DEM figures, as plain JSON-able values.

        Returns
        -------
        dict
            ``name``, ``crs``, ``extent_m``, ``counts`` (rows per layer), ``population``
            (sum over wards), ``dem`` (``rows``, ``cols``, ``cell_m``, ``min_m``, ``max_m``),
            ``bridges``, ``broken_lights``.
        """
        dem = self.dem.values
        return {
            "name": self.name,
            "crs": self.crs.to_string(),
            "extent_m": list(self.extent),
            "counts": {name: len(gdf) for name, gdf in self.layers().items()},
            "population": int(self.wards["population"].sum()),
            "dem": {
                "rows": int(dem.shape[0]),
                "cols": int(dem.shape[1]),
                "cell_m": self.cell_size_m,
                "min_m": round(float(np.nanmin(dem)), 2),
                "max_m": round(float(np.nanmax(dem)), 2),
            },
            "bridges": int(self.roads["bridge"].sum()),
            "broken_lights": int((self.lights["status"] == "broken").sum()),
        }

    def equals(self, other: City) -> bool:
        """Whether two cities hold the same layers, grids and metadata.

        Columns are compared by value (not dtype), geometries exactly, grids by value
        (NaN equal to NaN).
        """
        if self.name != other.name or self.crs != other.crs or self.meta != other.meta:
            return False
        for name, gdf in self.layers().items():
            theirs = getattr(other, name)
            if list(gdf.columns) != list(theirs.columns) or len(gdf) != len(theirs):
                return False
            try:
                # Values, not dtypes: a hand-made frame may hold text as ``str`` or
                # ``object`` and a missing value as None or NaN; the loader settles both.
                pd.testing.assert_frame_equal(
                    _plain(gdf),
                    _plain(theirs),
                    check_dtype=False,
                    check_index_type=False,
                )
            except AssertionError:
                return False
            if not bool(np.all(shapely.equals_exact(gdf.geometry.values, theirs.geometry.values))):
                return False
        grids = ("dem", "manning", "ward_index", "landuse", "population")
        for grid in grids:
            mine, yours = getattr(self, grid), getattr(other, grid)
            if (mine is None) != (yours is None):
                return False
            if mine is not None and not mine.equals(yours):
                return False
        return True
