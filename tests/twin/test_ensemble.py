"""twin.ensemble: specs, perturbations, summaries, and members on real Dask worker processes."""

from __future__ import annotations

import doctest
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from shapely.geometry import box

import twin.ensemble
import twin.ensemble.perturb
import twin.ensemble.spec
import twin.ensemble.summary
from twin import TwinError
from twin._scenario_forcing import Forcing, PointInflow
from twin.ensemble import (
    EnsembleSpec,
    Member,
    exceedance_probability,
    perturb_forcing,
    shift_in_time,
    ward_hazard,
)

# -- docstrings, specs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    [twin.ensemble, twin.ensemble.spec, twin.ensemble.perturb, twin.ensemble.summary],
)
def test_docstring_examples_run(module) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0


def test_spec_sampling_is_deterministic_with_a_control() -> None:
    raw = {
        "name": "t",
        "members": 5,
        "seed": 7,
        "perturb": {
            "rain_factor": {"kind": "lognormal", "median": 1.0, "sigma": 0.3},
            "rain_shift_h": {"kind": "uniform", "low": -2, "high": 2},
            "release_factor": {"kind": "triangular", "low": 0.5, "mode": 1.0, "high": 2.0},
            "manning_factor": {"kind": "normal", "mean": 1.0, "sd": 5.0},
        },
    }
    a = EnsembleSpec.model_validate(raw).sample_members()
    b = EnsembleSpec.model_validate(raw).sample_members()
    assert a == b
    assert a[0].is_control and not a[1].is_control
    assert [m.index for m in a] == [0, 1, 2, 3, 4]
    assert all(-2 <= m.rain_shift_h <= 2 and 0.5 <= m.release_factor <= 2 for m in a)
    assert all(m.manning_factor >= 1e-3 for m in a)  # a wide normal is clipped above zero
    other = EnsembleSpec.model_validate({**raw, "seed": 8}).sample_members()
    assert other[1] != a[1]
    no_control = EnsembleSpec.model_validate({**raw, "control": False}).sample_members()
    assert not no_control[0].is_control


def test_spec_from_toml_and_every_problem_listed(tmp_path: Path) -> None:
    good = tmp_path / "ens.toml"
    good.write_text(
        'name = "e"\nscenario = "quick.toml"\nmembers = 3\n'
        '[perturb.rain_factor]\nkind = "values"\nvalues = [0.5, 2.0]\n',
        encoding="utf-8",
    )
    spec = EnsembleSpec.from_toml(good)
    assert spec.scenario_path() == tmp_path.resolve() / "quick.toml"
    assert [m.rain_factor for m in spec.sample_members()] == [1.0, 0.5, 2.0]
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "e e"\nmembers = 0\n[perturb.rain_factor]\nkind = "uniform"\nlow = 2\n'
        '[perturb.wind]\nkind = "fixed"\nvalue = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(TwinError) as err:
        EnsembleSpec.from_toml(bad)
    assert len(err.value.problems) == 4  # name, members, uniform without high, unknown wind
    assert any("needs high" in p for p in err.value.problems)
    with pytest.raises(TwinError, match="not found"):
        EnsembleSpec.from_toml(tmp_path / "missing.toml")
    with pytest.raises(TwinError, match="names no scenario"):
        EnsembleSpec.model_validate({"name": "x", "members": 1}).scenario_path()


# -- perturbations ----------------------------------------------------------------------------


