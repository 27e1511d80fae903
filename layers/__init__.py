"""layers: the city as GIS layers in one projected CRS (wards, roads, lights, dams, ...).

Knows nothing of floods. See ``layers.City`` and ``layers.load_city``.
"""

from layers._build import WORLDCOVER, build_city, utm_crs
from layers._demo_city import build_demo_city, demo_city_path, ensure_demo_city
from layers._errors import LayerError
from layers._schema import LAYERS, empty_layer
from layers._text import to_ascii
from layers.city import LAYER_NAMES, City
from layers.geojson import orient_rfc7946, to_geojson_dict, write_geojson
from layers.grids import LANDUSE, MANNING_N, manning_grid, new_grid, ward_index_grid
from layers.io import read_grid, read_layer, read_osm_roads, write_city, write_grid
from layers.load import LayerWarning, load_city
from layers.network import node_lines, node_roads, road_graph
from layers.settings import CitySettings, read_settings
from layers.validate import CityReport, check_city, inspect_city

__all__ = [
    "LANDUSE",
    "LAYERS",
    "LAYER_NAMES",
    "MANNING_N",
    "WORLDCOVER",
    "City",
    "CityReport",
    "CitySettings",
    "LayerError",
    "LayerWarning",
    "build_city",
    "build_demo_city",
    "check_city",
    "demo_city_path",
    "empty_layer",
    "ensure_demo_city",
    "inspect_city",
    "load_city",
    "manning_grid",
    "new_grid",
    "node_lines",
    "node_roads",
    "orient_rfc7946",
    "read_grid",
    "read_layer",
    "read_osm_roads",
    "read_settings",
    "road_graph",
    "to_ascii",
    "to_geojson_dict",
    "utm_crs",
    "ward_index_grid",
    "write_city",
    "write_geojson",
    "write_grid",
]
