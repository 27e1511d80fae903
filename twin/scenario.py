"""Scenarios: a flood event described in a TOML file, and the same thing as a Python object.

A scenario names the city package, the grid resolution, the start and length of the run, the
rain, what each dam releases, the river base flows, the lagoon or sea level at the boundary,
the initial water and the outputs. Times inside a scenario's series are *hours after the
start*; discharges are m³/s, levels metres above the DEM datum, rain mm or mm/h.

A file with mistakes gets one :class:`twin.TwinError` that lists every problem
(``file: key: what is wrong``) before anything is computed. Example (``quick.toml``)::

    name = "quick"
    city = "demo"                    # or a path to a city package, relative to this file
    resolution_m = 150
    start = 2020-10-06T00:00:00+07:00
    duration = "6h"

    [rain]
    kind = "design"                  # design | gauges | grid
    total_mm = 120
    hours = 4
    shape = "chicago"                # uniform | triangular | chicago | hyetograph

    [[dams]]
    dam_id = "binh_dien"
    mode = "schedule"                # schedule | routing | sensors
    release_m3s = [[0, 950], [3, 1800]]

    [[boundaries]]
    edge = "north"
    kind = "level"
    level_m = 0.6

    [output]
    format = "netcdf"
    every = "30min"
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from twin._errors import TwinError

__all__ = [
    "Boundary",
    "DamOperation",
    "DesignRain",
    "GaugeRain",
    "GridRain",
    "Inflow",
    "InitialWater",
    "OutputSpec",
    "RainGauge",
    "RainPoint",
    "Scenario",
    "SolverSpec",
    "parse_duration",
]

Series = list[tuple[float, float]]
"""``[[hours after the start, value], ...]`` with increasing hours."""


def parse_duration(value: Any) -> timedelta:
    """Read a duration: ``"6h"``, ``"90min"``, ``"5d"``, ``"PT6H"`` or a timedelta.

    Examples
    --------
    >>> parse_duration("1h30min")
    datetime.timedelta(seconds=5400)
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f'give a duration with its unit, e.g. "6h" or "30min"; got {value!r}')
    try:
        td = pd.Timedelta(value)
    except ValueError as exc:
        raise ValueError(f'not a duration: {value!r} (e.g. "6h", "30min", "5d")') from exc
    if pd.isna(td):
        raise ValueError(f"not a duration: {value!r}")
    return timedelta(seconds=float(td.total_seconds()))


def _check_series(series: Series | None, what: str, *, allow_negative: bool = False) -> None:
    if series is None:
        return
    if not series:
        raise ValueError(f"{what} is empty: give [[hours, value], ...]")
    hours = [h for h, _ in series]
    if any(b <= a for a, b in pairwise(hours)):
        raise ValueError(f"{what}: hours must increase, got {hours}")
    if hours[0] < 0:
        raise ValueError(f"{what}: hours must be >= 0 (hours after the start)")
    if not allow_negative and any(v < 0 for _, v in series):
        raise ValueError(f"{what}: values must be >= 0")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Located(_Model):
    """A point given either as ``x``/``y`` (m, city CRS) or as ``lon``/``lat`` (WGS 84)."""

    x: float | None = None
    y: float | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)

    def has_point(self) -> bool:
        return (self.x is not None and self.y is not None) or (
            self.lon is not None and self.lat is not None
        )

    def _check_point(self, *, required: bool) -> None:
        xy = self.x is not None or self.y is not None
        ll = self.lon is not None or self.lat is not None
        if xy and ll:
            raise ValueError("give either x/y or lon/lat, not both")
        if (xy or ll) and not self.has_point():
            raise ValueError("a point needs both x and y, or both lon and lat")
        if required and not self.has_point():
            raise ValueError("give the point as x/y (m) or lon/lat")


class RainPoint(_Located):
    """A station total that shapes the spatial pattern of a design storm."""

    name: str = ""
    total_mm: float = Field(ge=0)

    @model_validator(mode="after")
    def _point(self) -> RainPoint:
        self._check_point(required=True)
        return self


