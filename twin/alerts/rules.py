"""Warning rules: from an impact summary per ward and gauge exceedances to CAP content.

Classification (all thresholds in :class:`AlertRules`)
------------------------------------------------------
*Lead time* is ``onset - now``; ``onset`` is the earliest flood arrival in the ward (or the
time a gauge passes an alarm level), rounded down to ``onset_rounding_min``.

=================================  ===============================  =========================
severity                           urgency                          certainty
=================================  ===============================  =========================
hazard class 3 (danger for all)    lead <= ``immediate_lead_h``     ``observed`` input
-> Extreme                         (1 h, also when already under    -> Observed
                                   way) -> Immediate
hazard class 2 (danger for most)   lead <= ``expected_lead_h``      lead <= ``likely_lead_h``
-> Severe                          (6 h) -> Expected                (12 h) -> Likely
hazard class 1 (danger for some)   later -> Future                  later -> Possible
-> Moderate
hazard class 0 (low) -> Minor
gauge BĐ1 -> Minor, BĐ2 ->         (same)                           (same)
Moderate, BĐ3 -> Severe, BĐ3 +
``extreme_above_bd3_m`` -> Extreme
=================================  ===============================  =========================

A ward gets a message when its highest hazard class is at least ``min_hazard_class`` (1) and
at least ``min_people`` people are in those classes; a gauge when it passes
``min_gauge_alarm`` (BĐ2). ``responseType`` is Evacuate for Severe/Extreme with Immediate or
Expected urgency, Prepare otherwise; a Cancel says AllClear. Categories: Met and Safety.
``expires`` is ``max(onset, now) + valid_h``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from twin._errors import TwinError
from twin._time import LOCAL_TZ, as_utc
from twin.alerts.cap import CapArea, CapInfo, cap_circle, cap_polygon

__all__ = [
    "AlarmLevels",
    "AlertRules",
    "GaugeExceedance",
    "PlannedAlert",
    "WardImpact",
    "alarm_levels_from_gauges",
    "gauge_exceedances",
    "plan_alerts",
]

_HAZARD_VI = {
    0: "nguy hiểm thấp",
    1: "nguy hiểm cho một số người (trẻ em, người già)",
    2: "nguy hiểm cho hầu hết mọi người",
    3: "nguy hiểm cho tất cả mọi người",
}
_HAZARD_EN = {
    0: "of low hazard",
    1: "dangerous for some (children, the elderly)",
    2: "dangerous for most people",
    3: "dangerous for everyone",
}
_LABEL_VI = {
    "Extreme": "Cảnh báo lũ khẩn cấp",
    "Severe": "Cảnh báo lũ nguy hiểm",
    "Moderate": "Cảnh báo ngập lụt",
    "Minor": "Tin ngập lụt",
}
_LABEL_EN = {
    "Extreme": "Extreme flood warning",
    "Severe": "Severe flood warning",
    "Moderate": "Flood warning",
    "Minor": "Flood advisory",
}
AlarmLevels = tuple[float | None, float | None, float | None]
"""BĐ1, BĐ2, BĐ3 in metres (None where not known)."""

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _levels(bd1: float | None, bd2: float | None, bd3: float | None) -> AlarmLevels:
    return (bd1, bd2, bd3)


class AlertRules(BaseModel):
    """Every setting that turns impact into warnings (defaults for Huế).

    Parameters
    ----------
    sender
        CAP ``sender``: no spaces, commas, ``<`` or ``&``.
    languages
        The languages of the ``<info>`` blocks, in order (``vi``, ``en``).
    timezone
        IANA time zone of the times in the messages; ``None``: the twin's default.
    status
        ``Actual`` for real warnings; ``Exercise`` for planning scenarios (their lifecycle is
        kept apart from the actual one).
    min_hazard_class, min_people
        Which wards get a message.
    severity_by_hazard_class
        Hazard class (0..3, :func:`hydro.hazard.hazard_class`) -> CAP severity.
    immediate_lead_h, expected_lead_h, likely_lead_h
        Lead-time limits of the urgency and certainty table (module docstring).
    valid_h
        A message expires this long after ``max(onset, now)``.
    onset_rounding_min
        Onset rounded down to this many minutes, so that a rerun with an arrival a few
        minutes different is not a change.
    gauge_alarm_levels
        Gauge id -> (BĐ1, BĐ2, BĐ3) in metres; None where not known (data/hue/FACTS.md).
    min_gauge_alarm, extreme_above_bd3_m, gauge_radius_km
        Gauge messages: from which alarm level; how far above BĐ3 is Extreme; the radius of
        the circle used as the area when no ward is named.
    max_polygon_points
        Ward outlines are simplified to at most this many points per ring.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sender: str = "twin@hue-twin.example"
    sender_name_vi: str = "hue-twin, mô hình số lũ lụt thành phố Huế"
    sender_name_en: str = "hue-twin, flood digital twin of Huế"
    web: str = "https://hue-twin.example/alerts"
    hotline: str = "1900 1075"
    languages: tuple[Literal["vi", "en"], ...] = ("vi", "en")
    timezone: str | None = None
    status: Literal["Actual", "Exercise", "System", "Test", "Draft"] = "Actual"
    geocode_name: str = "ward_id"
    min_hazard_class: int = Field(default=1, ge=0, le=3)
    min_people: int = Field(default=1, ge=0)
    severity_by_hazard_class: dict[int, str] = Field(
        default_factory=lambda: {0: "Minor", 1: "Moderate", 2: "Severe", 3: "Extreme"}
    )
    immediate_lead_h: float = 1.0
    expected_lead_h: float = 6.0
    likely_lead_h: float = 12.0
    valid_h: float = Field(default=24.0, gt=0)
    onset_rounding_min: int = Field(default=15, ge=1, le=60)
    group_wards: bool = False
    gauge_alarm_levels: dict[str, AlarmLevels] = Field(
        default_factory=lambda: {
            "kim-long": _levels(1.0, 2.0, 3.5),
            # BĐ1 at Phú Ốc is uncertain (about 1.4-1.5 m, data/hue/FACTS.md): left out
            "phu-oc": _levels(None, 3.0, 4.5),
        }
    )
    min_gauge_alarm: int = Field(default=2, ge=1, le=3)
    extreme_above_bd3_m: float = 1.0
    gauge_radius_km: float = Field(default=10.0, gt=0)
    max_polygon_points: int = Field(default=250, ge=4)

    @field_validator("sender")
    @classmethod
    def _sender_chars(cls, value: str) -> str:
        if not value or any(c in value for c in " ,<&\t\n"):
            raise ValueError("sender must not be empty or contain spaces, ',', '<' or '&'")
        return value

    @field_validator("languages")
    @classmethod
    def _some_language(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or len(set(value)) != len(value):
            raise ValueError("languages must name each language once, at least one")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @classmethod
    def for_city(cls, city: Any, **overrides: Any) -> AlertRules:
        """The rules with what the city's ``city.toml`` declares (:mod:`layers.settings`).

        The time zone, the language order (of the languages warnings are written in:
        ``vi``, ``en``), the CAP sender, web page, sender names and hotline come from the
        city when it declares them; ``overrides`` win over both.
        """
        from layers.settings import read_settings

        meta = getattr(city, "meta", {}) or {}
        settings = read_settings(meta)[0]
        found: dict[str, Any] = {}
        if "timezone" in meta:
            found["timezone"] = settings.timezone
        if "languages" in meta:
            found["languages"] = tuple(x for x in settings.languages if x in ("vi", "en")) or (
                "en",
            )
        cap = meta.get("cap", {}) if isinstance(meta.get("cap"), dict) else {}
        if "sender" in cap:
            found["sender"] = settings.cap_sender
        if settings.cap_web is not None:
            found["web"] = settings.cap_web
        if settings.hotline is not None:
            found["hotline"] = settings.hotline
        for code in ("vi", "en"):
            if code in settings.sender_names:
                found[f"sender_name_{code}"] = settings.sender_names[code]
        return cls(**{**found, **overrides})

    @field_validator("severity_by_hazard_class")
    @classmethod
    def _severities(cls, value: dict[int, str]) -> dict[int, str]:
        allowed = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
        bad = {k: v for k, v in value.items() if v not in allowed or k not in (0, 1, 2, 3)}
        if bad or set(value) != {0, 1, 2, 3}:
            raise ValueError(f"need classes 0..3 mapped to one of {allowed}, got {value}")
        return value


@dataclass(frozen=True)
class WardImpact:
    """What the flood does to one ward: the input of :func:`plan_alerts`.

    Parameters
    ----------
    ward_id, name
        The ward's id (``W01``; the CAP geocode) and Vietnamese name (with diacritics).
    polygon
        The ward outline in WGS 84 **lon/lat**: a shapely Polygon/MultiPolygon, a GeoJSON-like
        mapping, or one ring as a sequence of (lon, lat).
    people_by_hazard_class
        People in hazard classes 0, 1, 2, 3 (four numbers).
    max_hazard_class
        Highest hazard class reached in the ward (0..3).
    arrival
        Earliest arrival of the water (aware); None: already flooded at the start.
    shelter
        Name of the nearest shelter (None: "the nearest high ground").
    max_depth_m
        Deepest water in the ward, for the text.
    observed
        True when the flooding is observed (sensors, reports), not modelled.
    """

    ward_id: str
    name: str
    polygon: Any
    people_by_hazard_class: tuple[int, int, int, int]
    max_hazard_class: int
    arrival: datetime | None
    shelter: str | None = None
    max_depth_m: float | None = None
    observed: bool = False


@dataclass(frozen=True)
class GaugeExceedance:
    """A river gauge passing an alarm level (BĐ1..BĐ3), observed or modelled.

    Parameters
    ----------
    gauge_id, gauge_name, river
        ``kim-long``, ``Kim Long``, ``Hương`` (names in Vietnamese).
    alarm_level
        1, 2 or 3 (the highest passed).
    time
        When the level is (or was) passed; aware.
    level_m
        The highest level reached, for the text.
    threshold_m
        The alarm level in metres (default: from :attr:`AlertRules.gauge_alarm_levels`).
    ward_ids
        Wards that must act (their outlines become the area when they are among the impacts).
    lon, lat
        The gauge's position (the area is a circle around it when no ward is named).
    """

    gauge_id: str
    gauge_name: str
    alarm_level: int
    time: datetime
    level_m: float | None = None
    threshold_m: float | None = None
    river: str | None = None
    observed: bool = False
    ward_ids: tuple[str, ...] = ()
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class PlannedAlert:
    """The content that should be in effect for one area (before lifecycle decisions).

    ``fingerprint`` hashes everything except the times of issue and expiry: two plans with
    the same fingerprint need no new message.
    """

    area_key: str
    infos: tuple[CapInfo, ...]
    fingerprint: str = field(default="")


def alarm_levels_from_gauges(gauges: Any) -> dict[str, AlarmLevels]:
    """Alarm levels per river gauge from a gauges table (the city's ``gauges`` layer).

    Use it as ``AlertRules(gauge_alarm_levels=alarm_levels_from_gauges(city.gauges))``.

    Parameters
    ----------
    gauges
        Table with ``gauge_id``, ``kind`` (rain gauges are skipped) and ``alarm1_m`` ..
        ``alarm3_m`` (NaN where not known).

    Examples
    --------
    >>> table = pd.DataFrame({"gauge_id": ["phu-oc"], "kind": ["river"], "alarm1_m": [None],
    ...                       "alarm2_m": [3.0], "alarm3_m": [4.5]})
    >>> alarm_levels_from_gauges(table)
    {'phu-oc': (None, 3.0, 4.5)}
    """

    def level(value: Any) -> float | None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None

    out: dict[str, AlarmLevels] = {}
    for _, row in gauges.iterrows():
        if str(row.get("kind", "river")) == "rain":
            continue
        bd1, bd2, bd3 = (level(row.get(f"alarm{k}_m")) for k in (1, 2, 3))
        out[str(row["gauge_id"])] = (bd1, bd2, bd3)
    return out


def gauge_exceedances(
    gauge_id: str,
    levels: pd.Series,
    *,
    rules: AlertRules | None = None,
    gauge_name: str | None = None,
    river: str | None = None,
    observed: bool = False,
) -> list[GaugeExceedance]:
    """Every alarm level a level series passes, with the first time it is passed.

    Parameters
    ----------
    levels
        Water level in metres, indexed by aware times (e.g. :func:`twin.sensors.series` or a
        modelled gauge series).

    Examples
    --------
    >>> idx = pd.date_range("2025-10-27T00:00", periods=4, freq="h", tz="Asia/Ho_Chi_Minh")
    >>> found = gauge_exceedances("kim-long", pd.Series([1.8, 2.4, 3.6, 3.2], index=idx))
    >>> [(e.alarm_level, e.time.hour, e.level_m) for e in found]
    [(1, 17, 3.6), (2, 18, 3.6), (3, 19, 3.6)]
    """
    rules = rules or AlertRules()
    thresholds = rules.gauge_alarm_levels.get(gauge_id)
    if thresholds is None:
        raise TwinError(
            f"no alarm levels for gauge {gauge_id!r}; add it to AlertRules.gauge_alarm_levels"
        )
    clean = levels.dropna()
    if clean.empty:
        return []
    peak = float(clean.max())
    found = []
    for level, threshold in enumerate(thresholds, start=1):
        if threshold is None:
            continue
        above = clean[clean >= threshold]
        if above.empty:
            continue
        found.append(
            GaugeExceedance(
                gauge_id,
                gauge_name or gauge_id,
                level,
                as_utc(above.index[0]),
                level_m=peak,
                threshold_m=threshold,
                river=river,
                observed=observed,
            )
        )
    return found


def _round_people(n: float) -> int:
    n = round(n)
    if n < 10:
        return n
    if n < 1000:
        return int(round(n, -1))
    return int(round(n, -(len(str(n)) - 2)))


def _num_vi(x: float, decimals: int = 0) -> str:
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _num_en(x: float, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}"


def _zone(rules: AlertRules) -> ZoneInfo:
    return LOCAL_TZ if rules.timezone is None else ZoneInfo(rules.timezone)


def _time_vi(t: datetime, rules: AlertRules) -> str:
    local = t.astimezone(_zone(rules))
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _time_en(t: datetime, rules: AlertRules) -> str:
    local = t.astimezone(_zone(rules))
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign, hours, rest = "+" if minutes >= 0 else "-", abs(minutes) // 60, abs(minutes) % 60
    utc = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{local:%H:%M} on {local.day} {_MONTHS_EN[local.month - 1]} {local.year} ({utc})"


def _floor(t: datetime, minutes: int) -> datetime:
    t = as_utc(t).replace(second=0, microsecond=0)
    return t - timedelta(minutes=t.minute % minutes)


def _classify(onset: datetime, now: datetime, observed: bool, rules: AlertRules) -> tuple[str, str]:
    lead_h = (onset - now).total_seconds() / 3600.0
    if lead_h <= rules.immediate_lead_h:
        urgency = "Immediate"
    elif lead_h <= rules.expected_lead_h:
        urgency = "Expected"
    else:
        urgency = "Future"
    if observed:
        certainty = "Observed"
    elif lead_h <= rules.likely_lead_h:
        certainty = "Likely"
    else:
        certainty = "Possible"
    return urgency, certainty


def _rings(geometry: Any) -> list[list[tuple[float, float]]]:
    """Exterior rings (lon, lat) of a shapely geometry, GeoJSON mapping or a ring."""
    if hasattr(geometry, "geom_type"):
        from shapely.geometry import mapping

        geometry = mapping(geometry)
    if isinstance(geometry, Mapping):
        kind = geometry.get("type")
        coords = geometry.get("coordinates")
        if kind == "Polygon":
            return [[(p[0], p[1]) for p in coords[0]]]  # type: ignore[index]
        if kind == "MultiPolygon":
            return [[(p[0], p[1]) for p in poly[0]] for poly in coords]  # type: ignore[union-attr]
        raise TwinError(f"a ward outline must be a Polygon or MultiPolygon, got {kind!r}")
    return [[(float(p[0]), float(p[1])) for p in geometry]]


def _simplify(ring: list[tuple[float, float]], max_points: int) -> list[tuple[float, float]]:
    if len(ring) <= max_points:
        return ring
    from shapely.geometry import Polygon

    polygon = Polygon(ring)
    tolerance = 1e-5
    while True:
        simple = polygon.simplify(tolerance, preserve_topology=True)
        coords = list(simple.exterior.coords)
        if len(coords) <= max_points:
            return [(x, y) for x, y, *_ in coords]
        tolerance *= 2


def _ward_area(ward: WardImpact, rules: AlertRules) -> CapArea:
    polygons = tuple(
        cap_polygon(_simplify(ring, rules.max_polygon_points)) for ring in _rings(ward.polygon)
    )
    return CapArea(ward.name, polygons, (), ((rules.geocode_name, ward.ward_id),))


def _response(severity: str, urgency: str) -> tuple[str, ...]:
    if severity in ("Extreme", "Severe") and urgency in ("Immediate", "Expected"):
        return ("Evacuate",)
    return ("Prepare",)


def _fingerprint(area_key: str, infos: Sequence[CapInfo]) -> str:
    content = [
        {k: str(v) for k, v in vars(i).items() if k not in ("effective", "expires")} for i in infos
    ]
    blob = json.dumps([area_key, content], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _infos(
    rules: AlertRules,
    *,
    event: tuple[str, str],
    urgency: str,
    severity: str,
    certainty: str,
    onset: datetime | None,
    expires: datetime,
    headline: tuple[str, str],
    description: tuple[str, str],
    instruction: tuple[str, str],
    areas: tuple[CapArea, ...],
    parameters: tuple[tuple[str, str], ...] = (),
    response: tuple[str, ...] = (),
) -> tuple[CapInfo, ...]:
    out = []
    written = {
        "vi": (0, "vi-VN", rules.sender_name_vi, f"Đường dây nóng {rules.hotline}"),
        "en": (1, "en-US", rules.sender_name_en, f"Hotline {rules.hotline}"),
    }
    for code in rules.languages:
        k, language, sender_name, contact = written[code]
        out.append(
            CapInfo(
                language=language,
                categories=("Met", "Safety"),
                event=event[k],
                urgency=urgency,
                severity=severity,
                certainty=certainty,
                response_types=response,
                onset=onset,
                expires=expires,
                sender_name=sender_name,
                headline=headline[k],
                description=description[k],
                instruction=instruction[k],
                web=rules.web,
                contact=contact,
                parameters=parameters,
                areas=areas,
            )
        )
    return tuple(out)


def _people_by_class(wards: Sequence[WardImpact], lowest: int, worst: int) -> tuple[str, str]:
    """The people of each hazard class from ``lowest`` up, worst first, each with its words.

    The wording of a class and the count given with it are of the same people: a ward whose
    worst cell is "dangerous for most" but whose people all live where it is "dangerous for
    some" is described so (a class with nobody in it is not named; with nobody in any, the
    worst class is named with its count of 0).
    """
    counts = {c: sum(w.people_by_hazard_class[c] for w in wards) for c in range(lowest, 4)}
    classes = [c for c in sorted(counts, reverse=True) if _round_people(counts[c]) > 0]
    if not classes:
        classes, counts = [worst], {worst: 0}
    vi = ", ".join(
        f"khoảng {_num_vi(_round_people(counts[c]))} người ở nơi {_HAZARD_VI[c]}" for c in classes
    )
    en = ", ".join(
        f"about {_num_en(_round_people(counts[c]))} where it is {_HAZARD_EN[c]}" for c in classes
    )
    return vi, en


def _ward_plan(
    key: str, wards: Sequence[WardImpact], now: datetime, rules: AlertRules
) -> PlannedAlert:
    arrivals = [as_utc(w.arrival) for w in wards if w.arrival is not None]
    # no arrival time: flooded from the start; no onset then, so that the content (and its
    # fingerprint) does not move with the clock
    onset = _floor(min(arrivals), rules.onset_rounding_min) if len(arrivals) == len(wards) else None
    start = onset if onset is not None else now
    hazard = max(w.max_hazard_class for w in wards)
    severity = rules.severity_by_hazard_class[hazard]
    urgency, certainty = _classify(start, now, all(w.observed for w in wards), rules)
    expires = max(start, now) + timedelta(hours=rules.valid_h)
    names = ", ".join(w.name for w in wards)
    at_risk = _round_people(
        sum(sum(w.people_by_hazard_class[rules.min_hazard_class :]) for w in wards)
    )
    depth = max((w.max_depth_m for w in wards if w.max_depth_m is not None), default=None)
    depth_vi = f"; nước sâu nhất khoảng {_num_vi(depth, 1)} m" if depth is not None else ""
    depth_en = f"; the deepest water is about {_num_en(depth, 1)} m" if depth is not None else ""
    if onset is None:
        arrival_vi, arrival_en = f"Nước lũ đã đến {names}.", f"Flood water has reached {names}."
        when_vi = when_en = ""
    elif onset <= now:
        arrival_vi = f"Nước lũ đã đến {names} từ {_time_vi(onset, rules)}."
        arrival_en = f"Flood water reached {names} at {_time_en(onset, rules)}."
    else:
        arrival_vi = f"Nước lũ dự kiến đến {names} vào khoảng {_time_vi(onset, rules)}."
        arrival_en = f"Flood water is expected in {names} from about {_time_en(onset, rules)}."
    if onset is not None:
        local = onset.astimezone(_zone(rules))
        when_vi = f", từ {local:%H:%M %d/%m}"
        when_en = f" from {local:%H:%M} {local.day} {_MONTHS_EN[local.month - 1]}"
    people_vi, people_en = _people_by_class(wards, rules.min_hazard_class, hazard)
    description = (
        f"{arrival_vi} Khoảng {_num_vi(at_risk)} người ở vùng ngập nguy hiểm: {people_vi}"
        f"{depth_vi}.",
        f"{arrival_en} About {_num_en(at_risk)} people are in dangerous flood water: "
        f"{people_en}{depth_en}.",
    )
    shelters_vi = "; ".join(f"{w.name}: {w.shelter or 'nơi cao ráo gần nhất'}" for w in wards)
    shelters_en = "; ".join(f"{w.name}: {w.shelter or 'the nearest high ground'}" for w in wards)
    if len(wards) == 1:
        shelters_vi = wards[0].shelter or "nơi cao ráo gần nhất"
        shelters_en = wards[0].shelter or "the nearest high ground"
    response = _response(severity, urgency)
    go_vi = "Di chuyển ngay đến" if response == ("Evacuate",) else "Chuẩn bị di chuyển đến"
    go_en = "Go now to" if response == ("Evacuate",) else "Get ready to go to"
    instruction = (
        f"{go_vi} điểm sơ tán gần nhất: {shelters_vi}. Không đi qua vùng nước sâu hoặc chảy "
        f"xiết; ngắt điện trước khi rời nhà. Cần cứu hộ, gọi {rules.hotline}.",
        f"{go_en} the nearest shelter: {shelters_en}. Do not walk or drive through deep or "
        f"fast-flowing water; switch off the electricity before leaving home. For rescue, call "
        f"{rules.hotline}.",
    )
    infos = _infos(
        rules,
        event=("Lũ lụt", "Flood"),
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        onset=onset,
        expires=expires,
        headline=(
            f"{_LABEL_VI.get(severity, 'Cảnh báo lũ')}: {names}{when_vi}",
            f"{_LABEL_EN.get(severity, 'Flood warning')} for {names}{when_en}",
        ),
        description=description,
        instruction=instruction,
        areas=tuple(_ward_area(w, rules) for w in wards),
        parameters=(
            ("hazardClass", str(hazard)),
            ("peopleAtRisk", str(at_risk)),
        ),
        response=response,
    )
    return PlannedAlert(key, infos, _fingerprint(key, infos))


def _gauge_plan(
    g: GaugeExceedance, wards: Mapping[str, WardImpact], now: datetime, rules: AlertRules
) -> PlannedAlert:
    key = f"gauge-{g.gauge_id}"
    levels = rules.gauge_alarm_levels.get(g.gauge_id, (None, None, None))
    threshold = g.threshold_m if g.threshold_m is not None else levels[g.alarm_level - 1]
    severity = {1: "Minor", 2: "Moderate", 3: "Severe"}[g.alarm_level]
    bd3 = levels[2]
    if g.level_m is not None and bd3 is not None and g.level_m >= bd3 + rules.extreme_above_bd3_m:
        severity = "Extreme"
    onset = _floor(g.time, rules.onset_rounding_min)
    urgency, certainty = _classify(onset, now, g.observed, rules)
    expires = max(onset, now) + timedelta(hours=rules.valid_h)
    named = [wards[w] for w in g.ward_ids if w in wards]
    if named:
        areas = tuple(_ward_area(w, rules) for w in named)
    else:
        circles: tuple[str, ...] = ()
        if g.lon is not None and g.lat is not None:
            circles = (cap_circle(g.lon, g.lat, rules.gauge_radius_km),)
        areas = (CapArea(f"Trạm {g.gauge_name} / {g.gauge_name} gauge", (), circles, ()),)
    river_vi = f"sông {g.river}" if g.river else "sông"
    river_en = f"the {g.river} River" if g.river else "the river"
    passed = onset <= now
    thr_vi = f" ({_num_vi(threshold, 2)} m)" if threshold is not None else ""
    thr_en = f" ({_num_en(threshold, 2)} m)" if threshold is not None else ""
    peak_vi = f" Mực nước cao nhất {_num_vi(g.level_m, 2)} m." if g.level_m is not None else ""
    peak_en = f" Highest level {_num_en(g.level_m, 2)} m." if g.level_m is not None else ""
    description = (
        f"Mực nước {river_vi} tại trạm {g.gauge_name} "
        f"{'đã vượt' if passed else 'dự kiến vượt'} mức báo động {g.alarm_level}{thr_vi} "
        f"lúc {_time_vi(onset, rules)}.{peak_vi}",
        f"The water level of {river_en} at the {g.gauge_name} gauge "
        f"{'passed' if passed else 'is expected to pass'} alarm level {g.alarm_level}{thr_en} "
        f"at {_time_en(onset, rules)}.{peak_en}",
    )
    if g.alarm_level >= 3:
        instruction = (
            "Người dân vùng trũng ven sông chuẩn bị sơ tán đến nơi cao ráo; không đi qua vùng "
            f"ngập. Cần cứu hộ, gọi {rules.hotline}.",
            "People in low-lying areas along the river: get ready to move to high ground; do "
            f"not cross flooded roads. For rescue, call {rules.hotline}.",
        )
    else:
        instruction = (
            "Theo dõi mực nước và tin cảnh báo; không đi qua vùng ngập; chuẩn bị sơ tán.",
            "Follow the water level and the warnings; do not cross flooded roads; be ready "
            "to leave.",
        )
    infos = _infos(
        rules,
        event=("Lũ trên sông", "River flood"),
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        onset=onset,
        expires=expires,
        headline=(
            f"Mực nước {river_vi} tại {g.gauge_name} vượt báo động {g.alarm_level}",
            f"{river_en[0].upper()}{river_en[1:]} at {g.gauge_name} above alarm level "
            f"{g.alarm_level}",
        ),
        description=description,
        instruction=instruction,
        areas=areas,
        parameters=(("alarmLevel", str(g.alarm_level)),),
        response=_response(severity, urgency),
    )
    return PlannedAlert(key, infos, _fingerprint(key, infos))


def plan_alerts(
    impacts: Sequence[WardImpact],
    gauges: Sequence[GaugeExceedance] = (),
    *,
    now: datetime,
    rules: AlertRules | None = None,
) -> list[PlannedAlert]:
    """The warnings that should be in effect now, one per ward (or group) and per gauge.

    Parameters
    ----------
    impacts
        One per ward (wards below the rules' thresholds get nothing).
    gauges
        Alarm levels passed; for each gauge only the highest level counts.
    now
        Aware time of issue (lead times are measured from it).

    Returns
    -------
    list of PlannedAlert
        Sorted by area key; ward keys are ``ward-<ward_id>`` (``ward-W01+W02`` for a group),
        gauge keys ``gauge-<gauge_id>``.
    """
    rules = rules or AlertRules()
    now = as_utc(now)
    problems = []
    for w in impacts:
        if len(w.people_by_hazard_class) != 4:
            problems.append(f"{w.ward_id}: people_by_hazard_class needs 4 numbers (classes 0..3)")
        if w.max_hazard_class not in (0, 1, 2, 3):
            problems.append(f"{w.ward_id}: max_hazard_class {w.max_hazard_class} is not 0..3")
        if any(not math.isfinite(p) or p < 0 for p in w.people_by_hazard_class):
            problems.append(f"{w.ward_id}: people counts must be finite and >= 0")
    for g in gauges:
        if g.alarm_level not in (1, 2, 3):
            problems.append(f"gauge {g.gauge_id}: alarm_level {g.alarm_level} is not 1..3")
    if problems:
        raise TwinError("cannot plan warnings from this impact summary", problems)

    affected = [
        w
        for w in impacts
        if w.max_hazard_class >= rules.min_hazard_class
        and sum(w.people_by_hazard_class[rules.min_hazard_class :]) >= rules.min_people
    ]
    plans = []
    if rules.group_wards:
        groups: dict[tuple[str, str, str], list[WardImpact]] = {}
        for w in affected:
            single = _ward_plan("x", [w], now, rules).infos[0]
            groups.setdefault((single.severity, single.urgency, single.certainty), []).append(w)
        for members in groups.values():
            members = sorted(members, key=lambda w: w.ward_id)
            key = "ward-" + "+".join(w.ward_id for w in members)
            plans.append(_ward_plan(key, members, now, rules))
    else:
        plans += [_ward_plan(f"ward-{w.ward_id}", [w], now, rules) for w in affected]
    by_id = {w.ward_id: w for w in impacts}
    highest: dict[str, GaugeExceedance] = {}
    for g in gauges:
        if g.alarm_level >= rules.min_gauge_alarm and (
            g.gauge_id not in highest or g.alarm_level > highest[g.gauge_id].alarm_level
        ):
            highest[g.gauge_id] = g
    plans += [_gauge_plan(g, by_id, now, rules) for g in highest.values()]
    return sorted(plans, key=lambda p: p.area_key)


def with_expiry(plan: PlannedAlert, expires: datetime) -> PlannedAlert:
    """``plan`` with another expiry time (the fingerprint does not change)."""
    return replace(plan, infos=tuple(replace(i, expires=expires) for i in plan.infos))
