"""Level-pool routing: analytic and hand-computed references, attenuation, mass, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import hydro
from hydro import HydroError, Reservoir, measured_release, release_hydrograph

AREA_M2 = 1.0e6  # prismatic reservoir: storage = AREA · level


def prismatic(**kw: object) -> Reservoir:
    """A 1 km² box from 0 to 20 m, crest at 10 m, C·L = 2 · 20 = 40 m^1.5/s."""
    args: dict[str, object] = {
        "storage_levels_m": [0.0, 20.0],
        "storage_volumes_m3": [0.0, 20.0 * AREA_M2],
        "spillway_crest_m": 10.0,
        "spillway_width_m": 20.0,
        "discharge_coeff": 2.0,
    }
    args.update(kw)
    return Reservoir(**args)  # type: ignore[arg-type]


def hours(n: int, step_h: float = 1.0) -> np.ndarray:
    return np.arange(0.0, n * 3600.0 + 1.0, step_h * 3600.0)


def triangle(t: np.ndarray, peak_m3s: float, t_peak: float, t_end: float) -> np.ndarray:
    return np.interp(t, [0.0, t_peak, t_end, t[-1] + 1], [0.0, peak_m3s, 0.0, 0.0])


def test_public_names() -> None:
    for name in ("Reservoir", "measured_release", "release_hydrograph"):
        assert name in hydro.__all__


def test_table_interpolation_is_an_exact_inverse() -> None:
    res = Reservoir(
        storage_levels_m=json.dumps([50.0, 55.0, 60.0]),
        storage_volumes_m3=json.dumps([0.0, 1.0e6, 5.0e6]),
        spillway_crest_m=58.0,
        spillway_width_m=10.0,
    )
    assert res.storage_m3(52.5) == pytest.approx(0.5e6)
    assert res.storage_m3(57.5) == pytest.approx(3.0e6)
    assert res.storage_m3(62.0) == pytest.approx(6.6e6)  # last area kept above the table
    for level in (50.0, 51.3, 55.0, 59.99, 61.0):
        assert res.level_m(res.storage_m3(level)) == pytest.approx(level, abs=1e-12)


def test_spillway_rating_and_gates() -> None:
    res = prismatic(gate_count=4)
    assert res.spillway_m3s(9.0) == 0.0
    assert res.spillway_m3s(11.0) == pytest.approx(2.0 * 20.0 * 1.0)
    assert res.spillway_m3s(14.0) == pytest.approx(2.0 * 20.0 * 8.0)
    assert res.spillway_m3s(14.0, gates_open=1) == pytest.approx(2.0 * 5.0 * 8.0)
    assert res.spillway_m3s(14.0, gates_open=0) == 0.0


def test_draining_matches_the_analytic_solution() -> None:
    # A dH/dt = -C L H^1.5  =>  H(t) = (H0^-1/2 + C L t / (2A))^-2
    t = hours(48)
    out = prismatic().route(np.zeros_like(t), time_s=t, initial_level_m=12.0, max_step_s=30.0)
    head = (2.0**-0.5 + 40.0 * t / (2.0 * AREA_M2)) ** -2
    assert np.max(np.abs(out.level_m.values - 10.0 - head)) < 1e-6
    np.testing.assert_allclose(out.release_m3s.values, 40.0 * head**1.5, rtol=1e-5)


def test_one_large_step_matches_a_hand_computed_puls_step() -> None:
    # Level at the crest, 0 -> 100 m³/s over one hour, one step of 3600 s:
    # S + 1800·40·(S/A)^1.5 = 1800·100 = 1.8e5 m³ (storage above the crest).
    # By hand: with h = S/A, h + 0.072·h^1.5 = 0.18  =>  h = 0.1747408 m (by bisection).
    t = np.array([0.0, 3600.0])
    out = prismatic().route(
        np.array([0.0, 100.0]), time_s=t, initial_level_m=10.0, max_step_s=3600.0
    )
    assert float(out.level_m[1]) - 10.0 == pytest.approx(0.1747408, abs=1e-7)
    assert float(out.release_m3s[1]) == pytest.approx(40.0 * 0.1747408**1.5, rel=1e-5)


def test_triangle_hydrograph_against_an_independent_rk4_reference() -> None:
    t = hours(40)
    q_in = triangle(t, 800.0, 6 * 3600.0, 18 * 3600.0)
    out = prismatic().route(q_in, time_s=t, max_step_s=60.0)

    def rhs(tt: float, h: float) -> float:
        inflow = np.interp(tt, t, q_in)
        return float(inflow - 40.0 * max(h, 0.0) ** 1.5) / AREA_M2

    h, ref = 0.0, [0.0]
    dt = 10.0
    for k in range(1, t.size):
        for j in range(int(3600 / dt)):
            tt = t[k - 1] + j * dt
            k1 = rhs(tt, h)
            k2 = rhs(tt + dt / 2, h + dt / 2 * k1)
            k3 = rhs(tt + dt / 2, h + dt / 2 * k2)
            k4 = rhs(tt + dt, h + dt * k3)
            h += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        ref.append(h)
    assert np.max(np.abs(out.level_m.values - 10.0 - np.array(ref))) < 2e-4


def test_attenuation_lag_and_peak_on_the_falling_limb() -> None:
    t = hours(48, 0.25)
    q_in = triangle(t, 2500.0, 8 * 3600.0, 24 * 3600.0)
    big = prismatic(storage_volumes_m3=[0.0, 20.0 * 2.0e7], spillway_width_m=100.0)
    out = big.route(q_in, time_s=t)
    release = out.release_m3s.values
    k_peak = int(np.argmax(release))
    assert release[k_peak] < 0.5 * q_in.max()  # attenuated (1,106 of 2,500 m³/s)
    assert t[k_peak] >= 8 * 3600.0 + 8 * 3600.0  # 9 h later
    # level-pool: the release peaks where it crosses the falling inflow
    assert release[k_peak] == pytest.approx(q_in[k_peak], rel=0.02)
    assert int(np.argmax(out.level_m.values)) == k_peak


def test_mass_balance_closes() -> None:
    t = hours(72)
    q_in = triangle(t, 3000.0, 10 * 3600.0, 40 * 3600.0) + 50.0
    turbine = xr.DataArray([200.0, 200.0, 0.0], coords={"time": [0.0, 36000.0, t[-1]]}, dims="time")
    gates = xr.DataArray([1.0, 4.0, 2.0], coords={"time": [0.0, 20000.0, 50000.0]}, dims="time")
    out = prismatic(gate_count=4).route(
        q_in, time_s=t, turbine_m3s=turbine, gates_open=gates, initial_level_m=9.0
    )
    change = out.attrs["storage_change_m3"]
    assert change == pytest.approx(float(out.storage_m3[-1] - out.storage_m3[0]))
    assert out.attrs["volume_in_m3"] == pytest.approx(np.trapezoid(q_in, t), rel=1e-12)
    assert abs(out.attrs["volume_error_m3"]) < 1e-9 * out.attrs["volume_in_m3"]
    # finely sampled output series close the balance too (to the trapezoid's sampling error)
    fine = np.arange(0.0, t[-1] + 1.0, 300.0)
    out = prismatic().route(np.interp(fine, t, q_in), time_s=fine, initial_level_m=9.0)
    released = np.trapezoid(out.release_m3s.values, fine)
    gain = np.trapezoid(out.inflow_m3s.values, fine) - released
    assert float(out.storage_m3[-1] - out.storage_m3[0]) == pytest.approx(gain, rel=1e-3)


def test_gate_schedule_holds_until_the_next_entry() -> None:
    t = hours(6)
    gates = xr.DataArray([0.0, 2.0], coords={"time": [0.0, 3 * 3600.0]}, dims="time")
    out = prismatic(gate_count=2).route(
        np.full(t.size, 100.0), time_s=t, gates_open=gates, initial_level_m=11.0
    )
    spill = out.spillway_m3s.values
    assert np.all(spill[1:3] == 0.0)  # closed for the first three hours
    assert spill[4] > 0.0


def test_turbine_only_draws_down_linearly_and_stops_at_the_bottom() -> None:
    t = hours(10)
    out = prismatic().route(np.zeros(t.size), time_s=t, turbine_m3s=100.0, initial_level_m=1.0)
    # 100 m³/s from a 1 km² box: 0.36 m/h until empty after 10,000 s
    np.testing.assert_allclose(out.level_m.values[:3], [1.0, 0.64, 0.28], atol=1e-9)
    assert float(out.level_m[-1]) == 0.0
    assert float(out.turbine_m3s[-1]) == 0.0
    assert abs(out.attrs["volume_error_m3"]) < 1e-6


def test_datetime_time_and_dataset_shape() -> None:
    times = pd.date_range("2020-10-20", periods=25, freq="h").to_numpy()
    inflow = xr.DataArray(np.linspace(0, 600, 25), coords={"time": times}, dims="time")
    out = prismatic().route(inflow)
    assert set(out.data_vars) >= {"level_m", "storage_m3", "release_m3s", "inflow_m3s"}
    assert np.array_equal(out.time.values, times)
    for name in out.data_vars:
        assert out[name].attrs["units"] and out[name].attrs["long_name"]
    assert out.release_m3s.attrs["units"] == "m3 s-1"
    np.testing.assert_allclose(out.inflow_m3s.values, inflow.values)


def test_measured_release_and_hydrograph() -> None:
    idx = pd.date_range("2020-10-20", periods=4, freq="h", tz="Asia/Ho_Chi_Minh")
    outflow = pd.Series([100.0, 1500.0, 2500.0, 800.0], index=idx)
    ds = measured_release(outflow, name="Bình Điền")
    assert np.isnan(ds.level_m.values).all()
    q = release_hydrograph(ds)
    assert q.dims == ("time",) and q.name == "discharge" and q.attrs["units"] == "m3 s-1"
    np.testing.assert_allclose(q.values, outflow.values)
    assert q.time.values[0] == np.datetime64("2020-10-19T17:00")  # UTC
    routed = prismatic().route(np.full(3, 5.0), time_s=[0.0, 60.0, 120.0])
    assert release_hydrograph(routed).sizes["time"] == 3


def test_from_dam_record() -> None:
    dam = {
        "dam_id": "D1",
        "name": "Bình Điền",
        "storage_levels_m": "[60, 70, 85]",
        "storage_volumes_m3": "[1e8, 2e8, 4.2e8]",
        "spillway_crest_m": 70.0,
        "spillway_width_m": 60.0,
        "discharge_coeff": 2.1,
        "gate_count": 5,
    }
    res = Reservoir.from_dam(dam)
    assert res.gate_count == 5 and res.name == "Bình Điền"
    assert res.storage_m3(77.5) == pytest.approx(3.1e8)
    with pytest.raises(HydroError, match="lacks gate_count"):
        Reservoir.from_dam({k: v for k, v in dam.items() if k != "gate_count"})


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"storage_levels_m": [0.0, 20.0, 10.0], "storage_volumes_m3": [0, 1, 2]}, "increase"),
        ({"storage_volumes_m3": [5.0, 1.0]}, "increase strictly with level"),
        ({"storage_volumes_m3": [0.0]}, "one volume per level"),
        ({"storage_levels_m": "not json"}, "JSON list"),
        ({"spillway_width_m": -5.0}, "spillway_width_m must be >= 0"),
        ({"discharge_coeff": -1.7}, "discharge_coeff must be >= 0"),
        ({"discharge_coeff": float("nan")}, "finite"),
        ({"gate_count": -1}, "gate_count"),
    ],
)
def test_bad_reservoirs(kw: dict[str, object], message: str) -> None:
    with pytest.raises(HydroError, match=message):
        prismatic(**kw)


def test_bad_routing_inputs() -> None:
    res = prismatic(gate_count=2)
    t = hours(3)
    good = np.full(t.size, 10.0)
    with pytest.raises(HydroError, match=r"NaN .*interpolate_na"):
        res.route(np.array([1.0, np.nan, 2.0, 3.0]), time_s=t)
    with pytest.raises(HydroError, match=">= 0"):
        res.route(-good, time_s=t)
    with pytest.raises(HydroError, match="below the storage table"):
        res.route(good, time_s=t, initial_level_m=-1.0)
    with pytest.raises(HydroError, match="needs time_s"):
        res.route(good)
    with pytest.raises(HydroError, match="increase strictly"):
        res.route(good, time_s=t[::-1])
    with pytest.raises(HydroError, match=r"0\.\.2"):
        res.route(good, time_s=t, gates_open=3)
    with pytest.raises(HydroError, match="turbine_m3s"):
        res.route(good, time_s=t, turbine_m3s=-1.0)
    with pytest.raises(HydroError, match="max_step_s"):
        res.route(good, time_s=t, max_step_s=0.0)
    with pytest.raises(HydroError, match="no gates"):
        prismatic().route(good, time_s=t, gates_open=1)
    dt_gates = xr.DataArray([1.0], coords={"time": [np.datetime64("2020-01-01")]}, dims="time")
    with pytest.raises(HydroError, match="same kind of time"):
        res.route(good, time_s=t, gates_open=dt_gates)
    with pytest.raises(HydroError, match="storage table"):
        res.storage_m3(-0.5)
    with pytest.raises(HydroError, match="no release_m3s"):
        release_hydrograph(xr.Dataset())
    with pytest.raises(HydroError, match="NaN"):
        measured_release(pd.Series([1.0, np.nan], index=[0.0, 60.0]))
