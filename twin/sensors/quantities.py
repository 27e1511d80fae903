"""Stations, quantities, units and the physical limits that quality control checks.

Every station has a kind (``"dam"``, ``"river"`` or ``"rain"``); each kind reports a fixed set
of quantities, each stored in one canonical unit:

==========  ================  ===============  ==========================================
kind        quantity          canonical unit   accepted units (converted on ingest)
==========  ================  ===============  ==========================================
dam         ``water_level``   m                m, cm, mm
dam         ``outflow``       m3/s             m3/s, m³/s, m3 s-1, cumecs, l/s
dam         ``inflow``        m3/s             as outflow
dam         ``gate_opening``  m                m, cm, mm (opening height of the gates)
river       ``water_level``   m                m, cm, mm
rain        ``rain``          mm               mm, cm, m (depth fallen in the interval)
==========  ================  ===============  ==========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from layers import City

__all__ = [
    "HUE_STATIONS",
    "QUANTITY_UNITS",
    "STATION_KINDS",
    "QCConfig",
    "QuantityLimits",
    "check_stations",
    "convert_unit",
    "stations_from_city",
]

STATION_KINDS: dict[str, tuple[str, ...]] = {
    "dam": ("water_level", "outflow", "inflow", "gate_opening"),
    "river": ("water_level",),
    "rain": ("rain",),
}
"""The quantities each kind of station reports."""

QUANTITY_UNITS: dict[str, str] = {
    "water_level": "m",
    "outflow": "m3/s",
    "inflow": "m3/s",
    "gate_opening": "m",
    "rain": "mm",
}
"""The canonical (stored) unit of each quantity."""

# factor to the canonical unit, per canonical unit; keys are normalised (lower case, no spaces)
_UNIT_FACTORS: dict[str, dict[str, float]] = {
    "m": {"m": 1.0, "cm": 0.01, "mm": 0.001},
    "mm": {"mm": 1.0, "cm": 10.0, "m": 1000.0},
    "m3/s": {
        "m3/s": 1.0,
        "m³/s": 1.0,
        "m3s-1": 1.0,
        "m^3/s": 1.0,
        "cumecs": 1.0,
        "l/s": 0.001,
    },
}

HUE_STATIONS: dict[str, str] = {
    "kim-long": "river",
    "phu-oc": "river",
    "thuan-an": "river",
    "ta-trach": "dam",
    "binh-dien": "dam",
    "huong-dien": "dam",
    "rain-hue": "rain",
    "rain-phu-bai": "rain",
    "rain-thuan-an": "rain",
    "rain-tu-ha": "rain",
}
"""Station id -> kind of the Huế demo city: the default of :func:`~twin.sensors.ingest_readings`
and :func:`~twin.sensors.ingest_files` when no city's stations are given.

