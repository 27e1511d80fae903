"""Scenario files: the schema, every problem in one error, checks against the city, forcings."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr
from shapely.geometry import Point

from twin import TwinError
from twin._scenario_check import city_problems
from twin._scenario_forcing import (
    apply_forcing,
    build_forcing,
    design_hyetograph,
    idw_weights,
    resample_grid,
)
from twin.scenario import DesignRain, Scenario

GOOD = """
name = "quick"
city = "city"
resolution_m = 20
start = 2020-10-06T00:00:00+07:00
duration = "2h"

[rain]
kind = "design"
total_mm = 60
hours = 1
shape = "chicago"

[[dams]]
dam_id = "binh-dien"
mode = "schedule"
release_m3s = [[0, 950], [1, 1800]]

[[inflows]]
name = "Bồ river base flow"
x = 150
y = 150
discharge_m3s = 50

[[boundaries]]
edge = "north"
kind = "level"
level_m = [[0, 0.5], [2, 0.8]]

[initial]
water_level_m = 1.0

[solver]
theta = 1.0

[output]
format = "zarr"
every = "15min"
"""

BAD = """
name = "bad name!"
resolution_m = -5
start = 2020-10-06T00:00:00
duration = "forever"
colour = "blue"

[rain]
kind = "design"
total_mm = 100
points = [{lon = 107.6, lat = 16.4, total_mm = 900}]
hours = 0

[[dams]]
dam_id = "binh-dien"
mode = "routing"

[[dams]]
dam_id = "ta-trach"
mode = "schedule"
release_m3s = [[2, 100], [1, 200]]

[[boundaries]]
edge = "up"
level_m = 0.5

[solver]
alpha = 2

