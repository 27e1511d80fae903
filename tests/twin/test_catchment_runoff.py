"""Rain on catchments to inflow hydrographs; the demo's calibration on October 2025."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr

import layers
from hydro import Reservoir
from hydro.operating_rules import load_rules, operate
from twin import TwinError
from twin._scenario_forcing import design_hyetograph, step_series
from twin.catchment_runoff import (
    catchment_inflows,
    catchment_rain,
    gauge_catchment_rain,
    inflows_by_outlet,
)
from twin.scenario import DesignRain, Scenario

ROOT = Path(__file__).resolve().parents[2]
CRS = "EPSG:32648"


def two_catchments(**overrides: object) -> gpd.GeoDataFrame:
    """Two 10 x 10 km squares side by side, SCS with Clark; the second has rain_factor 2."""
    rows = []
    for i, (cid, factor) in enumerate((("a", 1.0), ("b", 2.0))):
        rows.append(
            {
                "catchment_id": cid,
                "name": cid,
                "outlet_kind": "dam",
                "outlet_id": f"dam-{cid}",
                "area_km2": 100.0,
                "runoff_model": "scs",
                "curve_number": 80.0,
                "amc": "II",
                "initial_abstraction_ratio": 0.2,
                "tc_h": 3.0,
                "storage_h": 2.0,
                "gr4h_x1_mm": 300.0,
                "gr4h_x2_mmh": 0.0,
                "gr4h_x3_mm": 80.0,
                "gr4h_x4_h": 6.0,
                "rain_factor": factor,
                "baseflow_m3s": 0.0,
                "entry_x": np.nan,
                "entry_y": np.nan,
                "geometry": shapely.box(i * 10_000, 0, (i + 1) * 10_000, 10_000),
                **overrides,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def uniform(total_mm: float, hours: float, until_h: float) -> xr.DataArray:
    t = np.array([0.0, hours * 3600 - 1, hours * 3600, until_h * 3600])
    v = np.array([1.0, 1.0, 0.0, 0.0]) * total_mm / hours
    return xr.DataArray(v, coords={"time": t}, dims="time")


def test_uniform_rain_is_integrated_exactly_and_scaled() -> None:
    rain = catchment_rain(two_catchments(), uniform(60.0, 6.0, 48.0), step_s=1800.0)
    assert rain.index[0] == 1800.0 and rain.index[-1] == 48 * 3600.0
    assert rain["a"].sum() == pytest.approx(60.0, rel=1e-4)
    assert rain["b"].sum() == pytest.approx(120.0, rel=1e-4)  # rain_factor 2
    assert rain["a"].iloc[0] == pytest.approx(5.0, rel=1e-3)  # 10 mm/h over half an hour


def test_inflow_volume_is_the_curve_number_runoff() -> None:
    cats = two_catchments()
    rain = catchment_rain(cats, uniform(100.0, 4.0, 96.0), end_s=120 * 3600.0)
    q = catchment_inflows(cats, rain)
    assert q.dims == ("catchment", "time") and q.attrs["units"] == "m3 s-1"
    assert list(q["outlet_id"].values) == ["dam-a", "dam-b"]
    s = 25400 / 80 - 254
    for cid, p in (("a", 100.0), ("b", 200.0)):
        runoff_mm = (p - 0.2 * s) ** 2 / (p + 0.8 * s)
        volume = float(q.sel(catchment=cid).sum()) * 3600.0
        assert volume == pytest.approx(runoff_mm * 1e-3 * 100e6, rel=1e-4)


def test_gridded_rain_is_averaged_over_each_catchment() -> None:
    x = np.arange(500.0, 20_000, 1000.0)
    y = np.arange(9500.0, 0, -1000.0)
    t = np.array([0.0, 3600.0])
    # 1 mm/h at x < 10 km, 3 mm/h beyond: catchment a gets 1, b gets 3 (no rain_factor)
    field = np.where(x[None, None, :] < 10_000, 1.0, 3.0) * np.ones((2, y.size, 1))
    rain = xr.DataArray(field, coords={"time": t, "y": y, "x": x}, dims=("time", "y", "x"))
    out = catchment_rain(two_catchments(), rain)
    assert out["a"].iloc[0] == pytest.approx(1.0) and out["b"].iloc[0] == pytest.approx(3.0)


def test_catchments_off_the_rain_grid_are_all_named() -> None:
    x = np.arange(500.0, 5000, 1000.0)
    y = np.arange(4500.0, 0, -1000.0)
    rain = xr.DataArray(
        np.ones((2, y.size, x.size)),
        coords={"time": [0.0, 3600.0], "y": y, "x": x},
        dims=("time", "y", "x"),
    )
    with pytest.raises(TwinError) as err:
        catchment_rain(two_catchments(), rain)
    text = str(err.value)
    assert "'a' lies partly outside" in text and "'b' lies outside" in text


def test_gauge_rain_by_inverse_distance() -> None:
    cats = two_catchments()
    t = [0.0, 3600.0, 7200.0, 10800.0]
    readings = pd.DataFrame({"g1": [4.0] * 4, "g2": [np.nan, np.nan, 8.0, 8.0]}, index=t)
    xy = {"g1": (5_000.0, 5_000.0), "g2": (15_000.0, 5_000.0)}
    out = gauge_catchment_rain(cats, xy, readings)
    assert out.loc[3600.0, "a"] == pytest.approx(4.0)  # g2 missing: g1 alone
    a, b = out.loc[10800.0, "a"], out.loc[10800.0, "b"]
    assert 4.0 < a < 6.0 < b < 8.0  # the nearer gauge weighs more
    assert a + b == pytest.approx(12.0)  # the two squares mirror each other
    with pytest.raises(TwinError, match="no position"):
        gauge_catchment_rain(cats, {"g1": (0.0, 0.0)}, readings)


def test_gr4h_catchments_and_every_problem_at_once() -> None:
    cats = two_catchments(runoff_model="gr4h")
    rain = catchment_rain(cats, uniform(50.0, 5.0, 72.0))
    q = catchment_inflows(cats, rain)
    assert float(q.max()) > 0
    bad = two_catchments()
    bad.loc[0, "tc_h"] = np.nan
    bad.loc[1, "runoff_model"] = "hbv"
    with pytest.raises(TwinError) as err:
        catchment_inflows(bad, rain)
    assert "a: the scs model needs tc_h" in str(err.value)
    assert "b: unknown runoff_model 'hbv'" in str(err.value)
    with pytest.raises(TwinError, match="an hourly step"):
        catchment_inflows(
            cats, catchment_rain(cats, uniform(50.0, 5.0, 72.0), step_s=900.0), step_s=900.0
        )


def test_inflows_by_outlet() -> None:
    cats = two_catchments()
    cats.loc[1, ["outlet_kind", "outlet_id", "entry_x", "entry_y"]] = ["edge", "river", 5.0, 6.0]
    third = cats.iloc[[1]].assign(catchment_id="c")
    cats = pd.concat([cats, third], ignore_index=True)
    q = catchment_inflows(cats, catchment_rain(cats, uniform(80.0, 4.0, 48.0)))
    dams, entries = inflows_by_outlet(q)
    assert list(dams) == ["dam-a"] and dams["dam-a"].dims == ("time",)
    assert np.allclose(dams["dam-a"].values, q.sel(catchment="a").values)
    ((x, y, edge),) = entries  # b and c enter at the same point: summed
    assert (x, y) == (5.0, 6.0)
    assert np.allclose(edge.values, 2 * q.sel(catchment="b").values)
    cats.loc[2, "entry_x"] = np.nan
    with pytest.raises(TwinError, match=r"without entry_x/entry_y: \['c'\]"):
        inflows_by_outlet(catchment_inflows(cats, catchment_rain(cats, uniform(80.0, 4.0, 48.0))))


def kim_long_feed() -> pd.Series:
    """Kim Long in the sample feed (Huế time), without its planted 9.85 m spike."""
    feed = pd.read_csv(ROOT / "data/hue/sensors/river_gauges.csv")
    kl = feed[(feed.station_id == "kim-long") & (feed.value < 8.0)].drop_duplicates("time")
    index = pd.to_datetime(kl.time).dt.tz_localize(None)
    return pd.Series(kl.value.to_numpy(), index=pd.DatetimeIndex(index)).sort_index()


@pytest.mark.slow
def test_october_2025_calibration_of_the_demo() -> None:
    """Calibration of a synthetic demo (not a validation): the scenario's rain on the
    catchments gives Tả Trạch's published inflow, and its operating rules the release."""
    city = layers.load_city(layers.ensure_demo_city())
    scenario = Scenario.from_toml(ROOT / "data/hue/scenarios/oct2025.toml", check_city=False)
    assert isinstance(scenario.rain, DesignRain) and scenario.rain.total_mm is not None
    edges, unit = design_hyetograph(scenario.rain)
    t, v = step_series(edges, unit * scenario.rain.total_mm)
    rain = xr.DataArray(v, coords={"time": t}, dims="time")
    rain_mm = catchment_rain(city.catchments, rain, end_s=scenario.duration_s)
    inflow = catchment_inflows(city.catchments, rain_mm).sel(catchment="ta-trach")
    volume_in = float(inflow.sum()) * 3600.0
    peak_in = float(inflow.max())
    assert peak_in > 6900.0  # published: above 6,900 m³/s
    assert volume_in == pytest.approx(917e6, rel=0.15)  # published: 917 million m³
    start = scenario.start_utc.tz_convert("Asia/Ho_Chi_Minh").tz_localize(None)
    series = pd.Series(inflow.values, index=start + pd.to_timedelta(inflow["time"].values, "s"))
    kim_long = kim_long_feed()
    clock = (kim_long.index - kim_long.index[0]).total_seconds()

    def downstream(time: pd.Timestamp, _release: float) -> dict[str, float]:
        at = (time - kim_long.index[0]).total_seconds()
        return {"kim-long": float(np.interp(at, clock, kim_long.to_numpy()))}

    dam = city.dams.set_index("dam_id").loc["ta-trach"]
    reservoir = Reservoir.from_dam({**dam.to_dict(), "name": "Tả Trạch"})
    rules = load_rules(
        ROOT / "data/hue/rules/ta-trach.toml", known_gauges=set(city.gauges.gauge_id)
    )
    # 38.0 m: the dam's first reading in the sample feed (data/hue/sensors/dams.json)
    routed, log = operate(reservoir, rules, series, initial_level_m=38.0, downstream=downstream)
    released = routed.attrs["volume_released_m3"]
    assert released == pytest.approx(651e6, rel=0.15)  # published: 651 million m³
    assert routed.release_m3s.max() < 0.8 * peak_in  # the dam cuts the peak
    assert "hold back while Kim Long is above BĐ2 (2.0 m)" in set(log["rule"])
    print(
        f"Tả Trạch, 26-28 Oct 2025 (demo calibration): inflow peak {peak_in:,.0f} m³/s, "
        f"{volume_in / 1e6:,.0f} million m³ in, {released / 1e6:,.0f} million m³ released, "
        f"peak release {float(routed.release_m3s.max()):,.0f} m³/s, "
        f"peak level {float(routed.level_m.max()):.2f} m"
    )


@pytest.mark.parametrize("dam_id", ["ta-trach", "binh-dien", "huong-dien"])
def test_demo_rules_files_load(dam_id: str) -> None:
    rules = load_rules(ROOT / f"data/hue/rules/{dam_id}.toml", known_gauges={"kim-long", "phu-oc"})
    assert rules.dam_id == dam_id
    assert {r.kind for r in rules.rules} == {"spill", "hold_back", "pre_release", "pass_inflow"}
