"""What a scheduler does, and how often: from a TOML file or the command line's options.

Example ``operate.toml``::

    watch = ["feeds/incoming"]         # folders watched for sensor files (.csv, .json)
    cycle_min = 15                     # a nowcast every 15 minutes
    hours = 3                          # each one 3 h ahead
    resolution_m = 120                 # on this grid (coarse: fast)
    gauge_alarm = 2                    # a gauge past BĐ2 starts a nowcast at once
    dam_release_change_m3s = 300       # so does a dam outflow changing by more than this
    rain_mm_h = 30                     # or rain heavier than this
    feed_silent_min = 60               # a watched folder without a file this long: alert
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from twin._errors import TwinError

__all__ = ["OperateSettings", "load_settings"]


@dataclass(frozen=True, slots=True)
class OperateSettings:
    """The scheduler's settings.

    Attributes
    ----------
    watch
        Folders watched for sensor files; each file goes to ``done/`` or ``failed/`` beside it.
    cycle_min
        Period of the regular nowcast (min).
    hours
        How far ahead each nowcast runs (h).
    resolution_m
        Grid of the nowcast (m); a coarse grid keeps a cycle within the latency target.
    output_every_min
        Output interval of the nowcast (min).
    gauge_alarm
        Alarm level (1, 2, 3: BĐ1..BĐ3 of the city's gauges layer) whose crossing is a trigger.
    dam_release_change_m3s
        A dam outflow changing by more than this from its previous reading is a trigger.
    rain_mm_h
        Rain heavier than this at a gauge is a trigger.
    feed_silent_min
        A watched folder without a new file for this long raises an operator alert.
    lease_ttl_s
        How long the cycle lease holds without renewal (s): a dead scheduler's is taken over
        after this.
    poll_s
        How often the loop looks at the folders (s).
    """

    watch: tuple[Path, ...] = ()
    cycle_min: float = 15.0
    hours: float = 3.0
    resolution_m: float = 120.0
    output_every_min: float = 30.0
    gauge_alarm: int = 2
    dam_release_change_m3s: float = 300.0
    rain_mm_h: float = 30.0
    feed_silent_min: float = 60.0
    lease_ttl_s: float = 600.0
    poll_s: float = 30.0

    def problems(self) -> list[str]:
        """Every value out of range (empty when the settings are usable)."""
        out = []
        for name in (
            "cycle_min",
            "hours",
            "resolution_m",
            "output_every_min",
            "dam_release_change_m3s",
            "rain_mm_h",
            "feed_silent_min",
            "lease_ttl_s",
            "poll_s",
        ):
            value = getattr(self, name)
            if not value > 0:
                out.append(f"{name} must be > 0, got {value}")
        if self.gauge_alarm not in (1, 2, 3):
            out.append(f"gauge_alarm must be 1, 2 or 3 (BĐ1..BĐ3), got {self.gauge_alarm}")
        for folder in self.watch:
            if folder.exists() and not folder.is_dir():
                out.append(f"watch: {folder} is not a folder")
        return out

    def checked(self) -> OperateSettings:
        """These settings, or a TwinError listing every problem."""
        problems = self.problems()
        if problems:
            raise TwinError("the operate settings are not usable", problems)
        return self


_NUMBERS = {f.name for f in fields(OperateSettings)} - {"watch", "gauge_alarm"}


def load_settings(path: str | Path | None = None, **overrides: Any) -> OperateSettings:
    """Settings from a TOML file (optional), then ``overrides`` (the CLI's options, None: unset).

    Relative ``watch`` folders are taken from the TOML file's folder.

    Raises
    ------
    twin.TwinError
        Unreadable file, unknown keys or values out of range (every problem at once).
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    base = Path(".")
    if path is not None:
        path = Path(path)
        base = path.parent
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise TwinError(f"operate settings {path}: {exc}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = OperateSettings()
    for key, value in values.items():
        if key == "watch":
            items = [value] if isinstance(value, str | Path) else value
            if not isinstance(items, list | tuple) or not all(
                isinstance(v, str | Path) for v in items
            ):
                problems.append("watch must be a list of folders")
                continue
            folders = tuple(p if Path(p).is_absolute() else base / p for p in map(Path, items))
            settings = replace(settings, watch=folders)
        elif key == "gauge_alarm":
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"gauge_alarm must be 1, 2 or 3, got {value!r}")
                continue
            settings = replace(settings, gauge_alarm=value)
        elif key in _NUMBERS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{key} must be a number, got {value!r}")
                continue
            number: dict[str, Any] = {key: float(value)}
            settings = replace(settings, **number)
        else:
            problems.append(f"unknown setting {key!r}")
    problems += settings.problems()
    if problems:
        raise TwinError("the operate settings are not usable", problems)
    return settings
