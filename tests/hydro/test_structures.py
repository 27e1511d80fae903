"""Levees and walls on cell faces: broad-crested weirs against the weir equation."""

from __future__ import annotations

import numpy as np
import pytest

from hydro import FloodModel, HydroError
from hydro._structures import WEIR_COEFF

NY, NX, DX = 10, 40, 10.0
WIDTH_M = NY * DX
CREST_M = 0.5
WALL = [(200.0, -5.0), (200.0, 105.0)]  # across the channel at x = 200 m, past both banks


def _channel(make_dem):
    """A pool 3 m deep (bed -3 m) behind the wall, then a bed at -4 m down to a free outlet."""
    z = np.full((NY, NX), -3.0)
    z[:, NX // 2 :] = -4.0
    return make_dem(z, DX)


def _weir_run(make_dem, upstream_m: float, downstream_m: float | None) -> FloodModel:
    model = FloodModel(_channel(make_dem), manning=0.02, dtype="float64")
    model.set_boundary("west", "level", level=upstream_m)
    if downstream_m is None:
        model.set_boundary("east", "free")
    else:
        model.set_boundary("east", "level", level=downstream_m)
    model.add_structure(WALL, CREST_M)
    model.run(until=3 * 3600)
    return model


def _discharge_last_hour(make_dem, upstream_m: float, downstream_m: float | None) -> float:
    model = _weir_run(make_dem, upstream_m, downstream_m)
    before = model.volume_balance["west_in_m3"]
    model.run(until=4 * 3600)
    b = model.volume_balance
    assert abs(b["relative_error"]) < 1e-12
    return (b["west_in_m3"] - before) / 3600.0


def test_free_flow_over_a_wall_matches_the_weir_equation(make_dem) -> None:
    q = _discharge_last_hour(make_dem, 1.0, None)
    expected = WEIR_COEFF * WIDTH_M * (1.0 - CREST_M) ** 1.5  # 60.3 m³/s
    assert q == pytest.approx(expected, rel=0.05)


def test_submerged_flow_is_reduced_as_villemonte_says(make_dem) -> None:
    q = _discharge_last_hour(make_dem, 1.0, 0.8)
    head = 1.0 - CREST_M
    r = (0.8 - CREST_M) / head
    expected = WEIR_COEFF * WIDTH_M * head**1.5 * (1 - r**1.5) ** 0.385  # 47.4 m³/s
    assert q == pytest.approx(expected, rel=0.05)


def test_water_below_the_crest_does_not_pass_even_diagonally(make_dem) -> None:
    dem = make_dem(np.zeros((20, 20)), DX)
    model = FloodModel(dem, manning=0.03, dtype="float64")
    # an oblique wall corner to corner: the staircase of faces must hold the water
    model.add_structure([(0.0, 0.0), (200.0, 200.0)], 1.0)
    i, j = np.indices((20, 20))  # row 0 north: the line runs where i + j = 19
    south_east, north_west = i + j >= 21, i + j <= 17
    depth = (dem * 0.0).where(~south_east, 0.8)  # 0.8 m of water south-east of the wall
    model.set_initial_depth(depth)
    model.run(until=1800)
    h = model.depth.values
    assert h[north_west].max() == 0.0  # the other side stays dry
    assert abs(model.volume_balance["relative_error"]) < 1e-12
    # over the crest it spills: 1.2 m of water
    model2 = FloodModel(dem, manning=0.03, dtype="float64")
    model2.add_structure([(0.0, 0.0), (200.0, 200.0)], 1.0)
    model2.set_initial_depth(depth * 1.5)
    model2.run(until=600)
    assert model2.depth.values[north_west].max() > 0.01


def test_a_wall_below_the_ground_changes_nothing(make_dem) -> None:
    plain = FloodModel(_channel(make_dem), manning=0.02, dtype="float64")
    walled = FloodModel(_channel(make_dem), manning=0.02, dtype="float64")
    walled.add_structure(WALL, -5.0)
    for m in (plain, walled):
        m.set_boundary("west", "level", level=1.0)
        m.set_boundary("east", "free")
        m.run(until=600)
    np.testing.assert_array_equal(plain.depth.values, walled.depth.values)


def test_structures_survive_save_and_load(make_dem, tmp_path) -> None:
    whole = _weir_run(make_dem, 1.0, None)
    whole.run(until=3 * 3600 + 600)
    half = _weir_run(make_dem, 1.0, None)
    half.save_state(tmp_path / "s.npz")
    again = FloodModel.load_state(tmp_path / "s.npz")
    again.run(until=3 * 3600 + 600)
    np.testing.assert_array_equal(again.depth.values, whole.depth.values)


@pytest.mark.parametrize(
    ("line", "crest", "kwargs", "message"),
    [
        ([(0.0, 0.0)], 1.0, {}, "at least two"),
        ([(0.0, 0.0), (np.nan, 1.0)], 1.0, {}, "finite"),
        ("wall", 1.0, {}, "vertices"),
        (WALL, float("nan"), {}, "crest_m must be a finite"),
        (WALL, 1.0, {"coeff": 0.0}, "coeff must be > 0"),
        ([(0.0, 0.0), (1.0, 1.0)], 1.0, {}, "follows no interior cell face"),
    ],
)
def test_bad_structures_are_refused(make_dem, line, crest, kwargs, message) -> None:
    model = FloodModel(_channel(make_dem), manning=0.02)
    with pytest.raises(HydroError, match=message):
        model.add_structure(line, crest, **kwargs)
