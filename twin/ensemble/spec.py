"""What an ensemble is: a base scenario, how each member perturbs it, and how many members.

An ensemble file (TOML) names the base scenario and the spread of each perturbation::

    name = "october-2020"
    scenario = "october_2020.toml"  # relative to this file
    members = 16
    seed = 2020
    control = true                  # member 0 runs the base scenario unperturbed
    thresholds_m = [0.1, 0.5, 1.0]  # depths of the per-cell exceedance probabilities

    [perturb.rain_factor]           # multiplies the rain (its total)
    kind = "lognormal"
    median = 1.0
    sigma = 0.25

    [perturb.rain_shift_h]          # moves the rain later (+) or earlier (-), hours
    kind = "uniform"
    low = -3
    high = 3

    [perturb.release_factor]        # multiplies every dam release
    kind = "triangular"
    low = 0.7
    mode = 1.0
    high = 1.5

    [perturb.manning_factor]        # multiplies Manning's n everywhere
    kind = "values"
    values = [0.8, 1.0, 1.2]        # cycled over the members

Each factor is drawn independently for each member from ``numpy.random.default_rng(seed)``, in
a fixed order, so a spec always gives the same members.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from twin._errors import TwinError

__all__ = ["PERTURBATIONS", "Distribution", "EnsembleSpec", "Member", "Perturbations"]

#: Perturbation name -> (neutral value, lower bound of a valid value).
PERTURBATIONS: dict[str, tuple[float, float | None]] = {
    "rain_factor": (1.0, 0.0),
    "rain_shift_h": (0.0, None),
    "release_factor": (1.0, 0.0),
    "manning_factor": (1.0, 0.0),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(_Model):
    """How one perturbation spreads over the members.

    ``kind``: ``fixed`` (``value``), ``uniform`` (``low``, ``high``), ``normal`` (``mean``,
    ``sd``), ``lognormal`` (``median``, ``sigma`` of the log), ``triangular`` (``low``,
    ``mode``, ``high``) or ``values`` (a list cycled over the members).
    """

    kind: Literal["fixed", "uniform", "normal", "lognormal", "triangular", "values"]
    value: float | None = None
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    median: float | None = Field(default=None, gt=0)
    sigma: float | None = Field(default=None, ge=0)
    values: list[float] | None = None

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        need = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "normal": ("mean", "sd"),
            "lognormal": ("median", "sigma"),
            "triangular": ("low", "mode", "high"),
            "values": ("values",),
        }[self.kind]
        given = {k for k, v in self.model_dump(exclude={"kind"}).items() if v is not None}
        missing = [k for k in need if k not in given]
        extra = sorted(given - set(need))
        if missing:
            raise ValueError(f'kind "{self.kind}" needs {", ".join(missing)}')
        if extra:
            raise ValueError(f'kind "{self.kind}" does not take {", ".join(extra)}')
        if self.kind in ("uniform", "triangular") and not self.low <= self.high:  # type: ignore[operator]
            raise ValueError("low must be <= high")
        if self.kind == "triangular" and not self.low <= self.mode <= self.high:  # type: ignore[operator]
            raise ValueError("mode must lie between low and high")
        if self.kind == "values" and not self.values:
            raise ValueError("values must not be empty")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws (float64)."""
        if self.kind == "fixed":
            return np.full(n, float(self.value))  # type: ignore[arg-type]
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, n)  # type: ignore[arg-type]
        if self.kind == "normal":
            return rng.normal(self.mean, self.sd, n)  # type: ignore[arg-type]
        if self.kind == "lognormal":
            return float(self.median) * np.exp(rng.normal(0.0, self.sigma, n))  # type: ignore[arg-type]
        if self.kind == "triangular":
            if self.low == self.high:
                return np.full(n, float(self.low))  # type: ignore[arg-type]
            return rng.triangular(self.low, self.mode, self.high, n)  # type: ignore[arg-type]
        return np.resize(np.asarray(self.values, dtype=float), n)


