"""Rainfall-runoff: Curve Number by hand, unit hydrograph volume and peak, GR4H balance and
agreement with an independent implementation (hydrogr, airGR's Fortran ported to Rust)."""

from __future__ import annotations

import numpy as np
import pytest

from hydro import HydroError
from hydro.runoff import (
    clark_unit_hydrograph,
    convolve_excess,
    curve_number_for_amc,
    gr4h_runoff,
    rain_mm_per_step,
    scs_excess_mm,
    scs_runoff,
    scs_unit_hydrograph,
)


def test_curve_number_runoff_by_hand() -> None:
    # CN 75: S = 25400/75 - 254 = 84.667 mm, Ia = 16.933 mm; a 25 + 50 + 25 mm storm.
    excess = scs_excess_mm([25.0, 50.0, 25.0], 75.0)
    s, ia = 25400 / 75 - 254, 0.2 * (25400 / 75 - 254)
    q1 = (25 - ia) ** 2 / (25 - ia + s)
    q3 = (100 - ia) ** 2 / (100 - ia + s)
    assert excess[0] == pytest.approx(q1, rel=1e-12)
    assert excess.sum() == pytest.approx(q3, rel=1e-12)
    assert excess.sum() == pytest.approx(41.14, abs=0.01)  # 83.067² / 167.733
    assert scs_excess_mm([10.0], 75.0)[0] == 0.0  # below the initial abstraction


def test_initial_abstraction_ratio_and_antecedent_moisture() -> None:
    rain = [60.0]
    wet = scs_excess_mm(rain, 70.0, amc="III").sum()
    dry = scs_excess_mm(rain, 70.0, amc="I").sum()
    mid = scs_excess_mm(rain, 70.0).sum()
    assert dry < mid < wet
    assert curve_number_for_amc(70.0, "III") == pytest.approx(23 * 70 / (10 + 0.13 * 70))
    # λ = 0.05 abstracts less before runoff starts
    assert scs_excess_mm(rain, 70.0, initial_abstraction_ratio=0.05).sum() > mid


@pytest.mark.parametrize("step_s", [300.0, 900.0])
def test_scs_unit_hydrograph_volume_and_peak(step_s: float) -> None:
    area_km2, excess_mm, tc_h = 250.0, 10.0, 5.0
    uh = scs_unit_hydrograph(tc_h, step_s)
    q = convolve_excess([excess_mm], uh, area_km2, step_s, extend=True)
    volume_m3 = q.sum() * step_s
    assert volume_m3 == pytest.approx(excess_mm * 1e-3 * area_km2 * 1e6, rel=1e-12)
    tp_h = step_s / 7200.0 + 0.6 * tc_h
    qp = 0.208 * area_km2 * excess_mm / tp_h  # NEH-4 eq. 16-5 in SI
    assert q.max() == pytest.approx(qp, rel=0.02)
    assert np.argmax(q) * step_s / 3600.0 == pytest.approx(tp_h, abs=step_s / 3600.0)


def test_clark_unit_hydrograph_volume_translation_and_storage() -> None:
    uh = clark_unit_hydrograph(6.0, 4.0, 3600.0)
    assert uh.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(uh >= 0)
    more_storage = clark_unit_hydrograph(6.0, 12.0, 3600.0)
    assert more_storage.max() < uh.max()  # storage attenuates
    assert np.argmax(more_storage) >= np.argmax(uh)
    # tiny storage: the outflow is the time-area inflow, peaking near Tc/2
    fast = clark_unit_hydrograph(6.0, 0.01, 600.0)
    assert np.argmax(fast) * 600.0 / 3600.0 == pytest.approx(3.0, abs=0.5)


def test_scs_runoff_volume_equals_excess_volume() -> None:
    rain = np.concatenate([np.full(6, 12.0), np.zeros(120)])
    for uh in ("clark", "scs"):
        q = scs_runoff(
            rain, area_km2=717.0, curve_number=85.0, tc_h=8.0, unit_hydrograph=uh, extend=True
        )
        expected_m3 = scs_excess_mm(rain, 85.0).sum() * 1e-3 * 717e6
        assert q.sum() * 3600.0 == pytest.approx(expected_m3, rel=1e-6)
    base = scs_runoff(rain, area_km2=10.0, curve_number=85.0, tc_h=2.0, baseflow_m3s=5.0)
    direct = scs_runoff(rain, area_km2=10.0, curve_number=85.0, tc_h=2.0)
    assert base == pytest.approx(direct + 5.0)


