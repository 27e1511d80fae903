"""Sensor ingest, QC rules, storage and queries (small in-memory feeds, SQLite in a tmp dir)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import func, select

from twin import NotFoundError, TwinError
from twin.db import make_engine
from twin.sensors import (
    FLAGS,
    HUE_STATIONS,
    QCConfig,
    SensorFileError,
    check_readings,
    convert_unit,
    ingest_files,
    ingest_readings,
    latest_good,
    parse_feed,
    rain_rate,
    read_feed,
    readings_frame,
    sensor_notes,
    series,
    station_summary,
    stations_from_city,
)
from twin.sensors.store import SensorBatch, SensorReadingRow

STATIONS = {"g1": "river", "d1": "dam", "r1": "rain"}
NOW = datetime(2025, 10, 28, 0, 0, tzinfo=UTC)
T0 = datetime(2025, 10, 27, 0, 0, tzinfo=UTC)
HEADER = "station_id,time,quantity,value,unit\n"


def csv_rows(rows: list[tuple[str, datetime, str, float, str]]) -> str:
    return HEADER + "".join(f"{s},{t.isoformat()},{q},{v},{u}\n" for s, t, q, v, u in rows)


def level_rows(values: list[float], station: str = "g1", step_h: float = 1.0) -> str:
    return csv_rows(
        [
            (station, T0 + timedelta(hours=i * step_h), "water_level", v, "m")
            for i, v in enumerate(values)
        ]
    )


def qc(text: str, fmt: str = "csv", **kw: object):
    return check_readings(parse_feed(text, fmt), STATIONS, now=NOW, **kw)  # type: ignore[arg-type]


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    yield engine
    engine.dispose()


# --- units --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "quantity", "expected"),
    [
        (358, "cm", "water_level", 3.58),
        (3580, "mm", "water_level", 3.58),
        (3.58, " M ", "water_level", 3.58),
        (1800, "m3/s", "outflow", 1800.0),
        (1800, "m³/s", "inflow", 1800.0),
        (1800, "m3 s-1", "outflow", 1800.0),
        (2500, "l/s", "outflow", 2.5),
        (1.2, "cm", "rain", 12.0),
        (45, "cm", "gate_opening", 0.45),
    ],
)
def test_units_convert_to_canonical(value, unit, quantity, expected):
    assert convert_unit(value, unit, quantity) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("unit", "quantity"),
    [("m3/s", "water_level"), ("mm/h", "rain"), ("m", "outflow"), ("ft", "water_level")],
)
def test_unit_that_does_not_fit_is_none(unit, quantity):
    assert convert_unit(1.0, unit, quantity) is None


def test_wrong_unit_is_flagged_and_has_no_value():
    result = qc(csv_rows([("d1", T0, "outflow", 1200, "m")]))
    (r,) = result.readings
    assert r.flags == ["wrong_unit"]
    assert r.value is None


# --- file formats ---------------------------------------------------------------------------


def test_csv_and_json_give_the_same_readings():
    text_csv = HEADER + "g1,2025-10-27T07:00:00+07:00,water_level,358,cm\n"
    text_json = json.dumps(
        {
            "source": "test",
            "readings": [
                {
                    "station_id": "g1",
                    "time": "2025-10-27T00:00:00Z",
                    "quantity": "water_level",
                    "value": 3.58,
                    "unit": "m",
                }
            ],
        }
    )
    a = qc(text_csv).readings[0]
    b = qc(text_json, "json").readings[0]
    assert a.raw.time == b.raw.time == T0
    assert a.value == pytest.approx(b.value) == pytest.approx(3.58)
    assert a.unit == b.unit == "m"


def test_json_list_form_and_interval():
    text = json.dumps(
        [
            {
                "station_id": "r1",
                "time": "2025-10-27T07:30:00+07:00",
                "quantity": "rain",
                "value": 6,
                "unit": "mm",
                "interval_min": 30,
            }
        ]
    )
    (r,) = qc(text, "json").readings
    assert r.interval_s == 1800
    assert r.good


def test_naive_time_is_hue_local_time():
    (r,) = parse_feed(HEADER + "g1,2025-10-27T07:00:00,water_level,3,m\n", "csv")
    assert r.time == T0


@pytest.mark.parametrize(
    ("text", "fmt", "problem"),
    [
        ("station_id,time,value,unit\ng1,2025-10-27T07:00+07:00,3,m\n", "csv", "quantity"),
        (HEADER + "g1,27/10/2025 07:00,water_level,3,m\n", "csv", "line 2: time"),
        (HEADER + "g1,2025-10-27T07:00+07:00,water_level,high,m\n", "csv", "not a finite"),
        (HEADER + "g1,2025-10-27T07:00+07:00,water_level,nan,m\n", "csv", "not a finite"),
        (HEADER + ",2025-10-27T07:00+07:00,water_level,3,m\n", "csv", "station_id is empty"),
        (HEADER, "csv", "no readings"),
        ('{"readings": [1]}', "json", "item 1: not an object"),
        ('[{"station_id": "g1"}]', "json", "missing key"),
        ("{not json", "json", "not valid JSON"),
        ('{"data": []}', "json", "expected a list"),
        # beyond the csv module's field limit (a stray quote can swallow the whole file)
        (HEADER + 'g1,"' + "x" * 200_000, "csv", "line 2: not readable as CSV"),
    ],
)
def test_malformed_feeds_raise_with_the_problem(text, fmt, problem):
    with pytest.raises(SensorFileError, match="malformed") as info:
        parse_feed(text, fmt, source="feed")
    assert problem in str(info.value)


def test_every_bad_row_is_listed_once():
    text = HEADER + "g1,x,water_level,3,m\ng1,y,water_level,3,m\n"
    with pytest.raises(SensorFileError) as info:
        parse_feed(text, "csv")
    assert len(info.value.problems) == 2


def test_read_feed_rejects_unknown_extension_and_missing_file(tmp_path: Path):
    (tmp_path / "a.txt").write_text(HEADER)
    with pytest.raises(SensorFileError, match="unknown file type"):
        read_feed(tmp_path / "a.txt")
    with pytest.raises(SensorFileError, match="cannot read"):
        read_feed(tmp_path / "missing.csv")
    (tmp_path / "b.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SensorFileError, match="UTF-8"):
        read_feed(tmp_path / "b.csv")


# --- QC rules -----------------------------------------------------------------------------


def test_clean_series_is_all_good():
    result = qc(level_rows([1.0, 1.2, 1.5, 1.9, 2.3, 2.6]))
    assert all(r.good for r in result.readings)
    assert result.counts()["good"] == 6


def test_out_of_range():
    result = qc(level_rows([1.0, 1.1, 13.0, -4.0, 1.2]))
    assert [r.flags for r in result.readings] == [[], [], ["out_of_range"]] * 1 + [
        ["out_of_range"],
        [],
    ]


def test_rain_range_is_on_intensity():
    rows = HEADER + (
        "r1,2025-10-27T01:00Z,rain,100,mm\n"  # 100 mm in the default 60 min: fine
        "r1,2025-10-27T01:10Z,rain,100,mm\n"  # 100 mm in 10 min = 600 mm/h: not believable
        "r1,2025-10-27T01:20Z,rain,-1,mm\n"
    )
    assert [r.flags for r in qc(rows).readings] == [[], ["out_of_range"], ["out_of_range"]]


def test_spike_is_judged_against_the_last_good_reading():
    # 2.0 -> 9.0 in an hour is a spike; the reading after it is compared with 2.1, not 9.0
    result = qc(level_rows([2.0, 2.1, 9.0, 2.3, 2.4]))
    assert [r.flags for r in result.readings] == [[], [], ["spike"], [], []]


def test_spike_rate_scales_with_time_between_readings():
    # 1.5 m in 3 h is 0.5 m/h: below the 1.0 m/h limit
    assert all(r.good for r in qc(level_rows([2.0, 3.5], step_h=3)).readings)


def test_stuck_flags_the_repeats_only():
    values = [2.0, 2.1, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.7]
    result = qc(level_rows(values))
    flags = [r.flags for r in result.readings]
    assert flags[2] == []
    assert flags[3:8] == [["stuck"]] * 5
    assert flags[8] == []
    assert result.counts()["stuck"] == 5


def test_fast_repeats_need_the_minimum_duration():
    # six equal readings 10 min apart span 50 min: below the 3 h of a river level
    assert all(r.good for r in qc(level_rows([2.0] + [2.1] * 6 + [2.2], step_h=1 / 6)).readings)
    long_run = qc(level_rows([2.0] + [2.1] * 20 + [2.2], step_h=1 / 6)).readings
    assert sum("stuck" in r.flags for r in long_run) == 19


def test_short_repeats_and_dry_rain_are_not_stuck():
    assert all(r.good for r in qc(level_rows([2.0, 2.0, 2.0, 2.0, 2.0, 2.1])).readings)
    dry = csv_rows([("r1", T0 + timedelta(hours=i), "rain", 0.0, "mm") for i in range(12)])
    assert all(r.good for r in qc(dry).readings)


def test_gap_is_noted_not_flagged():
    times = [0, 1, 2, 3, 7, 8]
    text = csv_rows(
        [("g1", T0 + timedelta(hours=h), "water_level", 2.0 + h / 100, "m") for h in times]
    )
    result = qc(text)
    assert all(r.good for r in result.readings)
    (gap,) = result.notes
    assert gap.kind == "gap"
    assert (gap.start, gap.end) == (T0 + timedelta(hours=3), T0 + timedelta(hours=7))
    assert result.counts()["gap"] == 1


def test_duplicate_in_file_is_kept_once_and_a_conflict_is_kept_flagged():
    text = csv_rows(
        [
            ("g1", T0, "water_level", 2.0, "m"),
            ("g1", T0, "water_level", 2.0, "m"),
            ("g1", T0, "water_level", 250, "cm"),
            ("g1", T0 + timedelta(hours=1), "water_level", 2.1, "m"),
        ]
    )
    result = qc(text)
    assert [(r.value, r.flags, r.copy_no) for r in result.readings] == [
        (2.0, [], 0),
        (2.5, ["conflict"], 1),
        (2.1, [], 0),
    ]
    assert result.duplicates == 1
    assert result.counts()["conflict"] == 1
    assert [n.kind for n in result.notes] == ["duplicate_conflict"]


def test_out_of_order_and_future():
    text = csv_rows(
        [
            ("g1", T0 + timedelta(hours=2), "water_level", 2.2, "m"),
            ("g1", T0 + timedelta(hours=1), "water_level", 2.1, "m"),
            ("g1", T0 + timedelta(hours=3), "water_level", 2.3, "m"),
            ("g1", NOW + timedelta(minutes=4), "water_level", 2.3, "m"),
            ("g1", NOW + timedelta(hours=1), "water_level", 2.4, "m"),
        ]
    )
    flags = [r.flags for r in qc(text).readings]
    assert flags == [[], ["out_of_order"], [], [], ["future"]]


def test_future_is_relative_to_injected_now():
    text = level_rows([2.0])
    early = check_readings(parse_feed(text, "csv"), STATIONS, now=T0 - timedelta(hours=1))
    assert early.readings[0].flags == ["future"]


def test_unknown_station_and_bad_quantity():
    text = csv_rows([("nowhere", T0, "water_level", 2.0, "m"), ("g1", T0, "rain", 2.0, "mm")])
    assert [r.flags for r in qc(text).readings] == [["unknown_station"], ["bad_quantity"]]


def test_flagged_readings_do_not_anchor_the_spike_test():
    # the out-of-range 15 m is not the reference for the next reading
    assert [r.flags for r in qc(level_rows([2.0, 15.0, 2.1])).readings] == [
        [],
        ["out_of_range"],
        [],
    ]


def test_thresholds_are_configurable():
    config = QCConfig(
        limits={"river:water_level": {"min": 0, "max": 5, "max_rate_per_h": 0.1}}  # type: ignore[dict-item]
    )
    result = qc(level_rows([1.0, 1.5, 6.0]), config=config)
    assert [r.flags for r in result.readings] == [[], ["spike"], ["out_of_range"]]
    with pytest.raises(ValueError, match="stuck_count"):
        QCConfig(limits={"river:water_level": {"min": 0, "max": 5, "stuck_count": 1}})  # type: ignore[dict-item]


def test_every_flag_is_documented_in_the_module():
    import twin.sensors.qc as module

    assert all(f"``{flag}``" in (module.__doc__ or "") for flag in FLAGS)


# --- storage ------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reingest_adds_nothing(engine, tmp_path: Path):
    path = write(tmp_path, "a.csv", level_rows([2.0, 2.1, 9.0, 2.3]))
    (first,) = ingest_files(engine, [path], stations=STATIONS, now=NOW)
    assert (first.added, first.counts["good"], first.counts["spike"]) == (4, 3, 1)
    (again,) = ingest_files(engine, [path], stations=STATIONS, now=NOW)
    assert again.already_ingested and again.added == 0 and again.batch_id == first.batch_id
    # the same readings in another file: every one a duplicate of a stored reading
    copy = write(tmp_path, "b.csv", level_rows([2.0, 2.1, 9.0, 2.3]) + "\n")
    (other,) = ingest_files(engine, [copy], stations=STATIONS, now=NOW)
    assert not other.already_ingested
    assert (other.added, other.counts["duplicate"]) == (0, 4)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(SensorReadingRow)) == 4
        assert conn.scalar(select(func.count()).select_from(SensorBatch)) == 2


def test_flagged_readings_are_stored_but_not_served(engine, tmp_path: Path):
    path = write(tmp_path, "a.csv", level_rows([2.0, 2.1, 9.0, 2.3]))
    ingest_files(engine, [path], stations=STATIONS, now=NOW)
    frame = readings_frame(engine, "g1")
    assert frame["flags"].tolist() == ["", "", "spike", ""]
    good = series(engine, "g1", "water_level")
    assert good.tolist() == [2.0, 2.1, 2.3]
    assert str(good.index.tz) == "UTC"
    assert good.attrs["units"] == "m"
    everything = series(engine, "g1", "water_level", good_only=False)
    assert len(everything) == 4
    window = series(engine, "g1", "water_level", T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert window.tolist() == [2.1]


def test_latest_good(engine, tmp_path: Path):
    ingest_files(
        engine, [write(tmp_path, "a.csv", level_rows([2.0, 2.1, 9.0]))], stations=STATIONS, now=NOW
    )
    latest = latest_good(engine, "g1", "water_level")
    assert latest is not None and latest.value == 2.1 and latest.good
    assert latest.time == T0 + timedelta(hours=1)
    at = latest_good(engine, "g1", "water_level", T0 + timedelta(minutes=30))
    assert at is not None and at.value == 2.0
    assert latest_good(engine, "g1", "water_level", T0 - timedelta(hours=1)) is None
    assert latest_good(engine, "nowhere", "water_level") is None


def test_qc_sees_readings_of_earlier_files(engine, tmp_path: Path):
    # a stuck run split over two files, and a spike against the last stored reading
    a = write(tmp_path, "a.csv", level_rows([2.0, 2.5, 2.5, 2.5]))
    later = [("g1", T0 + timedelta(hours=h), "water_level", 2.5, "m") for h in (4, 5, 6)]
    b = write(
        tmp_path,
        "b.csv",
        csv_rows([*later, ("g1", T0 + timedelta(hours=7), "water_level", 8.0, "m")]),
    )
    reports = ingest_files(engine, [a, b], stations=STATIONS, now=NOW)
    assert reports[0].counts["stuck"] == 0
    assert reports[1].counts["stuck"] == 3
    assert reports[1].counts["spike"] == 1


def test_stuck_run_goes_on_across_files(engine, tmp_path: Path):
    a = write(tmp_path, "a.csv", level_rows([2.0, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5]))
    (first,) = ingest_files(engine, [a], stations=STATIONS, now=NOW)
    assert first.counts["stuck"] == 6
    b = write(
        tmp_path, "b.csv", csv_rows([("g1", T0 + timedelta(hours=8), "water_level", 2.5, "m")])
    )
    (second,) = ingest_files(engine, [b], stations=STATIONS, now=NOW)
    assert second.counts["stuck"] == 1


def test_malformed_file_writes_nothing(engine, tmp_path: Path):
    good = write(tmp_path, "a.csv", level_rows([2.0, 2.1]))
    bad = write(tmp_path, "b.csv", HEADER + "g1,never,water_level,2,m\n")
    with pytest.raises(SensorFileError, match=r"b\.csv"):
        ingest_files(engine, [good, bad], stations=STATIONS, now=NOW)
    assert readings_frame(engine).empty


def test_failure_inside_the_transaction_rolls_back(engine, tmp_path: Path, monkeypatch):
    import twin.sensors.store as store

    path = write(tmp_path, "a.csv", level_rows([2.0, 2.1]))
    real = store._ingest_one
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        report = real(*args, **kwargs)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return report

    monkeypatch.setattr(store, "_ingest_one", failing)
    other = write(tmp_path, "b.csv", level_rows([3.0, 3.1], station="g2"))
    with pytest.raises(RuntimeError):
        ingest_files(engine, [path, other], stations={**STATIONS, "g2": "river"}, now=NOW)
    assert readings_frame(engine).empty


def test_rain_rate_in_mm_per_hour(engine):
    text = HEADER + (
        "r1,2025-10-27T07:00+07:00,rain,10,mm\n"
        "r1,2025-10-27T07:30+07:00,rain,6,mm\n"
        "r1,2025-10-27T08:30+07:00,rain,1.2,cm\n"
    )
    ingest_readings(engine, parse_feed(text, "csv"), source="t", stations=STATIONS, now=NOW)
    rate = rain_rate(engine, "r1")
    assert rate.attrs["units"] == "mm/h"
    assert rate.tolist() == pytest.approx([10.0, 12.0, 12.0])
    assert rate.index[0] == pd.Timestamp("2025-10-27T00:00Z")


def test_gap_notes_are_stored_once(engine, tmp_path: Path):
    times = [0, 1, 2, 3, 7, 8]
    rows = [("g1", T0 + timedelta(hours=h), "water_level", 2.0 + h / 100, "m") for h in times]
    ingest_files(engine, [write(tmp_path, "a.csv", csv_rows(rows))], stations=STATIONS, now=NOW)
    ingest_files(
        engine, [write(tmp_path, "b.csv", csv_rows(rows[3:5]))], stations=STATIONS, now=NOW
    )
    notes = sensor_notes(engine, "g1")
    assert notes["kind"].tolist() == ["gap"]


def test_station_summary(engine, tmp_path: Path):
    ingest_files(
        engine, [write(tmp_path, "a.csv", level_rows([2.0, 2.1, 9.0]))], stations=STATIONS, now=NOW
    )
    summary = station_summary(engine, "g1")
    assert summary[["quantity", "readings", "good", "latest_good"]].values.tolist() == [
        ["water_level", 3, 2, 2.1]
    ]
    with pytest.raises(NotFoundError, match="nowhere"):
        station_summary(engine, "nowhere")


def test_unknown_station_kind_is_rejected(engine):
    with pytest.raises(TwinError, match="kind"):
        ingest_readings(engine, [], source="x", stations={"a": "lake"})


def test_stations_from_city_like_object():
    class City:
        dams = pd.DataFrame({"dam_id": ["ta-trach"]})
        gauges = pd.DataFrame({"gauge_id": ["kim-long", "rain-hue"], "kind": ["river", "rain"]})

    assert stations_from_city(City()) == {
        "ta-trach": "dam",
        "kim-long": "river",
        "rain-hue": "rain",
    }
    assert HUE_STATIONS["kim-long"] == "river"


def test_stations_from_city_toml_add_to_the_layers():
    city = SimpleNamespace(
        dams=pd.DataFrame({"dam_id": ["ta-trach"]}),
        gauges=pd.DataFrame({"gauge_id": ["kumpula"], "kind": ["rain"]}),
        meta={"stations": [{"id": "kauppatori", "kind": "river"}]},
    )
    assert stations_from_city(city) == {
        "ta-trach": "dam",
        "kumpula": "rain",
        "kauppatori": "river",
    }
    city.meta = {"stations": [{"id": "a", "kind": "lake"}, {"kind": "rain"}]}
    with pytest.raises(TwinError, match=r"\[\[stations\]\]") as err:
        stations_from_city(city)
    assert err.value.problems == [
        "block 1: id 'a', kind 'lake'",
        "block 2: id None, kind 'rain'",
    ]


def test_demo_city_declares_exactly_the_hue_stations():
    from layers._demo_city import _meta
    from layers._demo_facts import DAMS, GAUGES, RAIN_GAUGES

    demo = SimpleNamespace(
        dams=pd.DataFrame({"dam_id": [d["dam_id"] for d in DAMS]}),
        gauges=pd.DataFrame(
            {
                "gauge_id": [g[0] for g in GAUGES] + [g[0] for g in RAIN_GAUGES],
                "kind": ["river"] * len(GAUGES) + ["rain"] * len(RAIN_GAUGES),
            }
        ),
        meta=_meta(),
    )
    assert stations_from_city(demo) == HUE_STATIONS


# --- the shipped sample feeds ---------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "hue" / "sensors"


def test_sample_feeds_report_the_planted_faults(engine):
    files = [SAMPLES / n for n in ("river_gauges.csv", "rain_gauges.csv", "dams.json")]
    now = datetime.fromisoformat("2025-10-29T00:00:00+07:00")
    river, rain, dams = ingest_files(engine, files, now=now)
    flagged = {k: v for k, v in river.counts.items() if v and k != "good"}
    assert flagged == {"spike": 1, "stuck": 7, "duplicate": 1, "out_of_order": 1}
    assert (river.counts["good"], river.added) == (207, 216)
    flagged = {k: v for k, v in rain.counts.items() if v and k != "good"}
    assert flagged == {"future": 1, "unknown_station": 2, "gap": 1}
    flagged = {k: v for k, v in dams.counts.items() if v and k != "good"}
    assert flagged == {"wrong_unit": 1}
    again = ingest_files(engine, files, now=now)
    assert all(r.already_ingested and r.added == 0 for r in again)
    # consistent with FACTS.md: Kim Long 3.58 m at 07:00 on 27 Oct, Phú Ốc 5.25 m at 14:00
    kim_long = series(engine, "kim-long", "water_level")
    assert kim_long[pd.Timestamp("2025-10-27T07:00+07:00")] == pytest.approx(3.58)
    assert kim_long.max() < 4.0
    phu_oc = series(engine, "phu-oc", "water_level")
    assert phu_oc.idxmax() == pd.Timestamp("2025-10-27T14:00+07:00")
    assert phu_oc.max() == pytest.approx(5.25)
    for dam, low, high in (("binh-dien", 950, 1800), ("huong-dien", 1050, 1800)):
        outflow = series(engine, dam, "outflow")
        assert outflow.min() == low and outflow.max() == high
    assert series(engine, "ta-trach", "inflow").max() > 6900
    assert series(engine, "thuan-an", "water_level").max() < 2.0  # cm converted to m


def test_postgresql_ingest_and_query(postgres_url: str) -> None:
    url = postgres_url
    engine = make_engine(url)
    try:
        files = [SAMPLES / n for n in ("river_gauges.csv", "rain_gauges.csv", "dams.json")]
        now = datetime.fromisoformat("2025-10-29T00:00:00+07:00")
        river, _, _ = ingest_files(engine, files, now=now)
        assert river.counts["stuck"] == 7
        assert all(r.already_ingested for r in ingest_files(engine, files, now=now))
        assert str(series(engine, "kim-long", "water_level").index.tz) == "UTC"
    finally:
        engine.dispose()


def test_a_future_dated_reading_does_not_block_the_real_one(engine):
    """The probe's case: 99.0 m ingested 330 s ahead (flagged future), then the real 2.10 m
    for that time: the real one is stored good and is what the series uses."""
    at = NOW + timedelta(seconds=330)
    early = csv_rows([("g1", at, "water_level", 99.0, "m")])
    real = csv_rows([("g1", at, "water_level", 2.10, "m")])
    first = ingest_readings(
        engine, parse_feed(early, "csv"), source="a", stations=STATIONS, now=NOW
    )
    assert first.counts["future"] == 1
    later = at + timedelta(seconds=40)
    second = ingest_readings(
        engine, parse_feed(real, "csv"), source="b", stations=STATIONS, now=later
    )
    assert (second.added, second.counts["duplicate"], second.counts["good"]) == (1, 0, 1)
    assert series(engine, "g1", "water_level").tolist() == [2.10]
    again = ingest_readings(
        engine, parse_feed(real + "\n", "csv"), source="c", stations=STATIONS, now=later
    )
    assert (again.added, again.counts["duplicate"]) == (0, 1)


def test_a_second_value_for_a_good_reading_is_kept_as_a_conflict(engine):
    one = csv_rows([("g1", T0, "water_level", 2.0, "m")])
    other = csv_rows([("g1", T0, "water_level", 2.4, "m")])
    ingest_readings(engine, parse_feed(one, "csv"), source="a", stations=STATIONS, now=NOW)
    report = ingest_readings(
        engine, parse_feed(other, "csv"), source="b", stations=STATIONS, now=NOW
    )
    assert (report.added, report.counts["conflict"], report.counts["duplicate"]) == (1, 1, 0)
    frame = readings_frame(engine, "g1")
    assert sorted(zip(frame["value"], frame["flags"], strict=True)) == [
        (2.0, ""),
        (2.4, "conflict"),
    ]
    assert series(engine, "g1", "water_level").tolist() == [2.0]
    assert sensor_notes(engine, "g1")["kind"].tolist() == ["duplicate_conflict"]


@pytest.mark.parametrize(
    ("time", "problem"),
    [
        ("9999-12-31T23:59:59+00:00", "between the years 1900 and 2199"),
        ("0001-01-01T00:00:00Z", "between the years 1900 and 2199"),
        ("0001-01-01T00:00:00+14:00", "between the years 1900 and 2199"),
        ("1677-09-22T00:00:00Z", "between the years 1900 and 2199"),
    ],
)
def test_impossible_times_are_refused_with_the_row(time, problem):
    text = f"station_id,time,quantity,value,unit\ng1,{time},water_level,2.0,m\n"
    with pytest.raises(SensorFileError, match=problem):
        parse_feed(text, "csv")


def test_a_time_before_the_earliest_is_flagged_too_old():
    text = csv_rows(
        [
            ("g1", datetime(1970, 1, 1, tzinfo=UTC), "water_level", 2.0, "m"),
            ("g1", T0, "water_level", 2.0, "m"),
        ]
    )
    assert [r.flags for r in qc(text).readings] == [["too_old"], []]


@pytest.mark.parametrize("value", ["1_000", "inf", "nan", "0x10", " 1e400"])
def test_values_must_be_plain_finite_decimals(value):
    text = (
        f"station_id,time,quantity,value,unit\ng1,2025-10-27T07:00:00+07:00,water_level,{value},m\n"
    )
    with pytest.raises(SensorFileError, match="not a finite number"):
        parse_feed(text, "csv")


def test_deeply_nested_json_is_refused_with_a_message():
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(SensorFileError, match="nested too deeply"):
        parse_feed(text, "json")


def _long_feed(hours: int) -> str:
    values = [2.0 + 0.01 * (h % 50) for h in range(hours)]
    return level_rows(values) + "\n".join(
        f"r1,{(T0 + timedelta(hours=h)).isoformat()},rain,{h % 3},mm" for h in range(hours)
    )


def test_ingest_in_parts_stores_what_one_transaction_stores(tmp_path: Path):
    text = _long_feed(300)
    whole = make_engine(f"sqlite:///{tmp_path / 'whole.db'}")
    parts = make_engine(f"sqlite:///{tmp_path / 'parts.db'}")
    raw = parse_feed(text, "csv")
    one = ingest_readings(whole, raw, source="a", stations=STATIONS, now=NOW)
    holds: list[int] = []

    from contextlib import contextmanager

    @contextmanager
    def lock():
        holds.append(1)
        yield

    many = ingest_readings(
        parts, raw, source="a", stations=STATIONS, now=NOW, part_rows=64, write_lock=lock
    )
    assert (many.added, many.counts) == (one.added, one.counts)
    assert len(holds) == 2 + -(-len(raw) // 64)  # the batch, each part, the end
    columns = ["station_id", "quantity", "time", "value", "flags", "good"]
    assert readings_frame(parts)[columns].equals(readings_frame(whole)[columns])
    again = ingest_readings(parts, raw, source="a", stations=STATIONS, now=NOW, part_rows=64)
    assert again.already_ingested


def test_an_upload_cut_off_half_way_is_completed_by_sending_it_again(engine):
    raw = parse_feed(_long_feed(200), "csv")
    calls = [0]

    from contextlib import contextmanager

    @contextmanager
    def dies_on_the_fourth():
        calls[0] += 1
        if calls[0] == 4:
            raise RuntimeError("killed")
        yield

    with pytest.raises(RuntimeError):
        ingest_readings(
            engine,
            raw,
            source="a",
            stations=STATIONS,
            now=NOW,
            part_rows=50,
            write_lock=dies_on_the_fourth,
        )
    stored = len(readings_frame(engine))
    assert stored == 100  # two parts of 50
    report = ingest_readings(engine, raw, source="a", stations=STATIONS, now=NOW, part_rows=50)
    assert not report.already_ingested
    assert (report.added, report.counts["duplicate"]) == (len(raw) - 100, 100)
    assert len(readings_frame(engine)) == len(raw)