class DesignRain(_Model):
    """A design storm: a total (uniform, or from station totals by inverse distance) over
    ``hours`` with a temporal shape.

    Shapes: ``uniform``; ``triangular`` (peak at ``peak_fraction`` of the storm); ``chicago``
    (Keifer and Chu 1957, ``i ∝ ((1-c)·t + b) / (t + b)^(1+c)`` around the peak with
    ``b = 10 min``, ``c = 0.7``); ``hyetograph`` (``hyetograph_mm_h``: one intensity per equal
    block over ``hours``; the total is then theirs).
    """

    kind: Literal["design"]
    total_mm: float | None = Field(default=None, gt=0)
    points: list[RainPoint] | None = None
    hours: float = Field(gt=0)
    start_hour: float = Field(default=0.0, ge=0)
    shape: Literal["uniform", "triangular", "chicago", "hyetograph"] = "uniform"
    peak_fraction: float = Field(default=0.5, gt=0, lt=1)
    hyetograph_mm_h: list[Annotated[float, Field(ge=0)]] | None = None
    step_minutes: float = Field(default=15.0, gt=0)
    idw_power: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> DesignRain:
        if self.shape == "hyetograph":
            if not self.hyetograph_mm_h:
                raise ValueError('shape "hyetograph" needs hyetograph_mm_h = [mm/h, ...]')
            if self.total_mm is not None or self.points:
                raise ValueError("a hyetograph sets its own total: drop total_mm and points")
        elif (self.total_mm is None) == (not self.points):
            raise ValueError("give exactly one of total_mm (uniform) or points (station totals)")
        return self


class RainGauge(_Located):
    """One rain gauge's series: ``mm`` fallen in each ``interval_minutes`` from the start
    (plus ``start_hour``). Without a point, the gauge is looked up by ``id`` in the city."""

    id: str
    interval_minutes: float = Field(gt=0)
    mm: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _point(self) -> RainGauge:
        self._check_point(required=False)
        return self


class GaugeRain(_Model):
    """Rain gauge series interpolated over the grid by inverse distance weighting."""

    kind: Literal["gauges"]
    gauges: list[RainGauge] = Field(min_length=1)
    start_hour: float = Field(default=0.0, ge=0)
    idw_power: float = Field(default=2.0, gt=0)


class GridRain(_Model):
    """Gridded rain from a NetCDF file: ``variable`` in mm/h over (time, y, x) in the city
    CRS; ``time`` as datetimes or as hours after the start."""

    kind: Literal["grid"]
    path: str
    variable: str = "rain"


Rain = Annotated[DesignRain | GaugeRain | GridRain, Field(discriminator="kind")]


class DamOperation(_Model):
    """What one dam releases into the flood domain (at the dam's entry cell).

    - ``schedule``: ``release_m3s = [[hours, m³/s], ...]``, linear between entries;
    - ``routing``: level-pool routing (:class:`hydro.Reservoir`) of ``inflow_m3s`` (same
      form) from ``initial_level_m``, with ``gates_open`` (a number of bays, or
      ``[[hours, bays], ...]`` held until the next entry) and ``turbine_m3s``;
    - ``sensors``: the dam's measured outflow from the sensor database.
    """

    dam_id: str
    mode: Literal["schedule", "routing", "sensors"]
    release_m3s: Series | None = None
    inflow_m3s: Series | None = None
    initial_level_m: float | None = None
    gates_open: float | Series | None = None
    turbine_m3s: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> DamOperation:
        _check_series(self.release_m3s, "release_m3s")
        _check_series(self.inflow_m3s, "inflow_m3s")
        if isinstance(self.gates_open, list):
            _check_series(self.gates_open, "gates_open")
        if self.mode == "schedule" and self.release_m3s is None:
            raise ValueError('mode "schedule" needs release_m3s = [[hours, m3/s], ...]')
        if self.mode == "routing" and self.inflow_m3s is None:
            raise ValueError('mode "routing" needs inflow_m3s = [[hours, m3/s], ...]')
        if self.mode != "schedule" and self.release_m3s is not None:
            raise ValueError(f'release_m3s is only for mode "schedule", not "{self.mode}"')
        if self.mode != "routing" and (
            self.inflow_m3s is not None or self.initial_level_m is not None
        ):
            raise ValueError('inflow_m3s and initial_level_m are only for mode "routing"')
        return self


