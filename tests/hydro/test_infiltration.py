"""SCS Curve Number and Green-Ampt infiltration against their closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from scipy.optimize import brentq

from hydro import FloodModel, HydroError, per_class


def _flat(make_dem, n: int = 6) -> xr.DataArray:
    return make_dem(np.zeros((n, n)), 10.0)


def test_curve_number_runoff_is_the_scs_formula(make_dem) -> None:
    model = FloodModel(_flat(make_dem), manning=0.03, dtype="float64")
    model.add_rain(50.0)  # mm/h for 2 h: P = 100 mm
    model.add_infiltration_scs(80.0)
    model.run(until=7200)
    s_mm = 25.4 * (1000 / 80 - 10)  # 63.5 mm
    ia_mm = 0.2 * s_mm
    runoff_mm = (100 - ia_mm) ** 2 / (100 - ia_mm + s_mm)  # 50.5 mm
    assert float(model.depth.mean()) * 1000 == pytest.approx(runoff_mm, rel=1e-9)
    b = model.volume_balance
    assert b["loss_m3"] == pytest.approx((100 - runoff_mm) * 1e-3 * 3600.0, rel=1e-9)
    assert abs(b["relative_error"]) < 1e-12


def test_no_runoff_before_the_initial_abstraction(make_dem) -> None:
    model = FloodModel(_flat(make_dem), manning=0.03, dtype="float64")
    model.add_rain(10.0)  # 10 mm in an hour, below Ia = 12.7 mm at CN 80
    model.add_infiltration_scs(80.0)
    model.run(until=3600)
    assert float(model.depth.max()) == 0.0


def test_green_ampt_ponded_infiltration_matches_its_implicit_solution(make_dem) -> None:
    ks_mm_h, psi_mm, deficit, f0_mm = 10.0, 110.0, 0.3, 1.0
    model = FloodModel(_flat(make_dem), manning=0.03, dtype="float64", max_dt=1.0)
    model.set_initial_depth(0.5)
    model.add_infiltration_green_ampt(ks_mm_h, psi_mm, deficit, initial_mm=f0_mm)
    model.run(until=3600)
    pd_ = psi_mm * deficit

    def time_h(f_mm: float) -> float:  # Green-Ampt with ponding from the start
        return (f_mm - f0_mm - pd_ * math.log((pd_ + f_mm) / (pd_ + f0_mm))) / ks_mm_h

    f_mm = brentq(lambda f: time_h(f) - 1.0, f0_mm, 500.0)
    infiltrated_mm = 500.0 - float(model.depth.mean()) * 1000
    assert infiltrated_mm == pytest.approx(f_mm - f0_mm, rel=0.01)
    assert abs(model.volume_balance["relative_error"]) < 1e-12


def test_per_class_grids_and_a_saved_run(make_dem, tmp_path) -> None:
    dem = _flat(make_dem)
    classes = (dem * 0).astype(int)
    classes.values[:3] = 2
    cn = per_class(classes, {0: 70.0, 2: 95.0}, "curve number")
    assert float(cn[0, 0]) == 95.0 and float(cn[-1, 0]) == 70.0
    with pytest.raises(HydroError, match=r"class\(es\) \[2\]"):
        per_class(classes, {0: 70.0}, "curve number")

    def build() -> FloodModel:
        m = FloodModel(dem, manning=0.03, dtype="float64")
        m.add_rain(60.0)
        m.add_infiltration_scs(cn)
        return m

    whole = build()
    whole.run(until=900)
    whole.run(until=1800)
    half = build()
    half.run(until=900)
    half.save_state(tmp_path / "s.npz")
    again = FloodModel.load_state(tmp_path / "s.npz")
    again.run(until=1800)
    np.testing.assert_array_equal(again.depth.values, whole.depth.values)
    # the paved class (CN 95) runs off more than the fields (CN 70)
    assert float(whole.depth[0, 0]) > float(whole.depth[-1, 0])


def test_bad_infiltration_is_refused(make_dem) -> None:
    model = FloodModel(_flat(make_dem), manning=0.03)
    with pytest.raises(HydroError, match=r"CN must lie in \(0, 100\]"):
        model.add_infiltration_scs(120.0)
    with pytest.raises(HydroError, match="ia_ratio"):
        model.add_infiltration_scs(80.0, ia_ratio=1.5)
    with pytest.raises(HydroError, match="ksat"):
        model.add_infiltration_green_ampt(-1.0, 100.0, 0.3)
    with pytest.raises(HydroError, match="initial_mm"):
        model.add_infiltration_green_ampt(1.0, 100.0, 0.3, initial_mm=0.0)
    model.add_infiltration_scs(80.0)
    with pytest.raises(HydroError, match="one method per model"):
        model.add_infiltration_green_ampt(1.0, 100.0, 0.3)
