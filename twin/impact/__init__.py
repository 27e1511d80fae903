"""Impact of a flood result on the city: wards, roads, street lights, gauges and dams.

Each module holds one layer's rules and states its thresholds; :func:`assess_impact` runs them
all over a :class:`layers.City`.
"""

from twin.impact._assess import Impact, assess_impact, built_up_grid, people_weights
from twin.impact.dams import dam_summary
from twin.impact.gauges import gauge_levels, gauge_summary
from twin.impact.lights import LIGHT_WATER_DEPTH_M, circuits_to_switch_off, light_impact
from twin.impact.roads import VEHICLE_LIMITS_M, cut_off_wards, road_graph, road_impact
from twin.impact.wards import (
    DEPTH_CLASSES_M,
    FLOODED_DEPTH_M,
    max_hazard_class,
    people_per_cell,
    ward_impact,
)

__all__ = [
    "DEPTH_CLASSES_M",
    "FLOODED_DEPTH_M",
    "LIGHT_WATER_DEPTH_M",
    "VEHICLE_LIMITS_M",
    "Impact",
    "assess_impact",
    "built_up_grid",
    "circuits_to_switch_off",
    "cut_off_wards",
    "dam_summary",
    "gauge_levels",
    "gauge_summary",
    "light_impact",
    "max_hazard_class",
    "people_per_cell",
    "people_weights",
    "road_graph",
    "road_impact",
    "ward_impact",
]
