"""Loading a city package into a :class:`~layers.City`, all problems raised at once."""

from __future__ import annotations

import os
import warnings

from layers._errors import LayerError
from layers.city import City
from layers.validate import inspect_city

__all__ = ["LayerWarning", "load_city"]


class LayerWarning(UserWarning):
    """Something was changed while loading (reprojected, repaired); the city is usable."""


def load_city(path: str | os.PathLike[str]) -> City:
    """Load and check a city package.

    Parameters
    ----------
    path
        City package folder (``city.toml``, ``city.gpkg``, ``dem.tif``; see
        :mod:`layers.io`).

    Returns
    -------
    City
        Every layer in the city's CRS, with the grids on the DEM.

    Raises
    ------
    LayerError
        One error listing every problem found (see :mod:`layers.validate` for the rules).

    Warns
    -----
    LayerWarning
        One per change made while loading (a layer reprojected, a polygon repaired).

    Examples
    --------
    >>> import layers
    >>> city = layers.load_city(layers.ensure_demo_city())  # doctest: +SKIP
    >>> city.crs.to_epsg()  # doctest: +SKIP
    32648
    """
    report = inspect_city(path)
    if report.problems or report.city is None:
        raise LayerError(report.problems or [f"{path}: the city could not be read"])
    for note in report.notes:
        warnings.warn(note, LayerWarning, stacklevel=2)
    return report.city