[output]
format = "grib"
"""


def fake_city() -> SimpleNamespace:
    """A 20 x 20 grid of 10 m cells, one dam and one rain gauge."""
    x = np.arange(5.0, 200.0, 10.0)
    y = np.arange(195.0, 0.0, -10.0)
    dem = xr.DataArray(
        np.tile(np.linspace(0.0, 3.8, 20, dtype=np.float32), (20, 1)),
        coords={"y": y, "x": x},
        dims=("y", "x"),
        name="elevation",
        attrs={"units": "m"},
    ).rio.write_crs("EPSG:32648")
    dams = gpd.GeoDataFrame(
        {
            "dam_id": ["binh-dien"],
            "name": ["Bình Điền"],
            "normal_level_m": [85.0],
            "entry_x": [15.0],
            "entry_y": [105.0],
        },
        geometry=[Point(-5000, 0)],
        crs="EPSG:32648",
    )
    gauges = gpd.GeoDataFrame(
        {"gauge_id": ["rain-hue"], "kind": ["rain"]}, geometry=[Point(100, 100)], crs="EPSG:32648"
    )
    return SimpleNamespace(
        crs=dem.rio.crs,
        dem=dem,
        manning=xr.full_like(dem, 0.03),
        dams=dams,
        gauges=gauges,
    )


def test_good_file_parses(tmp_path: Path) -> None:
    path = tmp_path / "quick.toml"
    path.write_text(GOOD, encoding="utf-8")
    s = Scenario.from_toml(path, check_city=False)
    assert s.duration_s == 7200.0
    assert s.start_utc.isoformat() == "2020-10-05T17:00:00+00:00"
    assert s.output.format == "zarr" and s.output.every.total_seconds() == 900.0
    assert s.resolve_path("city") == (tmp_path / "city").resolve()
    assert city_problems(s, fake_city()) == []


def test_bad_file_lists_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(TwinError) as info:
        Scenario.from_toml(path, check_city=False)
    problems = info.value.problems
    text = "\n".join(problems)
    assert all(p.startswith("bad.toml: ") for p in problems)
    for key in (
        "name:",
        "resolution_m:",
        "start: give the start with its time zone",
        "duration: not a duration",
        "colour: Extra inputs",
        "rain.hours:",
        'dams[0]: mode "routing" needs inflow_m3s',
        "dams[1]: release_m3s: hours must increase",
        "boundaries[0].edge:",
        "output.format:",
        "solver.alpha:",
    ):
        assert key in text, key
    assert len(problems) == 11


def test_design_rain_needs_one_total(tmp_path: Path) -> None:
    with pytest.raises(TwinError, match="exactly one of total_mm"):
        Scenario.from_dict(
            {
                "name": "x",
                "resolution_m": 10,
                "start": "2020-10-06T00:00:00+07:00",
                "duration": "1h",
                "rain": {"kind": "design", "hours": 1},
            },
            check_city=False,
        )


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(TwinError, match="not valid TOML"):
        Scenario.from_toml(path)
    with pytest.raises(TwinError, match="not found"):
        Scenario.from_toml(tmp_path / "nope.toml")


def test_checks_against_the_city() -> None:
    s = Scenario.model_validate(
        {
            "name": "x",
            "resolution_m": 5,
            "start": "2020-10-06T00:00:00+07:00",
            "duration": "1h",
            "dams": [{"dam_id": "a-luoi", "mode": "schedule", "release_m3s": [[0, 10]]}],
            "inflows": [
                {"x": 5000, "y": 50, "discharge_m3s": 10},
                {"dam_id": "nope", "discharge_m3s": 10},
            ],
            "rain": {
                "kind": "gauges",
                "gauges": [
                    {"id": "rain-hue", "interval_minutes": 60, "mm": [10]},
                    {"id": "ghost", "interval_minutes": 60, "mm": [10]},
                ],
            },
        }
    )
    problems = city_problems(s, fake_city())
    assert len(problems) == 5
    assert problems[0].startswith("resolution_m: 5 m is finer than the DEM's 10 m")
    assert "unknown dam 'a-luoi' (the city has binh-dien)" in problems[1]
    assert problems[2].startswith("inflows[0]: the point (5000, 50) m is off the DEM")
    assert "unknown dam 'nope'" in problems[3]
    assert problems[4].startswith("rain.gauges[1]: gauge 'ghost' has no point")
    s2 = s.model_copy(update={"resolution_m": 100.0})
    assert any("fewer than 3 cells" in p for p in city_problems(s2, fake_city()))


@pytest.mark.parametrize("shape", ["uniform", "triangular", "chicago"])
def test_design_storm_keeps_its_total(shape: str) -> None:
    rain = DesignRain(kind="design", total_mm=1, hours=3, shape=shape, peak_fraction=0.4)
    edges, intensity = design_hyetograph(rain)
    assert float((intensity * np.diff(edges) / 3600).sum()) == pytest.approx(1.0)
    assert edges[0] == 0.0 and edges[-1] == 3 * 3600.0
    if shape == "chicago":
        assert int(np.argmax(intensity)) == 4  # the block holding 0.4 * 3 h = 72 min


def test_idw_weights() -> None:
    w = idw_weights([0, 100], [0, 0], [25], [0], power=2)
    # weights 1/25^2 and 1/75^2: 9/10 and 1/10
    assert w[0].tolist() == pytest.approx([0.9, 0.1])


def test_resample_by_block_means() -> None:
    dem = fake_city().dem
    coarse = resample_grid(dem, 20.0)
    assert coarse.shape == (10, 10)
    assert float(coarse[0, 0]) == pytest.approx(float(dem[:2, :2].mean()))
    assert coarse.rio.crs == dem.rio.crs
    odd = resample_grid(dem, 30.0)
    assert odd.shape == (7, 7) or odd.shape == (6, 6)


def test_build_forcing(tmp_path: Path) -> None:
    path = tmp_path / "quick.toml"
    path.write_text(GOOD, encoding="utf-8")
    s = Scenario.from_toml(path, check_city=False)
    f = build_forcing(s, fake_city())
    assert f.elevation.shape == (10, 10)
    assert f.solver == {"theta": 1.0}
    assert f.rain_mean_total_mm == pytest.approx(60.0)
    rain = f.rain_mm_h
    assert rain is not None and rain.attrs["units"] == "mm h-1"
    total = float(rain.integrate("time")) / 3600.0
    assert total == pytest.approx(60.0, rel=0.01)
    names = [i.name for i in f.inflows]
    assert names == ["dam binh-dien", "Bồ river base flow"]
    release = f.inflows[0].discharge
    assert isinstance(release, xr.DataArray) and release.values.tolist() == [950.0, 1800.0]
    assert f.dam_operations["binh-dien"]["release_m3s"].max() == 1800.0
    edge, kind, level = f.boundaries[0]
    assert (edge, kind) == ("north", "level") and isinstance(level, xr.DataArray)
    assert f.initial_depth is not None
    # bed 0 .. 3.8 m along x, coarsened in pairs; water to 1.0 m where the bed is lower
    assert float(f.initial_depth.max()) == pytest.approx(1.0 - float(f.elevation[0, 0]))
    assert float(f.initial_depth[0, -1]) == 0.0


def test_spatial_design_rain_follows_the_stations() -> None:
    s = Scenario.model_validate(
        {
            "name": "x",
            "resolution_m": 10,
            "start": "2020-10-06T00:00:00+07:00",
            "duration": "1h",
            "rain": {
                "kind": "design",
                "hours": 1,
                "points": [
                    {"x": 0, "y": 100, "total_mm": 100},
                    {"x": 200, "y": 100, "total_mm": 10},
                ],
            },
        }
    )
    f = build_forcing(s, fake_city())
    rain = f.rain_mm_h
    assert rain is not None and rain.dims == ("time", "y", "x")
    assert 10.0 < f.rain_mean_total_mm < 100.0


def test_gauge_rain_by_inverse_distance() -> None:
    s = Scenario.model_validate(
        {
            "name": "x",
            "resolution_m": 10,
            "start": "2020-10-06T00:00:00+07:00",
            "duration": "2h",
            "rain": {
                "kind": "gauges",
                "gauges": [
                    {"id": "rain-hue", "interval_minutes": 60, "mm": [10, 20]},
                    {"id": "far", "x": 5, "y": 195, "interval_minutes": 30, "mm": [5, 5, 5, 5]},
                ],
            },
        }
    )
    f = build_forcing(s, fake_city())
    rain = f.rain_mm_h
    assert rain is not None and rain.dims == ("time", "y", "x")
    # on the rain-hue gauge's cell: 10 mm/h in the first hour, 20 in the second
    at_gauge = rain.sel(x=100.0, y=100.0, method="nearest")
    assert float(at_gauge.integrate("time")) / 3600 == pytest.approx(30.0, rel=0.01)
    assert 20.0 < f.rain_mean_total_mm < 30.0  # between the two gauges' totals


def test_gridded_rain_from_netcdf(tmp_path: Path) -> None:
    grid = xr.DataArray(
        np.full((3, 4, 4), 12.0),
        coords={
            "time": [0.0, 0.5, 1.0],
            "y": [175.0, 125.0, 75.0, 25.0],
            "x": [25.0, 75.0, 125.0, 175.0],
        },
        dims=("time", "y", "x"),
        name="rain",
        attrs={"units": "mm h-1"},
    )
    grid.to_dataset().to_netcdf(tmp_path / "rain.nc")
    raw = {
        "name": "x",
        "resolution_m": 10,
        "start": "2020-10-06T00:00:00+07:00",
        "duration": "1h",
        "rain": {"kind": "grid", "path": "rain.nc"},
    }
    path = tmp_path / "s.toml"
    path.write_text("", encoding="utf-8")
    s = Scenario.from_dict(raw, source=path, check_city=False)
    assert city_problems(s, fake_city()) == []
    f = build_forcing(s, fake_city())
    assert f.rain_mean_total_mm == pytest.approx(12.0)
    assert f.rain_mm_h is not None and float(f.rain_mm_h["time"][-1]) == 3600.0
    bad = Scenario.from_dict(
        {**raw, "rain": {"kind": "grid", "path": "rain.nc", "variable": "pr"}},
        source=path,
        check_city=False,
    )
    assert "'pr' not in rain.nc" in city_problems(bad, fake_city())[0]


def test_dam_routing_holds_back_the_peak() -> None:
    city = fake_city()
    city.dams = city.dams.assign(
        spillway_crest_m=70.0,
        spillway_width_m=60.0,
        discharge_coeff=2.0,
        gate_count=4,
        storage_levels_m="[40, 70, 90]",
        storage_volumes_m3="[0, 2e7, 6e7]",
    )
    s = Scenario.model_validate(
        {
            "name": "x",
            "resolution_m": 10,
            "start": "2020-10-06T00:00:00+07:00",
            "duration": "12h",
            "dams": [
                {
                    "dam_id": "binh-dien",
                    "mode": "routing",
                    "inflow_m3s": [[0, 100], [3, 2000], [12, 100]],
                    "initial_level_m": 70.0,
                }
            ],
        }
    )
    f = build_forcing(s, city)
    table = f.dam_operations["binh-dien"]
    assert table["release_m3s"].max() < 2000.0
    assert table["level_m"].max() > 70.0
    assert table["elapsed_s"].iloc[int(table["release_m3s"].idxmax())] > 3 * 3600.0


def _with_edges(boundaries: list[dict[str, object]]) -> dict[str, object]:
    return {
        "name": "x",
        "resolution_m": 10,
        "start": "2020-10-06T00:00:00+07:00",
        "duration": "1h",
        "boundaries": boundaries,
    }


def test_a_river_enters_over_an_edge_stretch() -> None:
    from hydro import FloodModel

    s = Scenario.model_validate(
        _with_edges(
            [
                {"edge": "west", "kind": "free"},
                {"edge": "west", "kind": "discharge", "discharge_m3s": 20, "between_m": [80, 120]},
                {"edge": "west", "kind": "discharge", "discharge_m3s": [[0, 0], [1, 10]]},
            ]
        )
    )
    f = build_forcing(s, fake_city())
    assert f.boundaries == [("west", "free", None)]
    assert [(e, b) for e, _, b in f.edge_inflows] == [("west", (80.0, 120.0)), ("west", None)]
    model = FloodModel(f.elevation, manning=f.manning, dtype="float64")
    apply_forcing(model, f)
    model.run(until=3600)
    b = model.volume_balance
    # 20 m³/s for an hour and 0 -> 10 m³/s over it
    assert b["west_in_m3"] == pytest.approx(20 * 3600 + 5 * 3600, rel=1e-9)
    assert b["inflow_m3"] == pytest.approx(25 * 3600, rel=1e-9)


@pytest.mark.parametrize(
    ("edge", "message"),
    [
        ({"edge": "south", "kind": "discharge"}, 'kind "discharge" needs discharge_m3s'),
        ({"edge": "south", "kind": "free", "discharge_m3s": 3}, 'for kind "discharge"'),
        ({"edge": "south", "kind": "closed", "between_m": [0, 1]}, 'for kind "discharge"'),
        ({"edge": "south", "kind": "discharge", "discharge_m3s": -1}, "must be >= 0"),
        (
            {"edge": "south", "kind": "discharge", "discharge_m3s": [[1, 5], [0, 3]]},
            "hours must increase",
        ),
    ],
)
def test_bad_edge_discharge_is_refused(edge: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Scenario.model_validate(_with_edges([edge]))


def test_the_sea_is_held_and_initial_water_fills_only_its_body() -> None:
    from hydro import FloodModel

    city = fake_city()
    z = city.dem.values.copy()  # bed 0 (west) .. 3.8 m (east)
    z[:, :3] = -6.0  # a deep sea along the west edge
    z[:, 3:5] = 0.2  # its shore, under the initial level
    z[10, 15] = -1.0  # a hollow inland, below that level but cut off from the sea
    city.dem = city.dem.copy(data=z)
    s = Scenario.model_validate(
        {
            **_with_edges([{"edge": "west", "kind": "level", "level_m": 0.5}]),
            "sea_below_m": -3.0,
            "initial": {"water_level_m": 0.5},
        }
    )
    f = build_forcing(s, city)
    assert f.fixed_level is not None
    sea, level = f.fixed_level
    assert level == 0.5 and sea.values[:, :3].all() and int(sea.sum()) == 60
    assert f.initial_depth is not None
    depth = f.initial_depth.values
    assert depth[:, 3:5] == pytest.approx(0.3) and depth[10, 15] == 0.0
    assert float(f.elevation.min()) == -6.0  # no bed raised
    model = FloodModel(f.elevation, manning=f.manning, dtype="float64")
    apply_forcing(model, f)
    model.run(until=600)
    b = model.volume_balance
    assert abs(b["relative_error"]) < 1e-12
    assert float(model.depth.values[10, 15]) == 0.0
