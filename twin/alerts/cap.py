"""CAP 1.2 (OASIS Common Alerting Protocol) messages: a model, an XML writer and reader.

The writer follows the OASIS CAP 1.2 standard (2010): elements in the schema's order in the
namespace ``urn:oasis:names:tc:emergency:cap:1.2``; times as ``2025-10-27T07:00:00+07:00``
(never ``Z``, never fractions); ``references`` as space-separated ``sender,identifier,sent``
triples; polygons as space-separated ``lat,lon`` pairs, a closed ring of at least four
points. Every message is checked when it is written: against the official OASIS XML schema
(shipped in this package as ``schemas/CAP-v1.2.xsd``), and against the rules of the standard
that the schema cannot express (identifier and sender characters, references of an Update or
Cancel, closed polygons, coordinate ranges, ``restriction`` for a Restricted and ``addresses``
for a Private message).
Nothing stricter: rules of this service's own (one urgency/severity/certainty for every
language, ``expires`` after ``sent``) are checked where it issues messages
(:func:`twin.alerts.issue_alerts`). The model has no ``restriction`` or ``addresses``, so it
writes ``Public`` messages only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from lxml import etree

from twin._errors import TwinError
from twin._time import as_utc, local_iso

__all__ = [
    "CAP_NAMESPACE",
    "CapArea",
    "CapInfo",
    "CapMessage",
    "cap_circle",
    "cap_polygon",
    "cap_schema",
    "message_problems",
    "validate_cap_xml",
]

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
_NS = f"{{{CAP_NAMESPACE}}}"

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
RESPONSE_TYPES = (
    "Shelter",
    "Evacuate",
    "Prepare",
    "Execute",
    "Avoid",
    "Monitor",
    "Assess",
    "AllClear",
    "None",
)
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

# CAP 1.2, 3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted
# characters (< and &)".
_BAD_ID_CHARS = re.compile(r"[\s,<&]")
_PAIR = r"-?\d+(\.\d+)?,-?\d+(\.\d+)?"
_POLYGON = re.compile(rf"^{_PAIR}( {_PAIR}){{3,}}$")
_CIRCLE = re.compile(rf"^{_PAIR} \d+(\.\d+)?$")

_SCHEMA_FILE = "CAP-v1.2.xsd"  # verbatim from OASIS; see schemas/NOTICE


@lru_cache(maxsize=1)
def cap_schema() -> etree.XMLSchema:
    """The official OASIS CAP 1.2 XML schema, shipped in the package (``schemas/CAP-v1.2.xsd``).

    Raises
    ------
    twin.TwinError
        When the schema file is missing from the installation (a broken install).
    """
    resource = resources.files("twin.alerts") / "schemas" / _SCHEMA_FILE
    try:
        data = resource.read_bytes()
    except OSError as exc:
        raise TwinError(
            f"the OASIS CAP 1.2 schema twin/alerts/schemas/{_SCHEMA_FILE} is missing from this "
            "installation of hue-twin: reinstall it"
        ) from exc
    return etree.XMLSchema(etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False)))


def validate_cap_xml(xml: bytes | str) -> None:
    """Check a CAP XML document against the OASIS CAP 1.2 schema and the standard's rules.

    Raises
    ------
    twin.TwinError
        Listing every problem (schema errors with their line numbers).

    Examples
    --------
    >>> try:
    ...     validate_cap_xml(b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>")
    ... except TwinError as exc:
    ...     print(exc.problems[0].split(": ", 2)[2])
    Missing child element(s). Expected is ( {urn:oasis:names:tc:emergency:cap:1.2}identifier ).
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        doc = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise TwinError("the CAP message is not well-formed XML", [str(exc)]) from exc
    schema = cap_schema()
    if not schema.validate(doc):
        problems = [f"line {e.line}: {e.message}" for e in schema.error_log]
        raise TwinError("the CAP message is not valid CAP 1.2", problems)
    problems = _scope_problems(doc) + message_problems(CapMessage.from_xml(data))
    if problems:
        raise TwinError("the CAP message breaks rules of the CAP 1.2 standard", problems)


def _scope_problems(doc: etree._Element) -> list[str]:
    """CAP 1.2, 3.2.1: ``restriction`` is used with scope Restricted, ``addresses`` is
    required with scope Private."""
    scope = doc.findtext(_NS + "scope")
    if scope == "Restricted" and not doc.findtext(_NS + "restriction"):
        return ["scope Restricted needs a <restriction> saying who may see the message"]
    if scope == "Private" and not doc.findtext(_NS + "addresses"):
        return ["scope Private needs <addresses> naming the recipients"]
    return []


def _format_number(value: float) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cap_polygon(ring_lonlat: Iterable[Sequence[float]]) -> str:
    """Write a ring given as (lon, lat) pairs (GeoJSON / shapely order) in CAP's form.

    CAP wants ``"lat,lon lat,lon ..."``: latitude FIRST, a closed ring (first pair equal to
    the last), at least four pairs. Coordinates are rounded to 5 decimals (about 1 m).

    Raises
    ------
    twin.TwinError
        When the ring has fewer than three distinct points or a coordinate is out of range
        (a latitude above 90 usually means the pairs were given as lat, lon).

    Examples
    --------
    >>> cap_polygon([(107.58, 16.46), (107.60, 16.46), (107.60, 16.48)])
    '16.46,107.58 16.46,107.6 16.48,107.6 16.46,107.58'
    """
    points = [(float(p[0]), float(p[1])) for p in ring_lonlat]
    problems = []
    for lon, lat in points:
        if not (math.isfinite(lon) and math.isfinite(lat) and -90 <= lat <= 90):
            problems.append(f"({lon}, {lat}): latitude outside -90..90 (pairs must be lon, lat)")
        elif not -180 <= lon <= 180:
            problems.append(f"({lon}, {lat}): longitude outside -180..180")
    if problems:
        raise TwinError("a CAP polygon has coordinates out of range", problems[:5])
    pairs = [(_format_number(lat), _format_number(lon)) for lon, lat in points]
    while len(pairs) > 1 and pairs[-1] == pairs[0]:
        pairs.pop()
    distinct = list(dict.fromkeys(pairs))
    if len(distinct) < 3:
        raise TwinError(
            f"a CAP polygon needs at least 3 distinct points, got {len(distinct)}",
        )
    pairs.append(pairs[0])
    return " ".join(f"{lat},{lon}" for lat, lon in pairs)


def cap_circle(lon: float, lat: float, radius_km: float) -> str:
    """A CAP circle ``"lat,lon radius_km"`` from a (lon, lat) centre.

    Examples
    --------
    >>> cap_circle(107.5448, 16.4541, 10)
    '16.4541,107.5448 10'
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and radius_km >= 0):
        raise TwinError(f"circle centre ({lon}, {lat}) or radius {radius_km} out of range")
    return f"{_format_number(lat)},{_format_number(lon)} {_format_number(radius_km)}"


@dataclass(frozen=True)
class CapArea:
    """``<area>``: a description, polygons (CAP strings), circles and geocodes."""

    area_desc: str
    polygons: tuple[str, ...] = ()
    circles: tuple[str, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CapInfo:
    """``<info>``: one language's text and the classification of the event."""

    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    response_types: tuple[str, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    areas: tuple[CapArea, ...] = ()


@dataclass(frozen=True)
class CapMessage:
    """``<alert>``: a whole CAP 1.2 message.

    Parameters
    ----------
    scope
        ``Public``: the only scope :meth:`to_xml` writes (Restricted and Private messages need
        ``restriction`` or ``addresses``, which this model does not carry); messages read with
        :meth:`from_xml` may have any scope.
    references
        Earlier messages this one updates or cancels, each ``"sender,identifier,sent"``.
    timezone
        IANA time zone its times are written in (the city's); ``None``: the twin's default.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> info = CapInfo("en-US", ("Met",), "Flood", "Expected", "Severe", "Likely")
    >>> msg = CapMessage(
    ...     "hue-twin.1", "twin@hue-twin.example", datetime(2025, 10, 27, tzinfo=timezone.utc),
    ...     "Actual", "Alert", infos=(info,),
    ... )
    >>> b"<sent>2025-10-27T07:00:00+07:00</sent>" in msg.to_xml()
    True
    """

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str = "Public"
    source: str | None = None
    note: str | None = None
    references: tuple[str, ...] = ()
    incidents: str | None = None
    infos: tuple[CapInfo, ...] = field(default_factory=tuple)
    timezone: str | None = None

    @property
    def reference(self) -> str:
        """This message as others reference it: ``"sender,identifier,sent"``."""
        return f"{self.sender},{self.identifier},{local_iso(self.sent, self.timezone)}"

    def to_element(self) -> etree._Element:
        """The message as an lxml element (not validated; :meth:`to_xml` validates)."""
        root = etree.Element(_NS + "alert", nsmap={None: CAP_NAMESPACE})

        def add(parent: etree._Element, tag: str, text: str | None) -> None:
            if text is not None:
                etree.SubElement(parent, _NS + tag).text = text

        def add_pairs(parent: etree._Element, tag: str, pairs: Iterable[tuple[str, str]]) -> None:
            for name, value in pairs:
                element = etree.SubElement(parent, _NS + tag)
                add(element, "valueName", name)
                add(element, "value", value)

        add(root, "identifier", self.identifier)
        add(root, "sender", self.sender)
        add(root, "sent", local_iso(self.sent, self.timezone))
        add(root, "status", self.status)
        add(root, "msgType", self.msg_type)
        add(root, "source", self.source)
        add(root, "scope", self.scope)
        add(root, "note", self.note)
        add(root, "references", " ".join(self.references) if self.references else None)
        add(root, "incidents", self.incidents)
        for info in self.infos:
            node = etree.SubElement(root, _NS + "info")
            add(node, "language", info.language)
            for category in info.categories:
                add(node, "category", category)
            add(node, "event", info.event)
            for response in info.response_types:
                add(node, "responseType", response)
            add(node, "urgency", info.urgency)
            add(node, "severity", info.severity)
            add(node, "certainty", info.certainty)
            for tag in ("effective", "onset", "expires"):
                when = getattr(info, tag)
                add(node, tag, None if when is None else local_iso(when, self.timezone))
            add(node, "senderName", info.sender_name)
            add(node, "headline", info.headline)
            add(node, "description", info.description)
            add(node, "instruction", info.instruction)
            add(node, "web", info.web)
            add(node, "contact", info.contact)
            add_pairs(node, "parameter", info.parameters)
            for area in info.areas:
                area_node = etree.SubElement(node, _NS + "area")
                add(area_node, "areaDesc", area.area_desc)
                for polygon in area.polygons:
                    add(area_node, "polygon", polygon)
                for circle in area.circles:
                    add(area_node, "circle", circle)
                add_pairs(area_node, "geocode", area.geocodes)
        return root

    def to_xml(self, *, validate: bool = True) -> bytes:
        """UTF-8 XML with declaration, validated against the CAP 1.2 schema and rules.

        Raises
        ------
        twin.TwinError
            When the message is not valid CAP 1.2 (every problem listed).
        """
        problems = message_problems(self)
        if self.scope != "Public":
            problems.append(
                f"scope {self.scope!r}: only Public messages can be written (this model has no "
                "<restriction> or <addresses>, which Restricted and Private need)"
            )
        if problems:
            raise TwinError(f"CAP message {self.identifier!r} is not valid CAP 1.2", problems)
        xml = etree.tostring(
            self.to_element(), xml_declaration=True, encoding="UTF-8", pretty_print=True
        )
        if validate:
            validate_cap_xml(xml)
        return bytes(xml)

    def to_dict(self) -> dict[str, Any]:
        """The message as JSON-ready data with CAP's element names (times in Huế time)."""

        def pairs(items: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
            return [{"valueName": n, "value": v} for n, v in items]

        def info_dict(info: CapInfo) -> dict[str, Any]:
            out: dict[str, Any] = {
                "language": info.language,
                "category": list(info.categories),
                "event": info.event,
                "responseType": list(info.response_types),
                "urgency": info.urgency,
                "severity": info.severity,
                "certainty": info.certainty,
            }
            for key in ("effective", "onset", "expires"):
                when = getattr(info, key)
                if when is not None:
                    out[key] = local_iso(when, self.timezone)
            for key, name in (
                ("sender_name", "senderName"),
                ("headline", "headline"),
                ("description", "description"),
                ("instruction", "instruction"),
                ("web", "web"),
                ("contact", "contact"),
            ):
                if getattr(info, key) is not None:
                    out[name] = getattr(info, key)
            out["parameter"] = pairs(info.parameters)
            out["area"] = [
                {
                    "areaDesc": a.area_desc,
                    "polygon": list(a.polygons),
                    "circle": list(a.circles),
                    "geocode": pairs(a.geocodes),
                }
                for a in info.areas
            ]
            return out

        data: dict[str, Any] = {
            "identifier": self.identifier,
            "sender": self.sender,
            "sent": local_iso(self.sent, self.timezone),
            "status": self.status,
            "msgType": self.msg_type,
            "scope": self.scope,
        }
        for key in ("source", "note", "incidents"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.references:
            data["references"] = " ".join(self.references)
        data["info"] = [info_dict(i) for i in self.infos]
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (UTF-8, diacritics kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_xml(cls, xml: bytes | str) -> CapMessage:
        """Read a CAP 1.2 XML document (the inverse of :meth:`to_xml`).

        Raises
        ------
        twin.TwinError
            When it is not XML or not a CAP 1.2 ``alert``.
        """
        data = xml.encode("utf-8") if isinstance(xml, str) else xml
        try:
            root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError as exc:
            raise TwinError("not well-formed XML", [str(exc)]) from exc
        if root.tag != _NS + "alert":
            raise TwinError(f"not a CAP 1.2 alert (root element {root.tag!r})")

        def text(node: etree._Element, tag: str) -> str | None:
            child = node.find(_NS + tag)
            return None if child is None else (child.text or "")

        def texts(node: etree._Element, tag: str) -> tuple[str, ...]:
            return tuple(c.text or "" for c in node.findall(_NS + tag))

        def when(node: etree._Element, tag: str) -> datetime | None:
            value = text(node, tag)
            return None if value is None else as_utc(value)

        def pairs(node: etree._Element, tag: str) -> tuple[tuple[str, str], ...]:
            return tuple(
                (text(c, "valueName") or "", text(c, "value") or "")
                for c in node.findall(_NS + tag)
            )

        infos = []
        for node in root.findall(_NS + "info"):
            areas = tuple(
                CapArea(
                    text(a, "areaDesc") or "",
                    texts(a, "polygon"),
                    texts(a, "circle"),
                    pairs(a, "geocode"),
                )
                for a in node.findall(_NS + "area")
            )
            infos.append(
                CapInfo(
                    language=text(node, "language") or "en-US",
                    categories=texts(node, "category"),
                    event=text(node, "event") or "",
                    urgency=text(node, "urgency") or "",
                    severity=text(node, "severity") or "",
                    certainty=text(node, "certainty") or "",
                    response_types=texts(node, "responseType"),
                    effective=when(node, "effective"),
                    onset=when(node, "onset"),
                    expires=when(node, "expires"),
                    sender_name=text(node, "senderName"),
                    headline=text(node, "headline"),
                    description=text(node, "description"),
                    instruction=text(node, "instruction"),
                    web=text(node, "web"),
                    contact=text(node, "contact"),
                    parameters=pairs(node, "parameter"),
                    areas=areas,
                )
            )
        references = text(root, "references")
        sent = text(root, "sent")
        return cls(
            identifier=text(root, "identifier") or "",
            sender=text(root, "sender") or "",
            sent=as_utc(sent) if sent else as_utc("1970-01-01T00:00:00Z"),
            status=text(root, "status") or "",
            msg_type=text(root, "msgType") or "",
            scope=text(root, "scope") or "",
            source=text(root, "source"),
            note=text(root, "note"),
            references=tuple(references.split()) if references else (),
            incidents=text(root, "incidents"),
            infos=tuple(infos),
        )


def _ring_problems(polygon: str, where: str) -> list[str]:
    if not _POLYGON.match(polygon):
        return [f"{where}: polygon must be at least 4 'lat,lon' pairs separated by spaces"]
    pairs = [tuple(float(v) for v in p.split(",")) for p in polygon.split()]
    problems = []
    if pairs[0] != pairs[-1]:
        problems.append(f"{where}: polygon is not closed (first pair must equal the last)")
    for lat, lon in pairs:
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            problems.append(f"{where}: pair {lat},{lon} out of range (is it lon,lat?)")
            break
    return problems


def message_problems(msg: CapMessage) -> list[str]:
    """Every way ``msg`` breaks CAP 1.2 rules (empty list: none). Used before writing XML."""
    problems = []
    for name, value in (("identifier", msg.identifier), ("sender", msg.sender)):
        if not value or _BAD_ID_CHARS.search(value):
            problems.append(f"{name} {value!r} must be non-empty, without spaces, ',', '<', '&'")
    for name, value, allowed in (
        ("status", msg.status, STATUSES),
        ("msgType", msg.msg_type, MSG_TYPES),
        ("scope", msg.scope, SCOPES),
    ):
        if value not in allowed:
            problems.append(f"{name} {value!r} is not one of {', '.join(allowed)}")
    if msg.sent.tzinfo is None:
        problems.append("sent must be timezone-aware")
    for ref in msg.references:
        parts = ref.split(",")
        if len(parts) != 3 or not all(parts):
            problems.append(f"reference {ref!r} must be 'sender,identifier,sent'")
    if msg.msg_type in ("Update", "Cancel") and not msg.references:
        problems.append(f"a {msg.msg_type} must reference the message(s) it replaces")
    for i, info in enumerate(msg.infos, start=1):
        where = f"info {i} ({info.language})"
        if not info.categories or any(c not in CATEGORIES for c in info.categories):
            problems.append(f"{where}: categories {info.categories} must be from {CATEGORIES}")
        if any(r not in RESPONSE_TYPES for r in info.response_types):
            problems.append(f"{where}: responseTypes {info.response_types} not all allowed")
        for name, value, allowed in (
            ("urgency", info.urgency, URGENCIES),
            ("severity", info.severity, SEVERITIES),
            ("certainty", info.certainty, CERTAINTIES),
        ):
            if value not in allowed:
                problems.append(f"{where}: {name} {value!r} is not one of {', '.join(allowed)}")
        for tag in ("effective", "onset", "expires"):
            when = getattr(info, tag)
            if when is not None and when.tzinfo is None:
                problems.append(f"{where}: {tag} must be timezone-aware")
        for j, area in enumerate(info.areas, start=1):
            if not area.area_desc:
                problems.append(f"{where} area {j}: areaDesc is empty")
            for polygon in area.polygons:
                problems += _ring_problems(polygon, f"{where} area {j}")
            for circle in area.circles:
                if not _CIRCLE.match(circle):
                    problems.append(f"{where} area {j}: circle must be 'lat,lon radius_km'")
    return problems
