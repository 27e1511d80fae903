"""What an ensemble says: per-cell exceedance probabilities, per-ward hazard probabilities.

- ``exceedance_probability`` (threshold_m, y, x): the fraction of members whose maximum depth
  in the cell is more than each threshold.
- ``ward_people_by_class`` (member, ward, hazard_class): people whose cell's highest hazard
  class over the run (Defra FD2321, 0 low .. 3 danger for all, see :mod:`hydro.hazard`) is
  each class, with each ward's people spread over its built-up cells
  (:func:`twin.impact.people_per_cell`);
- ``ward_hazard_class`` (member, ward): the ward's class in that member, the highest class met
  (that class or a worse one) by at least :data:`WARD_MIN_SHARE` (5 %) of its people, so one
  cell by the river does not put a whole ward in danger;
- ``ward_hazard_probability`` (ward, hazard_class): the fraction of members in which the ward
  is in each class (each row sums to 1; NaN for a ward with nobody on the grid).

Members are read one at a time, so memory stays bounded by one member's maps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from hydro.hazard import HAZARD_CLASS_NAMES
from twin._errors import TwinError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["WARD_MIN_SHARE", "exceedance_probability", "summarise", "ward_hazard"]

#: Share of a ward's people that must meet a hazard class for the ward to be in that class.
WARD_MIN_SHARE = 0.05


def exceedance_probability(ds: xr.Dataset, thresholds_m: Sequence[float]) -> xr.DataArray:
    """Fraction of members whose maximum depth passes each threshold, per cell.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"max_depth": (("member", "y", "x"), [[[0.2, 0.8]], [[0.6, 1.2]]])})
    >>> exceedance_probability(ds, [0.5, 1.0]).values.tolist()
    [[[0.5, 1.0]], [[0.0, 0.5]]]
    """
    if "member" not in ds.dims or "max_depth" not in ds:
        raise TwinError("exceedance needs max_depth over a member dimension")
    thresholds = np.asarray(list(thresholds_m), dtype=float)
    if thresholds.size == 0 or np.any(thresholds < 0):
        raise TwinError("thresholds_m must be one or more depths >= 0")
    max_depth = ds["max_depth"]
    parts = [(max_depth > t).mean("member") for t in thresholds]
    out = xr.concat(parts, dim=xr.DataArray(thresholds, dims="threshold_m", name="threshold_m"))
    out = out.astype(np.float32)
    out.name = "exceedance_probability"
    out.attrs = {"units": "1", "long_name": "probability that the maximum depth passes threshold_m"}
    out["threshold_m"].attrs = {"units": "m", "long_name": "depth threshold"}
    return out


def ward_hazard(
    ds: xr.Dataset,
    wards: gpd.GeoDataFrame,
    *,
    built_up: npt.ArrayLike | None = None,
    min_share: float = WARD_MIN_SHARE,
) -> xr.Dataset:
    """People in each hazard class per ward and member, the wards' classes and probabilities.

    Parameters
    ----------
    ds
        Members with ``max_hazard_class`` over (member, y, x).
    wards
        Ward polygons (``ward_id``, ``population``; ``name`` optional) in the grid's CRS.
    built_up
        Boolean (y, x) grid of built-up cells, where people live (see
        :func:`twin.impact.people_per_cell`); None spreads them over each whole ward.
    min_share
        The share of a ward's people that must meet a class (or a worse one) for the ward to
        be in that class.

    Returns
    -------
    xarray.Dataset
        ``ward_people_by_class`` (member, ward, hazard_class): people whose cell's highest
        class over the run is that class; ``ward_hazard_class`` (member, ward) int8, -1 for a
        ward with nobody on the grid; ``ward_hazard_probability`` (ward, hazard_class), the
        fraction of members with that ward class (NaN for a ward with nobody on the grid).

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, xarray as xr
    >>> from shapely.geometry import box
    >>> ds = xr.Dataset({"max_hazard_class": (("member", "y", "x"), [[[0, 3]] * 2, [[2, 2]] * 2])},
    ...                 coords={"member": [0, 1], "x": [5.0, 15.0], "y": [15.0, 5.0]})
    >>> wards = gpd.GeoDataFrame({"ward_id": ["A"], "population": [100]},
    ...                          geometry=[box(0, 0, 20, 20)])
    >>> out = ward_hazard(ds, wards, min_share=0.5)
    >>> out.ward_hazard_class.values.ravel().tolist()  # half the people meet class 3; all 2
    [3, 2]
    >>> out.ward_hazard_probability.values.ravel().tolist()
    [0.0, 0.0, 0.5, 0.5]
    """
    from twin.impact import people_per_cell

    if "max_hazard_class" not in ds:
        raise TwinError("ward probabilities need max_hazard_class over (member, y, x)")
    if "ward_id" not in wards.columns:
        raise TwinError("wards need a 'ward_id' column")
    if not 0.0 < min_share <= 1.0:
        raise TwinError(f"min_share must be in (0, 1], got {min_share}")
    people, ward_row = people_per_cell(wards, ds, built_up=built_up)
    n_wards, n_members = len(wards), ds.sizes["member"]
    classes = np.array(sorted(HAZARD_CLASS_NAMES), dtype=np.int8)
    lived = (ward_row >= 0) & (people > 0)
    rows, weights = ward_row[lived], people[lived]
    by_class = np.zeros((n_members, n_wards, classes.size))
    for k in range(n_members):
        cls = np.asarray(ds["max_hazard_class"].isel(member=k).values)[lived]
        for c in classes:
            by_class[k, :, c] = np.bincount(rows[cls == c], weights[cls == c], minlength=n_wards)
    total = by_class.sum(axis=2)
    at_least = by_class[:, :, ::-1].cumsum(axis=2)[:, :, ::-1]  # people in class c or worse
    meets = at_least >= min_share * np.maximum(total, 1e-12)[:, :, None]
    ward_class = np.where(meets, classes[None, None, :], 0).max(axis=2).astype(np.int8)
    ward_class[total <= 0] = -1
    probability = (ward_class[:, :, None] == classes[None, None, :]).mean(axis=0)
    probability[(ward_class < 0).any(axis=0)] = np.nan
    coords: dict[str, Any] = {"ward": wards["ward_id"].astype(str).to_numpy()}
    if "name" in wards.columns:
        coords["ward_name"] = ("ward", wards["name"].astype(str).to_numpy())
    class_coords = {
        "hazard_class": classes,
        "hazard_class_name": ("hazard_class", [HAZARD_CLASS_NAMES[int(c)] for c in classes]),
    }
    member = {"member": ds["member"].values}
    return xr.Dataset(
        {
            "ward_people_by_class": (
                ("member", "ward", "hazard_class"),
                by_class,
                {"units": "persons", "long_name": "people by the highest hazard class they meet"},
            ),
            "ward_hazard_class": (
                ("member", "ward"),
                ward_class,
                {
                    "units": "1",
                    "long_name": f"highest hazard class met by >= {min_share:.0%} of the ward",
                },
            ),
            "ward_hazard_probability": (
                ("ward", "hazard_class"),
                probability,
                {"units": "1", "long_name": "probability of the ward's hazard class"},
            ),
        },
        coords={**coords, **class_coords, **member},
        attrs={"ward_min_share": min_share},
    )


def summarise(
    ds: xr.Dataset,
    *,
    thresholds_m: Sequence[float],
    wards: gpd.GeoDataFrame | None = None,
    built_up: npt.ArrayLike | None = None,
    min_share: float = WARD_MIN_SHARE,
) -> xr.Dataset:
    """``ds`` with ``exceedance_probability`` and, given wards, the :func:`ward_hazard` ones."""
    out = ds.assign(exceedance_probability=exceedance_probability(ds, thresholds_m).compute())
    if wards is not None:
        hazard = ward_hazard(ds, wards, built_up=built_up, min_share=min_share)
        out = out.merge(hazard.drop_vars("member"), compat="override")
        out.attrs["ward_min_share"] = min_share
    return out
