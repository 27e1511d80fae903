"""Comparing coordinate reference systems as a GIS user means it: same coordinates, same CRS."""

from __future__ import annotations

from typing import Any

import rasterio.crs
from pyproj import CRS
from pyproj.exceptions import CRSError

__all__ = ["epsg_of", "same_crs"]


def epsg_of(crs: Any) -> int | None:
    """The EPSG code of ``crs``, as GDAL identifies it, or ``None``.

    A GeoTIFF written in EPSG:3067 reads back with the datum named "EUREF-FIN" and pyproj
    no longer finds its code; GDAL's identification does.
    """
    try:
        parsed = CRS.from_user_input(crs)
        code = parsed.to_epsg()
        if code is None:
            code = rasterio.crs.CRS.from_wkt(parsed.to_wkt()).to_epsg()
    except (CRSError, rasterio.errors.CRSError):
        return None
    return int(code) if code is not None else None


def same_crs(a: Any, b: Any) -> bool:
    """Whether two CRSs give the same coordinates (equal, or the same EPSG code).

    Examples
    --------
    >>> same_crs("EPSG:32648", "+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs")
    True
    >>> same_crs("EPSG:32648", "EPSG:3067")
    False
    """
    first, second = CRS.from_user_input(a), CRS.from_user_input(b)
    if first.equals(second, ignore_axis_order=True):
        return True
    code = epsg_of(first)
    return code is not None and code == epsg_of(second)