``kim-long`` (Hương river) and ``phu-oc`` (Bồ river) are the gauges with alarm levels in
FACTS.md; the dam ids are the ``dam_id`` values of the demo city's dams layer and the rain
gauges its ``gauge_id`` values (kind ``rain``); ``thuan-an`` is the lagoon level at the Thuận
An mouth (the model's boundary), which the demo city's gauges layer does not hold: its
``city.toml`` declares it as a ``[[stations]]`` block. Other cities' stations come from
:func:`stations_from_city`, never from here.
"""


def convert_unit(value: float, unit: str, quantity: str) -> float | None:
    """Convert ``value`` given in ``unit`` to the canonical unit of ``quantity``.

    Parameters
    ----------
    value
        The number as read.
    unit
        The declared unit (case and spaces ignored: ``"M3/S"``, ``"m3 s-1"``).
    quantity
        One of :data:`QUANTITY_UNITS`.

    Returns
    -------
    float or None
        The value in the canonical unit, or None when the unit is unknown or does not fit the
        quantity (QC flags that reading ``wrong_unit``).

    Examples
    --------
    >>> convert_unit(358.0, "cm", "water_level")
    3.58
    >>> convert_unit(1800.0, "m³/s", "outflow")
    1800.0
    >>> convert_unit(12.0, "m3/s", "rain") is None
    True
    """
    canonical = QUANTITY_UNITS.get(quantity)
    if canonical is None:
        return None
    factor = _UNIT_FACTORS[canonical].get(unit.strip().lower().replace(" ", ""))
    if factor is None:
        return None
    return round(value * factor, 9)


class QuantityLimits(BaseModel):
    """Quality-control limits of one (kind, quantity) pair, in the canonical unit.

    Parameters
    ----------
    min, max
        Physical range; outside it a reading is flagged ``out_of_range``. For rain the range
        applies to the intensity in mm/h (the depth divided by its interval).
    max_rate_per_h
        Largest believable change per hour against the previous good reading; above it the
        reading is flagged ``spike``. None: no spike test.
    stuck_count
        A run of this many identical consecutive values (or more) flags the repeats
        ``stuck``. None: no stuck test.
    stuck_min_h
        ... and the run must span at least this many hours (a fast feed repeats a slow
        river's level for a while without being broken).
    stuck_ignore
        A value that may legitimately repeat (0 mm of rain), never counted as stuck.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min: float
    max: float
    max_rate_per_h: float | None = None
    stuck_count: int | None = Field(default=None, ge=2)
    stuck_min_h: float = Field(default=0.0, ge=0)
    stuck_ignore: float | None = None


def _default_limits() -> dict[str, QuantityLimits]:
    return {
        # Kim Long's 1999 record was about 5.9 m; a gauge reading 12 m is broken.
        "river:water_level": QuantityLimits(
            min=-3.0, max=12.0, max_rate_per_h=1.0, stuck_count=6, stuck_min_h=3.0
        ),
        # Reservoir levels in metres above sea level (Bình Điền's normal level is 85 m).
        "dam:water_level": QuantityLimits(
            min=0.0, max=200.0, max_rate_per_h=0.5, stuck_count=12, stuck_min_h=6.0
        ),
        "dam:outflow": QuantityLimits(min=0.0, max=20000.0, max_rate_per_h=3000.0),
        "dam:inflow": QuantityLimits(min=0.0, max=30000.0, max_rate_per_h=6000.0),
        "dam:gate_opening": QuantityLimits(min=0.0, max=20.0),
        # Intensity in mm/h: the world record is about 300 mm in an hour.
        "rain:rain": QuantityLimits(
            min=0.0, max=250.0, stuck_count=6, stuck_min_h=3.0, stuck_ignore=0.0
        ),
    }


class QCConfig(BaseModel):
    """Every quality-control threshold, configurable (defaults suit hourly Huế feeds).

    Parameters
    ----------
    limits
        Per ``"kind:quantity"``: range, spike rate and stuck run length.
    future_tolerance_s
        A reading later than ``now`` plus this is flagged ``future`` (clock skew allowance).
    earliest_time
        A reading before this is flagged ``too_old`` (a logger whose clock reset to 1970, a
        year typo); default 1990-01-01 UTC, before any telemetered gauge of the basin.
    gap_factor
        A gap note is written where two consecutive readings of a station lie more than
        ``gap_factor`` times the station's usual interval (the median spacing) apart.
    min_gap_s
        ... and more than this many seconds apart.
    default_rain_interval_s
        Interval assumed for a rain reading with no ``interval_min`` and no earlier reading.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    limits: dict[str, QuantityLimits] = Field(default_factory=_default_limits)
    future_tolerance_s: float = Field(default=300.0, ge=0)
    earliest_time: AwareDatetime = Field(default=datetime(1990, 1, 1, tzinfo=UTC))
    gap_factor: float = Field(default=1.5, gt=1)
    min_gap_s: float = Field(default=600.0, ge=0)
    default_rain_interval_s: float = Field(default=3600.0, gt=0)

    def limits_for(self, kind: str, quantity: str) -> QuantityLimits | None:
        """The limits of ``quantity`` at a station of ``kind`` (None: not reported there)."""
        return self.limits.get(f"{kind}:{quantity}")


def stations_from_city(city: City) -> dict[str, str]:
    """Station id -> kind from a :class:`layers.City`: its layers and ``city.toml``.

    The dams and gauges layers, then the ``[[stations]]`` blocks of ``city.toml``
    (``id = "thuan-an"``, ``kind = "river"``) for stations that are in no layer.

    Parameters
    ----------
    city
        Anything with ``dams`` (column ``dam_id``) and ``gauges`` (``gauge_id``, ``kind``)
        tables, and optionally ``meta`` (the ``city.toml`` contents); only those are read.

    Returns
    -------
    dict
        ``{dam_id: "dam", gauge_id: "river" | "rain", ...}``.

    Raises
    ------
    twin.TwinError
        A ``[[stations]]`` block without a text ``id`` or with an unknown ``kind`` (every
        bad block is listed).
    """
    from layers.settings import read_settings
    from twin._errors import TwinError

    stations: dict[str, str] = {str(d): "dam" for d in city.dams["dam_id"]}
    for gid, kind in zip(city.gauges["gauge_id"], city.gauges["kind"], strict=True):
        stations[str(gid)] = str(kind)
    declared = read_settings(getattr(city, "meta", {}) or {})[0].stations
    bad = []
    for n, block in enumerate(declared, start=1):
        sid, kind = block.get("id"), block.get("kind")
        if isinstance(sid, str) and sid and kind in STATION_KINDS:
            stations[sid] = str(kind)
        else:
            bad.append(f"block {n}: id {sid!r}, kind {kind!r}")
    if bad:
        raise TwinError(
            "city.toml [[stations]]: each needs a text id and a kind of "
            f'{sorted(STATION_KINDS)}; fix: id = "thuan-an", kind = "river"',
            bad,
        )
    return stations


def check_stations(stations: Mapping[str, str]) -> None:
    """Raise :class:`twin.TwinError` when a station has a kind that is not known."""
    from twin._errors import TwinError

    bad = [f"{sid!r}: kind {kind!r}" for sid, kind in stations.items() if kind not in STATION_KINDS]
    if bad:
        raise TwinError(f"unknown station kinds (use one of {sorted(STATION_KINDS)})", bad)