class Inflow(_Located):
    """A river's base flow entering the domain: at a point, or at a dam's entry cell."""

    name: str = ""
    dam_id: str | None = None
    discharge_m3s: float | Series

    @field_validator("discharge_m3s")
    @classmethod
    def _positive(cls, v: float | Series) -> float | Series:
        if isinstance(v, list):
            _check_series(v, "discharge_m3s")
        elif v < 0:
            raise ValueError("discharge_m3s must be >= 0")
        return v

    @model_validator(mode="after")
    def _where(self) -> Inflow:
        self._check_point(required=False)
        if (self.dam_id is None) == (not self.has_point()):
            raise ValueError("give the inflow's place: either dam_id or a point (x/y, lon/lat)")
        return self


class Boundary(_Model):
    """One edge of the domain: a water level (lagoon, sea, tide), free outflow, or closed; or
    a river entering over a stretch of it (``discharge``: ``discharge_m3s`` spread over the
    stretch's wet cells, ``between_m`` its ends along the edge in the city's CRS, default the
    whole edge; the rest of the edge keeps its own kind)."""

    edge: Literal["north", "south", "east", "west"]
    kind: Literal["level", "free", "closed", "discharge"] = "level"
    level_m: float | Series | None = None
    discharge_m3s: float | Series | None = None
    between_m: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Boundary:
        if self.kind == "level" and self.level_m is None:
            raise ValueError('kind "level" needs level_m (a number or [[hours, m], ...])')
        if self.kind != "level" and self.level_m is not None:
            raise ValueError(f'level_m is only for kind "level", not "{self.kind}"')
        if isinstance(self.level_m, list):
            _check_series(self.level_m, "level_m", allow_negative=True)
        if self.kind == "discharge" and self.discharge_m3s is None:
            raise ValueError('kind "discharge" needs discharge_m3s (a number or [[hours, m³/s]])')
        if self.kind != "discharge" and (
            self.discharge_m3s is not None or self.between_m is not None
        ):
            raise ValueError(
                f'discharge_m3s and between_m are for kind "discharge", not "{self.kind}"'
            )
        if isinstance(self.discharge_m3s, list):
            _check_series(self.discharge_m3s, "discharge_m3s")
        elif self.discharge_m3s is not None and self.discharge_m3s < 0:
            raise ValueError("discharge_m3s must be >= 0")
        return self


class InitialWater(_Model):
    """Water at the start: ``water_level_m`` fills the cells whose bed lies below it and that
    connect to a ``level`` edge (a river and lagoon at rest; with no level edge, every such
    cell), and/or a uniform ``depth_m`` everywhere."""

    water_level_m: float | None = None
    depth_m: float = Field(default=0.0, ge=0)


