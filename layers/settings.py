"""Per-city settings from ``city.toml``: time zone, languages, warnings, gauges, agencies.

Everything a city does differently from another lives in its ``city.toml``, never in the
code: the twin reads it through :attr:`layers.City.settings`. Every key is optional; a city
without any gets neutral values (UTC, English). Huế's values are in the demo city's
``city.toml`` (:func:`layers.build_demo_city`).

.. code-block:: toml

    timezone = "Europe/Helsinki"          # IANA name: how times are shown and naive ones read
    languages = ["fi", "sv", "en"]        # warnings are written in this order

    [cap]                                 # CAP 1.2 warnings
    sender = "flood@hel.example"          # no spaces, commas, '<' or '&'
    web = "https://hel.example/flood"
    sender_names = { fi = "Helsingin tulvamalli", en = "Helsinki flood twin" }
    hotline = "112"                       # the number warnings tell people to call

    [ward_kinds.kaupunginosa]             # allowed ward kinds, with a label per language
    fi = "Kaupunginosa"
    en = "District"

    [nowcast]                             # read by twin.nowcast
    lagoon_gauge = "kauppatori"           # the station whose level is held on the sea edges
    sea_edges = ["south"]                 # edges facing the sea (none: every edge is free)

    [open311]                             # read by twin.reports and the Open311 API
    contact = "Helsinki city hotline 09 310 01"
    agencies = { street_light = "Helen Oy" }          # by service code
    notices = { flooded_street = "For danger to life call 112." }

    [[stations]]                          # sensor stations in no layer (twin.sensors)
    id = "kauppatori"
    kind = "river"                        # dam, river or rain
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["CitySettings", "read_settings"]

_BAD_SENDER = set(" ,<&\t\n")


@dataclass(frozen=True)
class CitySettings:
    """The settings of one city (see the module docstring for the ``city.toml`` keys).

    Attributes
    ----------
    timezone
        IANA time-zone name.
    languages
        Language codes (``vi``, ``en``, ``fi``...) in the order warnings are written.
    cap_sender, cap_web, hotline
        CAP ``sender``, ``web`` and the hotline number warnings give.
    sender_names
        CAP ``senderName`` per language.
    ward_kinds
        Allowed ward kinds, each with its label per language; empty: any kind.
    nowcast, open311
        Tables for the nowcast (sea and lagoon gauges, edges) and the Open311 service.
    stations
        The sensor station table.
    """

    timezone: str = "UTC"
    languages: tuple[str, ...] = ("en",)
    cap_sender: str = "twin@hue-twin.example"
    cap_web: str | None = None
    hotline: str | None = None
    sender_names: Mapping[str, str] = field(default_factory=dict)
    ward_kinds: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    nowcast: Mapping[str, Any] = field(default_factory=dict)
    open311: Mapping[str, Any] = field(default_factory=dict)
    stations: tuple[Mapping[str, Any], ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        """The time zone as a :class:`zoneinfo.ZoneInfo`."""
        return ZoneInfo(self.timezone)

    def kind_label(self, kind: str, language: str) -> str:
        """A ward kind's label in ``language`` (the kind itself when none is given)."""
        return str(self.ward_kinds.get(kind, {}).get(language, kind))


def _text_table(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def read_settings(meta: Mapping[str, Any]) -> tuple[CitySettings, list[str]]:
    """The settings in ``city.toml`` contents, and one line per bad value.

    Parameters
    ----------
    meta
        What :func:`layers.io.read_meta` read.

    Returns
    -------
    settings, problems
        Bad values are left at their neutral default and reported.

    Examples
    --------
    >>> s, problems = read_settings({"timezone": "Europe/Helsinki", "languages": ["fi", "en"]})
    >>> s.languages, problems
    (('fi', 'en'), [])
    >>> print(read_settings({"timezone": "Mars/Olympus"})[1][0])  # doctest: +ELLIPSIS
    city.toml: unknown timezone 'Mars/Olympus'; fix: use an IANA name such as ...
    """
    problems: list[str] = []
    values: dict[str, Any] = {}
    zone = meta.get("timezone")
    if zone is not None:
        try:
            ZoneInfo(str(zone))
            values["timezone"] = str(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                f"city.toml: unknown timezone {zone!r}; fix: use an IANA name such as "
                '"Asia/Ho_Chi_Minh" or "Europe/Helsinki"'
            )
    languages = meta.get("languages")
    if languages is not None:
        if (
            isinstance(languages, list)
            and languages
            and all(isinstance(x, str) and x for x in languages)
        ):
            values["languages"] = tuple(languages)
        else:
            problems.append(
                f"city.toml: languages {languages!r} is not a list of language codes; "
                'fix: write languages = ["vi", "en"] (the first is written first)'
            )
    cap = meta.get("cap", {})
    if not isinstance(cap, dict):
        problems.append("city.toml: [cap] is not a table; fix: write it as [cap]")
        cap = {}
    sender = cap.get("sender")
    if sender is not None:
        if isinstance(sender, str) and sender and not (_BAD_SENDER & set(sender)):
            values["cap_sender"] = sender
        else:
            problems.append(
                f"city.toml: [cap] sender {sender!r} must be text without spaces, commas, "
                "'<' or '&'; fix: use an address such as flood@city.example"
            )
    for key, name in (("web", "cap_web"), ("hotline", "hotline")):
        if key in cap:
            values[name] = str(cap[key])
    names = cap.get("sender_names")
    if names is not None:
        if _text_table(names):
            values["sender_names"] = dict(names)
        else:
            problems.append(
                "city.toml: [cap] sender_names must map language codes to text; "
                'fix: sender_names = { en = "..." }'
            )
    kinds = meta.get("ward_kinds")
    if kinds is not None:
        if isinstance(kinds, dict) and all(_text_table(v) for v in kinds.values()):
            values["ward_kinds"] = {str(k): dict(v) for k, v in kinds.items()}
        else:
            problems.append(
                "city.toml: [ward_kinds] must hold one table of labels per kind; "
                'fix: [ward_kinds.phuong] with vi = "Phường", en = "Ward"'
            )
    for key in ("nowcast", "open311"):
        table = meta.get(key)
        if table is not None:
            if isinstance(table, dict):
                values[key] = dict(table)
            else:
                problems.append(f"city.toml: [{key}] is not a table; fix: write it as [{key}]")
    stations = meta.get("stations")
    if stations is not None:
        if isinstance(stations, list) and all(isinstance(s, dict) for s in stations):
            values["stations"] = tuple(dict(s) for s in stations)
        else:
            problems.append(
                "city.toml: stations must be an array of tables; fix: write [[stations]] blocks"
            )
    return CitySettings(**values), problems
