"""What an ensemble says: per-cell exceedance probabilities, per-ward hazard probabilities.

- ``exceedance_probability`` (threshold_m, y, x): the fraction of members whose maximum depth
  in the cell is more than each threshold.
- ``ward_hazard_class`` (member, ward): the highest hazard class (Defra FD2321, 0 low .. 3
  danger for all, see :mod:`hydro.hazard`) that anybody in the ward meets during the member's
  run: the highest class over the ward's cells that hold people
  (:func:`twin.impact.people_per_cell`), or over all its cells when none does.
- ``ward_hazard_probability`` (ward, hazard_class): the fraction of members in which that
  highest class is exactly each class (each row sums to 1); a ward with no cell on the grid
  gets NaN.

Members are read one at a time, so memory stays bounded by one member's maps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from hydro.hazard import HAZARD_CLASS_NAMES
from twin._errors import TwinError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["exceedance_probability", "summarise", "ward_hazard_probability"]


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


def ward_hazard_probability(
    ds: xr.Dataset, wards: gpd.GeoDataFrame
) -> tuple[xr.DataArray, xr.DataArray]:
    """Each ward's highest hazard class per member, and the probability of each class.

    Parameters
    ----------
    ds
        Members with ``max_hazard_class`` over (member, y, x).
    wards
        Ward polygons (``ward_id``, ``population``; ``name`` optional) in the grid's CRS.

    Returns
    -------
    ward_hazard_class, ward_hazard_probability
        (member, ward) int8 (-1 for a ward off the grid) and (ward, hazard_class) float.
    """
    from twin.impact import people_per_cell

    if "max_hazard_class" not in ds:
        raise TwinError("ward probabilities need max_hazard_class over (member, y, x)")
    if "ward_id" not in wards.columns:
        raise TwinError("wards need a 'ward_id' column")
    people, ward_row = people_per_cell(wards, ds)
    n_wards = len(wards)
    lived = np.zeros(n_wards, dtype=bool)
    inside = ward_row >= 0
    lived[np.unique(ward_row[inside & (people > 0)])] = True
    # a cell counts when it holds people, or when its ward has no cell that does
    counts = (inside & (people > 0)) | (inside & ~lived[np.clip(ward_row, 0, None)])
    rows = ward_row[counts]
    per_member = np.full((ds.sizes["member"], n_wards), -1, dtype=np.int8)
    for k in range(ds.sizes["member"]):
        cls = np.asarray(ds["max_hazard_class"].isel(member=k).values, dtype=np.int8)
        np.maximum.at(per_member[k], rows, cls[counts])
    ward_ids = wards["ward_id"].astype(str).to_numpy()
    coords = {"ward": ward_ids}
    if "name" in wards.columns:
        coords["ward_name"] = ("ward", wards["name"].astype(str).to_numpy())
    klass = xr.DataArray(
        per_member,
        dims=("member", "ward"),
        coords={"member": ds["member"].values, **coords},
        name="ward_hazard_class",
        attrs={
            "units": "1",
            "long_name": "highest hazard class met by people in the ward (-1: off the grid)",
        },
    )
    classes = np.array(sorted(HAZARD_CLASS_NAMES), dtype=np.int8)
    on_grid = per_member[0] >= 0 if len(per_member) else np.zeros(n_wards, dtype=bool)
    prob = (per_member[:, :, None] == classes[None, None, :]).mean(axis=0)
    prob[~on_grid, :] = np.nan
    probability = xr.DataArray(
        prob,
        dims=("ward", "hazard_class"),
        coords={
            **coords,
            "hazard_class": classes,
            "hazard_class_name": ("hazard_class", [HAZARD_CLASS_NAMES[int(c)] for c in classes]),
        },
        name="ward_hazard_probability",
        attrs={"units": "1", "long_name": "probability of the ward's highest hazard class"},
    )
    return klass, probability


def summarise(
    ds: xr.Dataset, *, thresholds_m: Sequence[float], wards: gpd.GeoDataFrame | None = None
) -> xr.Dataset:
    """``ds`` with ``exceedance_probability`` and, given wards, the ward hazard variables."""
    out = ds.assign(exceedance_probability=exceedance_probability(ds, thresholds_m).compute())
    if wards is not None:
        klass, probability = ward_hazard_probability(ds, wards)
        out = out.assign(ward_hazard_class=klass, ward_hazard_probability=probability)
    return out