class OutputSpec(_Model):
    """What the run writes: the flood result format and the output interval."""

    format: Literal["netcdf", "zarr"] = "netcdf"
    every: timedelta = timedelta(minutes=30)
    dtype: Literal["float32", "float64"] = "float32"

    @field_validator("every", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> timedelta:
        return parse_duration(v)


class SolverSpec(_Model):
    """Options of :class:`hydro.FloodModel` (None: the solver's defaults).

    ``theta`` weights the neighbouring fluxes (de Almeida et al. 2012; 1 = none), ``alpha`` is
    the Courant number of the adaptive time step, ``max_dt_s`` its upper bound.
    """

    theta: float | None = Field(default=None, gt=0, le=1)
    alpha: float | None = Field(default=None, gt=0, le=1)
    max_dt_s: float | None = Field(default=None, gt=0)

    def options(self) -> dict[str, float]:
        """Keyword arguments for :class:`hydro.FloodModel`."""
        names = {"theta": "theta", "alpha": "alpha", "max_dt_s": "max_dt"}
        return {names[k]: v for k, v in self.model_dump().items() if v is not None}


class Scenario(_Model):
    """A flood scenario (see the module notes for the TOML form).

    Examples
    --------
    >>> s = Scenario.model_validate({
    ...     "name": "demo", "resolution_m": 150, "start": "2020-10-06T00:00:00+07:00",
    ...     "duration": "6h", "rain": {"kind": "design", "total_mm": 100, "hours": 3}})
    >>> s.duration_s, s.output.every.total_seconds()
    (21600.0, 1800.0)
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    city: str = "demo"
    resolution_m: float = Field(gt=0)
    start: datetime
    duration: timedelta
    manning: float | None = Field(default=None, gt=0)
    min_bed_m: float | None = None
    # the sea: cells below this bed connected to the level edges, held at their level
    sea_below_m: float | None = None
    loss_mm_h: float = Field(default=0.0, ge=0)
    rain: Rain | None = None
    dams: list[DamOperation] = Field(default_factory=list)
    inflows: list[Inflow] = Field(default_factory=list)
    boundaries: list[Boundary] = Field(default_factory=list)
    initial: InitialWater = Field(default_factory=InitialWater)
    output: OutputSpec = Field(default_factory=OutputSpec)
    solver: SolverSpec = Field(default_factory=SolverSpec)
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("start")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("give the start with its time zone, e.g. 2020-10-06T00:00:00+07:00")
        return v

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> timedelta:
        return parse_duration(v)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.duration.total_seconds() <= 0:
            raise ValueError("duration must be positive")
        if self.output.every.total_seconds() <= 0:
            raise ValueError("output.every must be positive")
        if self.output.every > self.duration:
            raise ValueError("output.every is longer than the duration: no output would be kept")
        ids = [d.dam_id for d in self.dams]
        dup = sorted({d for d in ids if ids.count(d) > 1})
        if dup:
            raise ValueError(f"dams: each dam once, {', '.join(dup)} given more than once")
        edges = [b.edge for b in self.boundaries if b.kind != "discharge"]  # stretches add up
        dup = sorted({e for e in edges if edges.count(e) > 1})
        if dup:
            raise ValueError(f"boundaries: each edge once, {', '.join(dup)} given more than once")
        return self

    @property
    def duration_s(self) -> float:
        """Length of the run (s)."""
        return self.duration.total_seconds()

    @property
    def start_utc(self) -> pd.Timestamp:
        """Start of the run as a tz-aware UTC timestamp."""
        return pd.Timestamp(self.start).tz_convert("UTC")

    @property
    def source(self) -> Path | None:
        """The TOML file this scenario was read from, if any."""
        return self._source

    def resolve_path(self, path: str) -> Path:
        """A path of the scenario, relative to its file's folder (or the working folder)."""
        p = Path(path)
        if p.is_absolute() or self._source is None:
            return p
        return (self._source.parent / p).resolve()

    def city_path(self) -> Path:
        """The city package folder (``"demo"``: the demo city, built on first use)."""
        if self.city == "demo":
            import layers

            return Path(layers.ensure_demo_city())
        return self.resolve_path(self.city)

    @classmethod
    def from_toml(cls, path: str | Path, *, check_city: bool = True) -> Scenario:
        """Read and check a scenario file.

        Parameters
        ----------
        path
            The TOML file.
        check_city
            Also check the scenario against its city (dam ids, points on the grid,
            resolution no finer than the DEM, files present).

        Raises
        ------
        TwinError
            Listing every problem, one line each (``file: key: what is wrong``).
        """
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TwinError(f"scenario file not found: {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise TwinError(f"{path.name}: not valid TOML: {exc}") from None
        return cls.from_dict(raw, source=path, check_city=check_city)

    @classmethod
    def from_dict(
        cls, raw: dict[str, Any], *, source: Path | None = None, check_city: bool = True
    ) -> Scenario:
        """Validate a scenario given as a mapping (the parsed TOML); see :meth:`from_toml`."""
        label = source.name if source is not None else "scenario"
        problems: list[str] = []
        scenario: Scenario | None = None
        try:
            scenario = cls.model_validate(raw)
        except ValidationError as exc:
            problems += [f"{label}: {_loc(e['loc'])}: {_msg(e)}" for e in exc.errors()]
        if scenario is not None:
            scenario._source = source.resolve() if source is not None else None
            if check_city:
                from twin._scenario_check import city_problems

                problems += [f"{label}: {p}" for p in city_problems(scenario)]
        if problems:
            raise TwinError(f"{label}: {len(problems)} problem(s) in the scenario", problems)
        assert scenario is not None
        return scenario

    def to_toml_dict(self) -> dict[str, Any]:
        """The scenario as plain data (as written in a TOML file; durations as strings)."""
        data = self.model_dump(mode="json", exclude_none=True)
        data["duration"] = f"{int(self.duration_s)}s"
        data["output"]["every"] = f"{int(self.output.every.total_seconds())}s"
        return data


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("design", "gauges", "grid") and out == "rain":
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _msg(err: Any) -> str:
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")
