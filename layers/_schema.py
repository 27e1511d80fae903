"""The declared table of city layers: columns, dtypes, geometry types and id columns.

Every loader and every check reads this one table, so that a column added here is read,
validated and written everywhere. Column dtypes are spelled as short codes:

========  ==================================================================
code      meaning
========  ==================================================================
``str``   text, no missing values
``str?``  text, missing allowed (``None``)
``int``   whole number (``int64``), no missing values
``Int64`` whole number, missing allowed (pandas nullable ``Int64``)
``float`` real number, no missing values
``float?`` real number, ``NaN`` allowed (for instance an unknown alarm level)
``bool``  true/false, no missing values
``json``  text holding a JSON list of numbers (storage tables)
========  ==================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from pyproj import CRS

__all__ = ["LAYERS", "Column", "LayerSpec", "empty_layer", "pandas_dtype"]

POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString",)
PUNCTUAL = ("Point",)


@dataclass(frozen=True)
class Column:
    """One declared column of a layer.

    Parameters
    ----------
    name
        Column name.
    dtype
        Dtype code (see the module docstring).
    nonnegative
        Values must be ``>= 0`` (populations, capacities, widths).
    choices
        Allowed values of a text column, or ``None`` for free text.
    """

    name: str
    dtype: str
    nonnegative: bool = False
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class LayerSpec:
    """The declaration of one city layer.

    Parameters
    ----------
    name
        Layer name (the GeoPackage layer, the ``City`` attribute).
    geometry
        Allowed geometry types.
    id_column
        Column whose values must be unique and present.
    columns
        Required columns other than the geometry (extra columns are kept as they are).
    required
        Whether a city package must have this layer; optional layers load as empty frames.
    may_leave_dem
        Whether features may lie outside the DEM (a dam sits upstream of the flood domain).
    """

    name: str
    geometry: tuple[str, ...]
    id_column: str
    columns: tuple[Column, ...]
    required: bool = True
    may_leave_dem: bool = False

    @property
    def column_names(self) -> list[str]:
        """Names of the declared columns, in order."""
        return [c.name for c in self.columns]


LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            "wards",
            POLYGONAL,
            "ward_id",
            (
                Column("ward_id", "str"),
                Column("name", "str"),
                Column("name_ascii", "str"),
                Column("kind", "str"),
                Column("population", "int", nonnegative=True),
                Column("area_km2", "float", nonnegative=True),
            ),
        ),
        LayerSpec(
            "roads",
            LINEAR,
            "road_id",
            (
                Column("road_id", "str"),
                Column("name", "str"),
                Column("name_ascii", "str"),
                Column("road_class", "str", choices=("arterial", "street", "alley")),
                Column("bridge", "bool"),
                Column("house_from", "Int64", nonnegative=True),
                Column("house_to", "Int64", nonnegative=True),
                Column("parent_road_id", "str?"),
                Column("alley_number", "Int64", nonnegative=True),
                Column("free_speed_kmh", "float", nonnegative=True),
                Column("ward_id", "str?"),
            ),
        ),
        LayerSpec(
            "lights",
            PUNCTUAL,
            "light_id",
            (
                Column("light_id", "str"),
                Column("road_id", "str"),
                Column("ward_id", "str?"),
                Column("circuit_id", "str"),
                Column("status", "str", choices=("working", "broken", "off")),
            ),
            required=False,
        ),
        LayerSpec(
            "dams",
            PUNCTUAL,
            "dam_id",
            (
                Column("dam_id", "str"),
                Column("name", "str"),
                Column("river", "str"),
                Column("normal_level_m", "float"),
                Column("spillway_crest_m", "float"),
                Column("spillway_width_m", "float", nonnegative=True),
                Column("discharge_coeff", "float", nonnegative=True),
                Column("gate_count", "int", nonnegative=True),
                Column("storage_levels_m", "json"),
                Column("storage_volumes_m3", "json"),
                Column("entry_x", "float"),
                Column("entry_y", "float"),
            ),
            required=False,
            may_leave_dem=True,
        ),
        LayerSpec(
            "gauges",
            PUNCTUAL,
            "gauge_id",
            (
                Column("gauge_id", "str"),
                Column("name", "str"),
                Column("kind", "str", choices=("river", "rain")),
                Column("river", "str?"),
                Column("alarm1_m", "float?"),
                Column("alarm2_m", "float?"),
                Column("alarm3_m", "float?"),
            ),
            required=False,
        ),
        LayerSpec(
            "stations",
            PUNCTUAL,
            "team_id",
            (
                Column("team_id", "str"),
                Column("name", "str"),
                Column("vehicle", "str", choices=("boat", "truck", "ambulance")),
                Column("capacity_persons", "int", nonnegative=True),
                Column("status", "str"),
            ),
            required=False,
        ),
        LayerSpec(
            "shelters",
            PUNCTUAL,
            "shelter_id",
            (
                Column("shelter_id", "str"),
                Column("name", "str"),
                Column("capacity_persons", "int", nonnegative=True),
                Column("ward_id", "str?"),
            ),
            required=False,
        ),
        LayerSpec(
            "households",
            PUNCTUAL,
            "household_id",
            (
                Column("household_id", "str"),
                Column("ward_id", "str?"),
                Column("persons", "int", nonnegative=True),
                Column("vulnerable", "str?"),
                Column("phone", "str?"),
            ),
            required=False,
        ),
        LayerSpec(
            "catchments",
            POLYGONAL,
            "catchment_id",
            (
                Column("catchment_id", "str"),
                Column("name", "str"),
                # "dam": drains into a reservoir (outlet_id a dam_id); "edge": enters the
                # model at a river's entry on its edge (outlet_id the river)
                Column("outlet_kind", "str", choices=("dam", "edge")),
                Column("outlet_id", "str"),
                Column("area_km2", "float", nonnegative=True),
                Column("runoff_model", "str", choices=("scs", "gr4h")),
                # SCS Curve Number (AMC II) and its Clark unit hydrograph (hydro.runoff)
                Column("curve_number", "float?", nonnegative=True),
                Column("amc", "str", choices=("I", "II", "III")),
                Column("initial_abstraction_ratio", "float?", nonnegative=True),
                Column("tc_h", "float?", nonnegative=True),
                Column("storage_h", "float?", nonnegative=True),
                # GR4H parameters
                Column("gr4h_x1_mm", "float?", nonnegative=True),
                Column("gr4h_x2_mmh", "float?"),
                Column("gr4h_x3_mm", "float?", nonnegative=True),
                Column("gr4h_x4_h", "float?", nonnegative=True),
                # the catchment's rain over the rain the flood model sees (orography)
                Column("rain_factor", "float", nonnegative=True),
                Column("baseflow_m3s", "float", nonnegative=True),
                Column("entry_x", "float?"),
                Column("entry_y", "float?"),
            ),
            required=False,
            may_leave_dem=True,
        ),
    )
}

_PANDAS_DTYPE = {
    "str": "object",
    "str?": "object",
    "json": "object",
    "int": "int64",
    "Int64": "Int64",
    "float": "float64",
    "float?": "float64",
    "bool": "bool",
}


def empty_layer(name: str, crs: CRS | str) -> gpd.GeoDataFrame:
    """An empty layer with the declared columns and dtypes.

    Parameters
    ----------
    name
        Layer name, a key of :data:`LAYERS`.
    crs
        CRS of the empty frame.

    Returns
    -------
    geopandas.GeoDataFrame
        No rows; the declared columns then ``geometry``.

    Examples
    --------
    >>> list(empty_layer("shelters", "EPSG:32648").columns)
    ['shelter_id', 'name', 'capacity_persons', 'ward_id', 'geometry']
    """
    spec = LAYERS[name]
    data = {c.name: pd.Series([], dtype=_PANDAS_DTYPE[c.dtype]) for c in spec.columns}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def pandas_dtype(code: str) -> str:
    """The pandas dtype that holds a column of dtype ``code``."""
    return _PANDAS_DTYPE[code]