class Perturbations(_Model):
    """The spread of each perturbation; one left out stays at its neutral value."""

    rain_factor: Distribution | None = None
    rain_shift_h: Distribution | None = None
    release_factor: Distribution | None = None
    manning_factor: Distribution | None = None


class Member(_Model):
    """One member: its index and the factors applied to the base scenario.

    Examples
    --------
    >>> Member(index=3, rain_factor=1.2).is_control
    False
    """

    index: Annotated[int, Field(ge=0)]
    rain_factor: float = Field(default=1.0, ge=0)
    rain_shift_h: float = 0.0
    release_factor: float = Field(default=1.0, ge=0)
    manning_factor: float = Field(default=1.0, gt=0)

    @property
    def is_control(self) -> bool:
        """True when every factor is neutral."""
        return all(getattr(self, k) == v for k, (v, _) in PERTURBATIONS.items())


class EnsembleSpec(_Model):
    """An ensemble: base scenario, members, perturbations (see the module notes).

    Examples
    --------
    >>> spec = EnsembleSpec.model_validate({
    ...     "name": "demo", "members": 4, "seed": 1,
    ...     "perturb": {"rain_factor": {"kind": "values", "values": [0.5, 1.5]}}})
    >>> [m.rain_factor for m in spec.sample_members()]
    [1.0, 0.5, 1.5, 0.5]
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    scenario: str | None = None
    members: int = Field(ge=1, le=10_000)
    seed: int = 0
    control: bool = True
    perturb: Perturbations = Field(default_factory=Perturbations)
    thresholds_m: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [0.1, 0.5, 1.0], min_length=1
    )
    retries: int = Field(default=2, ge=0)
    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The TOML file this spec was read from, if any."""
        return self._source

    def scenario_path(self) -> Path:
        """The base scenario's file, relative to the spec's folder."""
        if self.scenario is None:
            raise TwinError("the ensemble names no scenario: set scenario = 'file.toml'")
        path = Path(self.scenario)
        if not path.is_absolute() and self._source is not None:
            path = self._source.parent / path
        return path

    def sample_members(self) -> list[Member]:
        """The members, drawn from the perturbations with ``seed`` (member 0 the control)."""
        rng = np.random.default_rng(self.seed)
        n = self.members
        draws: dict[str, np.ndarray] = {}
        for name, (neutral, lower) in PERTURBATIONS.items():
            dist = getattr(self.perturb, name)
            values = np.full(n, neutral) if dist is None else dist.sample(rng, n)
            if lower is not None:
                # a factor cannot go negative; a Manning factor of 0 would remove friction
                values = np.maximum(values, 1e-3 if name == "manning_factor" else lower)
            if self.control:
                values = np.concatenate([[neutral], values[: n - 1]])
            draws[name] = values
        return [Member(index=i, **{k: float(v[i]) for k, v in draws.items()}) for i in range(n)]

    @classmethod
    def from_toml(cls, path: str | Path) -> EnsembleSpec:
        """Read and check an ensemble file; every problem is listed in one TwinError."""
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TwinError(f"ensemble file not found: {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise TwinError(f"{path.name}: not valid TOML: {exc}") from None
        return cls.from_dict(raw, source=path)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, source: Path | None = None) -> EnsembleSpec:
        """Validate a spec given as a mapping (the parsed TOML)."""
        label = source.name if source is not None else "ensemble"
        try:
            spec = cls.model_validate(raw)
        except ValidationError as exc:
            problems = [
                f"{label}: {'.'.join(map(str, e['loc'])) or '(top level)'}: "
                f"{str(e['msg']).removeprefix('Value error, ')}"
                for e in exc.errors()
            ]
            raise TwinError(
                f"{label}: {len(problems)} problem(s) in the ensemble", problems
            ) from None
        spec._source = source.resolve() if source is not None else None
        return spec
