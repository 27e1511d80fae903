"""Pit filling on the model grid (priority flood)."""

from __future__ import annotations

import numpy as np
import pytest

from hydro import FloodModel, HydroError, fill_pits


def _slope_with_pit(make_dem):
    """A slope falling 0.1 m per cell to the west, with a 3 m deep hollow in the middle."""
    z = np.tile(0.1 * np.arange(12.0), (8, 1)) + 5.0
    z[3:5, 5:7] -= 3.0
    return make_dem(z, 10.0)


def test_a_pit_is_filled_so_that_it_drains(make_dem) -> None:
    dem = _slope_with_pit(make_dem)
    filled = fill_pits(dem)
    z0, z1 = dem.values, filled.values
    assert np.all(z1 >= z0) and z1[3:5, 5:7].min() > 5.4  # raised to its outlet and a bit
    assert np.array_equal(z1[:, :5], z0[:, :5])  # downstream of the pit: untouched
    # rain on it runs off the open west edge instead of gathering in the hollow
    depth = {}
    for name, bed in (("pit", dem), ("filled", filled)):
        model = FloodModel(bed, manning=0.03, dtype="float64")
        model.set_boundary("west", "free")
        model.add_rain(100.0)
        model.run(until=600)
        depth[name] = float(model.depth.values[3:5, 5:7].max())
    assert depth["pit"] > 0.01 and depth["filled"] < 0.5 * depth["pit"]


def test_only_the_region_is_raised(make_dem) -> None:
    dem = _slope_with_pit(make_dem)
    region = dem * 0 == 0
    region.values[3:5, 5:7] = False  # the hollow is a lake: keep it
    np.testing.assert_array_equal(fill_pits(dem, where=region).values, dem.values)
    assert float(dem[3, 5]) == pytest.approx(2.5)  # the input is not changed in place
    with pytest.raises(HydroError, match="step_m"):
        fill_pits(dem, step_m=-1.0)