def test_rain_rate_units() -> None:
    assert rain_mm_per_step([3.6], 3600.0, "mm/h")[0] == pytest.approx(3.6)
    assert rain_mm_per_step([1e-6], 3600.0, "m s-1")[0] == pytest.approx(3.6)
    with pytest.raises(HydroError, match="unknown units"):
        rain_mm_per_step([1.0], 3600.0, "inch/h")


def test_bad_input_lists_every_problem() -> None:
    with pytest.raises(HydroError) as err:
        scs_runoff([1.0, np.nan], area_km2=-1.0, curve_number=85.0, tc_h=1.0, baseflow_m3s=-2)
    assert "area_km2" in str(err.value) and "baseflow_m3s" in str(err.value)
    with pytest.raises(HydroError) as err:
        scs_excess_mm([-1.0], 120.0)
    assert "curve_number" in str(err.value) and ">= 0 mm" in str(err.value)
    with pytest.raises(HydroError) as err:
        gr4h_runoff([1.0], area_km2=1.0, x1_mm=-5, x2_mmh=0.0, x3_mm=0.0, x4_h=0.1)
    text = str(err.value)
    assert "x1_mm" in text and "x3_mm" in text and "x4_h" in text


def _storms(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rain = np.where(rng.random(n) < 0.15, rng.gamma(0.7, 4.0, n), 0.0)
    pet = 0.15 * np.clip(np.sin(np.arange(n) * 2 * np.pi / 24), 0, None)
    return rain, pet


@pytest.mark.parametrize("x2", [-1.5, 0.0, 0.8])
def test_gr4h_mass_balance(x2: float) -> None:
    rain, pet = _storms(2000, 3)
    out = gr4h_runoff(
        rain, area_km2=100.0, x1_mm=300.0, x2_mmh=x2, x3_mm=80.0, x4_h=10.0, pet_mm=pet
    )
    assert abs(out.balance_error_mm) < 1e-9 * rain.sum()
    assert np.all(out.runoff_mm >= 0) and np.all(out.production_mm <= 300.0)
    assert out.discharge_m3s == pytest.approx(out.runoff_mm * 1e-3 * 100e6 / 3600.0)
    if x2 < 0:
        assert out.exchange_mm.sum() < 0  # losses
    if x2 == 0:
        assert np.all(out.exchange_mm == 0)


def test_gr4h_first_step_by_hand() -> None:
    # 10 mm on an empty-ish store (S0 = 0.3 X1), no PET, X4 = 1 h: UH1 releases all in step 1
    x1, x3 = 200.0, 50.0
    out = gr4h_runoff([10.0], area_km2=1.0, x1_mm=x1, x2_mmh=0.0, x3_mm=x3, x4_h=1.0)
    s0 = 0.3 * x1
    tws = np.tanh(10.0 / x1)
    ps = x1 * (1 - (s0 / x1) ** 2) * tws / (1 + s0 / x1 * tws)
    s1 = s0 + ps
    perc = s1 * (1 - (1 + (s1 / (5.25 * x1)) ** 4) ** -0.25)
    pr = 10.0 - ps + perc
    r = 0.5 * x3 + 0.9 * pr
    qr = r * (1 - (1 + (r / x3) ** 4) ** -0.25)
    qd = 0.1 * pr * 0.5  # UH2 over 2 h: first ordinate SS2(1) = 0.5·(1/1)^1.25
    assert out.production_mm[0] == pytest.approx(s1 - perc, rel=1e-12)
    assert out.runoff_mm[0] == pytest.approx(qr + qd, rel=1e-12)


def test_gr4h_matches_hydrogr() -> None:
    hydrogr = pytest.importorskip("hydrogr._hydrogr")
    rain, pet = _storms(3000, 7)
    params = [450.0, -0.7, 120.0, 14.5]
    _states, _u1, _u2, flow = hydrogr.gr4h(
        params, rain, pet, np.array([0.3 * params[0], 0.5 * params[2]]),
        np.zeros(480), np.zeros(960),
    )  # fmt: skip
    ours = gr4h_runoff(
        rain, area_km2=1.0, x1_mm=params[0], x2_mmh=params[1], x3_mm=params[2],
        x4_h=params[3], pet_mm=pet,
    )  # fmt: skip
    assert np.asarray(flow) == pytest.approx(ours.runoff_mm, abs=1e-10)
