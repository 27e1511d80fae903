"""layers: the city as GIS layers in one projected CRS (wards, roads, lights, dams, ...).

Knows nothing of floods. See ``layers.City`` and ``layers.load_city``.
"""

from layers._errors import LayerError

__all__ = ["LayerError"]
