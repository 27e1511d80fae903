"""Runs on a tiny synthetic city: files, atomic writes, the runs table, nowcasts from sensors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rioxarray  # noqa: F401  (registers the .rio accessor)
import shapely.geometry
import xarray as xr
from shapely.geometry import LineString, Point, box

from hydro import FloodModel
from twin import TwinError
from twin._scenario_forcing import build_forcing
from twin.alerts import validate_cap_xml
from twin.alerts.sign import CapSigner
from twin.db import make_engine
from twin.nowcast import find_state, run_nowcast
from twin.runs import RunPlan, RunResult, execute, get_run, list_runs, open_run, read_summary
from twin.scenario import Scenario
from twin.sensors import ingest_readings, parse_feed

CRS = "EPSG:32648"
X0, Y0 = 745000.0, 1821000.0  # near Huế, UTM 48N
N, CELL = 30, 10.0
L = N * CELL


def fake_city() -> SimpleNamespace:
    """A 300 m valley draining south, two wards, three roads, a dam entry at the north."""
    x = X0 + CELL / 2 + CELL * np.arange(N)
    y = Y0 + L - CELL / 2 - CELL * np.arange(N)
    xx, yy = np.meshgrid(x - X0, y - Y0)
    z = 2.0 + 0.01 * yy + 0.02 * np.abs(xx - L / 2)
    dem = xr.DataArray(
        z.astype("float32"), coords={"y": y, "x": x}, dims=("y", "x"), name="elevation"
    ).rio.write_crs(CRS)
    dem.attrs["units"] = "m"
    half = L / 2
    wards = gpd.GeoDataFrame(
        {
            "ward_id": ["W01", "W02"],
            "name": ["Phú Xuân", "Vỹ Dạ"],
            "population": [1000, 500],
        },
        geometry=[box(X0, Y0, X0 + half, Y0 + L), box(X0 + half, Y0, X0 + L, Y0 + L)],
        crs=CRS,
    )
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["R1", "R2", "R3"],
            "name": ["Lê Lợi", "Trần Hưng Đạo", "Kiệt 32 Lê Văn Hưu"],
            "bridge": [False, False, False],
            "ward_id": ["W01", "W02", "W02"],
        },
        geometry=[
            LineString([(X0 + 5, Y0 + 5), (X0 + half - 5, Y0 + 5)]),
            LineString([(X0 + half - 5, Y0 + 5), (X0 + L - 5, Y0 + 5)]),
            LineString([(X0 + L - 5, Y0 + 5), (X0 + L - 5, Y0 + L - 5)]),
        ],
        crs=CRS,
    )
    lights = gpd.GeoDataFrame(
        {
            "light_id": ["L1", "L2"],
            "road_id": ["R1", "R3"],
            "circuit_id": ["C1", "C2"],
            "status": ["working", "broken"],
        },
        geometry=[Point(X0 + half - 15, Y0 + 5), Point(X0 + L - 5, Y0 + L - 15)],
        crs=CRS,
    )
    dams = gpd.GeoDataFrame(
        {
            "dam_id": ["binh-dien"],
            "name": ["Bình Điền"],
            "normal_level_m": [85.0],
            "spillway_crest_m": [70.0],
            "spillway_width_m": [60.0],
            "discharge_coeff": [2.0],
            "gate_count": [4],
            "storage_levels_m": ["[40, 70, 90]"],
            "storage_volumes_m3": ["[0, 2e8, 5e8]"],
            "entry_x": [X0 + half],
            "entry_y": [Y0 + L - 5],
        },
        geometry=[Point(X0 + half, Y0 + L + 5000)],
        crs=CRS,
    )
    gauges = gpd.GeoDataFrame(
        {
            "gauge_id": ["kim-long", "rain-hue"],
            "name": ["Kim Long", "Huế"],
            "kind": ["river", "rain"],
            "river": ["Hương", None],
            "alarm1_m": [1.0, np.nan],
            "alarm2_m": [2.0, np.nan],
            "alarm3_m": [3.5, np.nan],
        },
        geometry=[Point(X0 + half, Y0 + 40), Point(X0 + 50, Y0 + 50)],
        crs=CRS,
    )
    stations = gpd.GeoDataFrame(
        {"team_id": ["T1"], "name": ["Đội 1"]}, geometry=[Point(X0 + 5, Y0 + 5)], crs=CRS
    )
    shelters = gpd.GeoDataFrame(
        {"shelter_id": ["S1"], "name": ["Trường Quốc Học"]},
        geometry=[Point(X0 + 5, Y0 + 5)],
        crs=CRS,
    )
    return SimpleNamespace(
        name="tiny",
        crs=dem.rio.crs,
        wards=wards,
        roads=roads,
        lights=lights,
        dams=dams,
        gauges=gauges,
        stations=stations,
        shelters=shelters,
        dem=dem,
        manning=xr.full_like(dem, 0.04),
        landuse=None,
    )


SCENARIO = {
    "name": "tiny",
    "resolution_m": 20,
    "start": "2020-10-06T00:00:00+07:00",
    "duration": "1h",
    "rain": {"kind": "design", "total_mm": 60, "hours": 0.5, "shape": "triangular"},
    "dams": [{"dam_id": "binh-dien", "mode": "schedule", "release_m3s": [[0, 5], [0.5, 20]]}],
    "boundaries": [{"edge": "south", "kind": "free"}],
    "output": {"every": "20min"},
}


@pytest.fixture(scope="module")
def city() -> SimpleNamespace:
    return fake_city()


def run_tiny(city: Any, out: Path, engine: Any, **kw: Any) -> RunResult:
    """The tiny scenario through the stages of a run (the city is not a package on disk)."""
    s = Scenario.model_validate(SCENARIO)
    progress = kw.pop("progress", None)
    plan = RunPlan(
        city=city, start=s.start_utc, duration_s=s.duration_s, output_every_s=1200.0, **kw
    )
    with open_run(engine, s.name, "scenario", out, progress=progress) as run:
        with run.stage("forcing"):
            forcing = build_forcing(s, city)
        return execute(run, plan, forcing, engine=engine)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, city: SimpleNamespace) -> tuple:
    base = tmp_path_factory.mktemp("run")
    engine = make_engine(f"sqlite:///{base / 'twin.db'}")
    stages: list[tuple[str, float]] = []
    run = run_tiny(city, base / "out", engine, progress=lambda stage, f: stages.append((stage, f)))
    return run, engine, stages


def test_run_writes_every_file(finished: tuple) -> None:
    run, _, stages = finished
    names = sorted(p.name for p in run.out_dir.iterdir())
    assert names == [
        "alerts",
        "flood.nc",
        "gauges.csv",
        "impact_lights.geojson",
        "impact_roads.geojson",
        "impact_wards.geojson",
        "map.html",
        "summary.json",
    ]
    assert not list(run.out_dir.parent.glob(".out.tmp-*"))
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {s for s, _ in stages} >= {"forcing", "solve", "impact", "write", "done"}


def test_geojson_is_lon_lat(finished: tuple) -> None:
    run, _, _ = finished
    for name in ("impact_wards", "impact_roads", "impact_lights"):
        data = json.loads((run.out_dir / f"{name}.geojson").read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection" and data["features"]
        coords = np.array(
            [
                c
                for f in data["features"]
                for c in np.asarray(f["geometry"]["coordinates"], dtype=object).ravel()
            ],
            dtype=float,
        )
        lon, lat = coords[0::2], coords[1::2]
        assert ((lon > 107.0) & (lon < 108.0)).all(), name
        assert ((lat > 16.0) & (lat < 17.0)).all(), name
    wards = json.loads((run.out_dir / "impact_wards.geojson").read_text(encoding="utf-8"))
    props = wards["features"][0]["properties"]
    assert props["name"] == "Phú Xuân" and "people_depth_gt_0_5m" in props
    # RFC 7946 section 3.1.6: exterior rings counter-clockwise, and no "crs" member.
    assert "crs" not in wards
    for feature in wards["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw, feature["properties"]["name"]


def test_netcdf_gauges_and_summary(finished: tuple) -> None:
    run, _, _ = finished
    with xr.open_dataset(run.out_dir / "flood.nc") as ds:
        assert {"depth", "wse", "speed", "max_depth", "arrival_time"} <= set(ds.data_vars)
        assert ds["time"].values[0] == np.datetime64("2020-10-05T17:00:00")
        assert ds.sizes["time"] == 4 and ds.sizes["x"] == 15
    gauges = pd.read_csv(run.out_dir / "gauges.csv")
    assert list(gauges.columns[:5]) == ["gauge_id", "name", "time", "elapsed_s", "level_m"]
    assert set(gauges["gauge_id"]) == {"kim-long"}
    assert (gauges["alarm2_m"] == 2.0).all()
    summary = json.loads((run.out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == "tiny"
    assert abs(summary["volume_balance"]["relative_error"]) < 1e-4
    assert summary["volume_balance"]["inflow_m3"] == pytest.approx(
        (5 + 20) / 2 * 1800 + 20 * 1800, rel=1e-3
    )
    assert summary["rain_mean_total_mm"] == pytest.approx(60.0)
    assert summary["dams"][0]["release_volume_m3"] == pytest.approx(58500.0)
    assert set(summary["timings"]) == {"forcing_s", "solve_s", "impact_s", "write_s", "total_s"}
    assert summary["totals"]["population"] == 1500
    assert "alerts" in summary["files"]


def test_alerts_are_valid_cap(finished: tuple) -> None:
    run, _, _ = finished
    files = sorted((run.out_dir / "alerts").glob("*.xml"))
    assert len(files) == run.summary["alerts"] == len(run.alerts)
    for f in files:
        validate_cap_xml(f.read_bytes())
        assert b"<status>Exercise</status>" in f.read_bytes()


def test_a_scenario_run_twice_keeps_its_whole_warning_set(
    tmp_path: Path, city: SimpleNamespace
) -> None:
    """Regression (#18): the second run of a scenario wrote no warning, as if it were the
    live stream (diffed against the first run's); each run's folder holds its whole set."""
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    first = run_tiny(city, tmp_path / "one", engine)
    second = run_tiny(city, tmp_path / "two", engine)
    names = [sorted(p.name for p in (r.out_dir / "alerts").glob("*.xml")) for r in (first, second)]
    assert len(names[0]) == len(names[1]) == first.summary["alerts"] == second.summary["alerts"]
    assert first.summary["alerts"] > 0
    assert {a["msg_type"] for a in first.alerts + second.alerts} == {"Alert"}
    assert not set(names[0]) & set(names[1])  # identifiers are never shared between runs
    assert read_summary(second.out_dir)["alerts"] == len(names[1])


def test_run_is_recorded(finished: tuple) -> None:
    run, engine, _ = finished
    rec = get_run(engine, run.run_id)
    assert rec["status"] == "finished" and rec["scenario"] == "tiny"
    assert rec["summary"]["totals"] == json.loads(json.dumps(run.summary["totals"]))
    assert list_runs(engine)[0]["id"] == run.run_id


def test_failed_run_leaves_the_folder_alone(
    tmp_path: Path, city: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old run", encoding="utf-8")

    with (
        pytest.raises(TwinError, match="no file"),
        open_run(engine, "bad", "scenario", out) as run,
        run.stage("forcing"),
    ):
        raise TwinError("rain.path: no file at /nowhere.nc")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    rec = list_runs(engine)[0]
    assert rec["status"] == "failed" and "no file" in rec["error"]
    # the log says what failed and why: the exception's type and message
    assert "TwinError: rain.path: no file at /nowhere.nc" in caplog.text


SENSORS = """station_id,time,quantity,value,unit,interval_min
rain-hue,2025-10-27T06:15:00+07:00,rain,10,mm,15
rain-hue,2025-10-27T06:30:00+07:00,rain,12,mm,15
rain-hue,2025-10-27T06:45:00+07:00,rain,8,mm,15
rain-hue,2025-10-27T07:00:00+07:00,rain,6,mm,15
binh-dien,2025-10-27T06:00:00+07:00,outflow,8,m3/s,
binh-dien,2025-10-27T07:00:00+07:00,outflow,12,m3/s,
"""


def test_nowcast_from_sensors_then_warm_start(tmp_path: Path, city: SimpleNamespace) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    now = datetime(2025, 10, 27, 2, tzinfo=UTC)
    report = ingest_readings(engine, parse_feed(SENSORS, "csv"), source="test", now=now)
    assert report.counts["good"] == 6
    states = tmp_path / "states"
    at = pd.Timestamp("2025-10-27T06:30:00+07:00")

    # the lagoon gauge and the sea edge come from the city's city.toml [nowcast]
    nowcast_meta = {"nowcast": {"lagoon_gauge": "thuan-an", "sea_edges": ["south"]}}
    valley = SimpleNamespace(**vars(city), meta=nowcast_meta)

    def nowcast(minutes_later: int, hours: float, name: str, **kw: Any) -> Any:
        return run_nowcast(
            at + pd.Timedelta(minutes=minutes_later), hours, tmp_path / name, city=valley,
            resolution_m=20, engine=engine, state_dir=states, **kw,
        )  # fmt: skip

    run = nowcast(0, 0.5, "now1", forecast_rain_mm_h=20.0, output_every="10min")
    s = run.summary
    assert s["kind"] == "nowcast" and s["warm_start"] is None
    assert any("thuan-an" in n for n in s["forcing_notes"])  # no lagoon reading: free edge
    # cold start at 06:30: 20 mm/h forecast for 30 min = 10 mm; the dam's 06:00 reading of
    # 8 m3/s is the latest known at 06:30 and holds (the 07:00 reading is not used)
    assert s["rain_mean_total_mm"] == pytest.approx(10.0, rel=0.05)
    assert s["volume_balance"]["inflow_m3"] == pytest.approx(8 * 1800, rel=1e-6)
    assert find_state(states, at) is not None
    later = nowcast(30, 0.5, "now2", output_every="10min")
    assert later.summary["warm_start"] is not None
    # the 06:30 state was a cold start (water at rest); the one the second nowcast saved at
    # 07:00 holds moving water, and a third nowcast starts hot from it: depths and fluxes, so
    # the water moves from the first snapshot on (a depth-only start would be at rest)
    third = nowcast(60, 0.25, "now3", output_every="5min")
    saved = FloodModel.load_state(third.summary["warm_start"])
    assert Path(third.summary["warm_start"]).name == "state-20251027T000000Z.npz"  # 07:00 +07
    moving = np.abs(saved._qx).max()
    assert moving > 1e-4
    assert float(third.result["speed"].isel(time=0).max()) > 0.0
    # from the 06:30 state: 10 m3/s (between 8 at 06:00 and 12 at 07:00) -> 12, then held
    assert later.summary["volume_balance"]["inflow_m3"] == pytest.approx(
        (10 + 12) / 2 * 1800 + 12 * 1800, rel=1e-6
    )
    # catch-up 06:30-07:00 with the gauge (8 then 6 mm in 15 min each), nothing forecast
    assert later.summary["rain_mean_total_mm"] == pytest.approx(14.0, rel=0.01)
    assert later.result["time"].values[0] == 0.0
    assert float(later.result["time"].values[-1]) == 3600.0


LAGOON = """station_id,time,quantity,value,unit,interval_min
thuan-an,2025-10-27T06:00:00+07:00,water_level,1.5,m,
"""


def test_nowcast_lagoon_gauge_and_sea_edges_come_from_the_city(
    tmp_path: Path, city: SimpleNamespace
) -> None:
    from twin.nowcast import nowcast_forcing

    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    ingest_readings(engine, parse_feed(LAGOON, "csv"), source="test")
    at = pd.Timestamp("2025-10-27T06:30:00+07:00")

    def boundaries(meta: dict[str, Any] | None, **kw: Any) -> tuple[list, list[str]]:
        notes: list[str] = []
        the_city = SimpleNamespace(**vars(city), meta=meta) if meta is not None else city
        forcing = nowcast_forcing(
            the_city, engine, origin=at, at=at, end=at + pd.Timedelta(hours=1),
            resolution_m=20, notes=notes, sea_below_m=None, **kw,
        )  # fmt: skip
        return [(edge, kind) for edge, kind, _ in forcing.boundaries], notes

    # the city's gauge on the city's edges: the level held there
    here = {"nowcast": {"lagoon_gauge": "thuan-an", "sea_edges": ["south", "west"]}}
    found, _ = boundaries(here)
    assert found == [("south", "level"), ("west", "level")]
    # arguments win over city.toml
    found, _ = boundaries(here, lagoon_edges=("east",))
    assert found == [("east", "level")]
    found, notes = boundaries(here, lagoon_gauge="kim-long")
    assert found == [("south", "free"), ("west", "free")]
    assert any("kim-long" in n for n in notes)
    # a city without them: no Huế gauge, every edge free, and a note saying why
    found, notes = boundaries(None)
    assert found == [(e, "free") for e in ("north", "south", "east", "west")]
    assert any("no lagoon gauge" in n for n in notes)
    assert not any("thuan-an" in n for n in notes)
    found, _ = boundaries({"nowcast": {"sea_edges": ["north"]}})
    assert found == [("north", "free")]
    # bad values: one error naming every problem
    with pytest.raises(TwinError, match=r"lagoon_gauge 5 .*sea edges \['up'\]"):
        boundaries({"nowcast": {"lagoon_gauge": 5, "sea_edges": ["up"]}})
    with pytest.raises(TwinError, match="sea_edges 'north' is not a list"):
        boundaries({"nowcast": {"sea_edges": "north"}})


def test_demo_city_keeps_the_thuan_an_gauge_on_the_north_and_east() -> None:
    from layers._demo_city import _meta
    from layers.settings import read_settings

    nowcast = read_settings(_meta())[0].nowcast
    assert nowcast == {"lagoon_gauge": "thuan-an", "sea_edges": ["north", "east"]}


def test_nowcast_bad_input(tmp_path: Path, city: SimpleNamespace) -> None:
    with pytest.raises(TwinError, match="zone"):
        run_nowcast(
            "2025-10-27T06:00", 1, tmp_path / "x", city=city, engine=make_engine("sqlite://"),
            state_dir=tmp_path,
        )  # fmt: skip
    with pytest.raises(TwinError, match="hours"):
        run_nowcast(
            "2025-10-27T06:00+07:00", 0, tmp_path / "x", city=city, engine=make_engine("sqlite://"),
            state_dir=tmp_path,
        )  # fmt: skip
    with pytest.raises(TwinError, match="finer"):
        run_nowcast(
            "2025-10-27T06:00+07:00",
            1,
            tmp_path / "x",
            city=city,
            resolution_m=5,
            engine=make_engine("sqlite://"),
            state_dir=tmp_path,
        )


def test_old_nowcast_states_are_pruned(tmp_path: Path) -> None:
    from twin.nowcast import prune_states, state_path

    states = tmp_path / "states"
    states.mkdir()
    at = pd.Timestamp("2025-10-27T00:00:00Z")
    for hours_before in (0, 24, 47, 49, 100):
        state_path(states, at - pd.Timedelta(hours=hours_before)).write_bytes(b"x")
    (states / "notes.txt").write_text("not a state")
    gone = prune_states(states, at - pd.Timedelta(hours=48))
    assert sorted(p.name for p in gone) == [
        "state-20251022T200000Z.npz",  # 100 h before
        "state-20251024T230000Z.npz",  # 49 h before
    ]
    left = sorted(p.name for p in states.iterdir())
    assert left == [
        "notes.txt",
        "state-20251025T010000Z.npz",
        "state-20251026T000000Z.npz",
        "state-20251027T000000Z.npz",
    ]
    assert find_state(states, at, max_age_h=48) is not None


def test_keeping_fewer_states_than_are_used_is_refused(
    tmp_path: Path, city: SimpleNamespace
) -> None:
    with pytest.raises(TwinError, match="keep_states_h"):
        run_nowcast(
            "2025-10-27T07:00+07:00", 1, tmp_path / "out", city=city, state_dir=tmp_path,
            engine=make_engine("sqlite://"), max_state_age_h=24, keep_states_h=12,
        )  # fmt: skip


def test_run_signs_its_cap_files_when_a_key_is_set(
    tmp_path: Path,
    city: SimpleNamespace,
    make_cap_keys: Any,
) -> None:
    from twin.alerts import verify_cap_signature

    key, cert = make_cap_keys("ec")
    (tmp_path / "k.pem").write_bytes(key)
    (tmp_path / "c.pem").write_bytes(cert)
    run = run_tiny(
        city, tmp_path / "out", make_engine(f"sqlite:///{tmp_path / 'twin.db'}"),
        signer=CapSigner.configured(tmp_path / "k.pem", tmp_path / "c.pem"),
    )  # fmt: skip
    files = sorted((run.out_dir / "alerts").glob("*.xml"))
    assert files
    for path in files:
        validate_cap_xml(path.read_bytes())
        verify_cap_signature(path.read_bytes(), cert)