def test_perturb_scales_rain_dams_and_roughness_only() -> None:
    elevation = xr.DataArray(np.zeros((2, 2)), coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    rain = xr.DataArray([60.0, 60.0, 0.0], coords={"time": [0.0, 600.0, 601.0]}, dims="time")
    rain.attrs["units"] = "mm h-1"
    base = Forcing(elevation, 0.03, rain, inflows=[PointInflow("dam A", 5.0, 5.0, 0.5)])
    grid_n = xr.full_like(base.elevation, 0.04)
    base_grid = Forcing(**{**base.__dict__, "manning": grid_n})
    member = Member(index=1, rain_factor=2.0, release_factor=3.0, manning_factor=0.5)
    out = perturb_forcing(base_grid, member)
    np.testing.assert_allclose(out.rain_mm_h.values, [120.0, 120.0, 0.0])
    assert out.rain_mm_h.attrs["units"] == "mm h-1"
    assert out.inflows[0].discharge == pytest.approx(1.5)
    np.testing.assert_allclose(out.manning.values, 0.02)
    # the base is untouched
    np.testing.assert_allclose(base.rain_mm_h.values, [60.0, 60.0, 0.0])
    assert base.inflows[0].discharge == 0.5
    river = Forcing(**{**base.__dict__, "inflows": [PointInflow("river", 0.0, 0.0, 5.0)]})
    assert perturb_forcing(river, member).inflows[0].discharge == 5.0
    assert perturb_forcing(base, Member(index=0)) == base


def test_shift_in_time_later_and_earlier() -> None:
    rain = xr.DataArray(
        [0.0, 10.0, 10.0, 0.0], coords={"time": [0.0, 1.0, 3600.0, 3601.0]}, dims="time"
    )
    later = shift_in_time(rain, 1800.0)
    assert later.interp(time=900.0).item() == 0.0
    assert later.interp(time=1801.0 + 1000).item() == 10.0
    earlier = shift_in_time(rain, -1800.0)
    assert earlier["time"].values[0] == 0.0
    assert earlier.interp(time=0.0).item() == 10.0
    assert earlier.interp(time=1801.0).item() == 0.0
    gone = shift_in_time(rain, -7200.0)
    assert float(gone.max()) == 0.0
    grid = xr.DataArray(np.ones((2, 2, 2)), coords={"time": [0.0, 60.0]}, dims=("time", "y", "x"))
    assert shift_in_time(grid, 120.0).sizes["time"] == 4


# -- summaries --------------------------------------------------------------------------------


def test_exceedance_and_ward_probabilities_by_hand() -> None:
    x = np.array([5.0, 15.0, 25.0, 35.0])
    y = np.array([15.0, 5.0])  # two identical rows
    depth = np.array([[[0.0, 0.2, 0.6, 1.2]], [[0.0, 0.6, 0.6, 0.0]], [[0.3, 0.6, 2.0, 0.0]]])
    cls = np.array([[[0, 1, 2, 0]], [[0, 3, 1, 0]], [[1, 1, 1, 2]]], dtype=np.int8)
    depth, cls = depth.repeat(2, axis=1), cls.repeat(2, axis=1)
    ds = xr.Dataset(
        {
            "max_depth": (("member", "y", "x"), depth),
            "max_hazard_class": (("member", "y", "x"), cls),
        },
        coords={"member": [0, 1, 2], "x": x, "y": y},
    )
    p = exceedance_probability(ds, [0.5, 1.0])
    np.testing.assert_allclose(p.sel(threshold_m=0.5).values[0], [0, 2 / 3, 1, 1 / 3])
    np.testing.assert_allclose(p.sel(threshold_m=1.0).values[0], [0, 0, 1 / 3, 1 / 3])
    wards = gpd.GeoDataFrame(
        {"ward_id": ["A", "B", "OFF"], "name": ["Á", "B", "off"], "population": [10, 20, 5]},
        geometry=[box(0, 0, 20, 20), box(20, 0, 40, 20), box(100, 100, 110, 110)],
    )
    built_up = np.array([[0, 0, 0, 1], [0, 0, 0, 1]], dtype=bool)  # B lives in column 3
    out = ward_hazard(ds, wards, built_up=built_up)
    # A has no built-up cell: 2.5 people in each of its 4 cells (columns 0-1)
    np.testing.assert_allclose(out.ward_people_by_class.sel(ward="A", member=1), [5, 0, 0, 5])
    assert out.ward_hazard_class.sel(ward="A").values.tolist() == [1, 3, 1]
    assert out.ward_hazard_class.sel(ward="B").values.tolist() == [0, 0, 2]
    np.testing.assert_allclose(out.ward_hazard_probability.sel(ward="A"), [0, 2 / 3, 0, 1 / 3])
    np.testing.assert_allclose(out.ward_hazard_probability.sel(ward="B"), [2 / 3, 0, 1 / 3, 0])
    # OFF lies outside the grid: nobody of it on the grid, its probabilities unknown
    assert out.ward_hazard_class.sel(ward="OFF").values.tolist() == [-1, -1, -1]
    assert np.isnan(out.ward_hazard_probability.sel(ward="OFF")).all()
    assert out["ward_name"].values.tolist() == ["Á", "B", "off"]
    # half of A meets class 1 or worse: not enough when 60 % must
    strict = ward_hazard(ds, wards, built_up=built_up, min_share=0.6)
    assert strict.ward_hazard_class.sel(ward="A").values.tolist() == [0, 0, 1]
    with pytest.raises(TwinError, match="min_share"):
        ward_hazard(ds, wards, min_share=0.0)
    summary = twin.ensemble.summarise(ds, thresholds_m=[0.5], wards=wards, built_up=built_up)
    assert summary["ward_hazard_probability"].dims == ("ward", "hazard_class")
    assert summary["exceedance_probability"].dims == ("threshold_m", "y", "x")
    with pytest.raises(TwinError, match="thresholds"):
        exceedance_probability(ds, [])
    with pytest.raises(TwinError, match="member"):
        exceedance_probability(ds.isel(member=0), [0.5])


def test_cli_reports_a_bad_spec_without_a_traceback(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nmembers = -1\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["ensemble", str(bad)])
    assert result.exit_code == 2
    assert "members" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["ensemble", str(tmp_path / "none.toml")])
    assert missing.exit_code == 2 and "not found" in missing.output
