"""Read sensor feed files (CSV or JSON) into plain readings; a malformed file raises once.

File formats
------------
Both formats carry the same fields, one reading each:

``station_id``
    The station's id (``dam_id`` or ``gauge_id`` in the city's layers), e.g. ``kim-long``.
``time``
    ISO 8601, with an offset (``2025-10-27T07:00:00+07:00``, ``...Z``). A time without an
    offset is read as Huế local time (Asia/Ho_Chi_Minh, UTC+7, no daylight saving).
``quantity``
    ``water_level``, ``outflow``, ``inflow``, ``gate_opening`` or ``rain``.
``value``
    A finite number.
``unit``
    The unit of ``value`` (see :mod:`twin.sensors.quantities`); converted on ingest.
``interval_min`` (optional)
    Rain only: the minutes over which ``value`` fell (the interval ends at ``time``). Left
    out, it is the time since the station's previous reading (or 60 min for the first).

CSV: UTF-8, a header row with those column names (any order, other columns ignored), comma
separated. JSON: UTF-8, either a list of objects with those keys or an object
``{"readings": [...]}`` (other top-level keys ignored).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from twin._errors import TwinError
from twin._time import as_utc

__all__ = ["REQUIRED_FIELDS", "RawReading", "SensorFileError", "parse_feed", "read_feed"]

REQUIRED_FIELDS = ("station_id", "time", "quantity", "value", "unit")
#: Times a reading may carry at all (older or later is a typo or a broken clock, and would
#: overflow the date arithmetic of QC); QC flags the implausible ones in between.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
#: A plain decimal number: no ``1_000``, ``inf`` or ``nan`` that Python's ``float`` accepts.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_MAX_PROBLEMS = 20


class SensorFileError(TwinError):
    """A sensor file cannot be read at all (bad JSON, missing column, unreadable row)."""


@dataclass(frozen=True, slots=True)
class RawReading:
    """One reading as read from a file, before quality control.

    Attributes
    ----------
    line
        Line (CSV) or item number (JSON, from 1) in the file, for messages.
    time
        Aware, UTC.
    interval_s
        Rain interval in seconds when the file gave one, else None.
    """

    line: int
    station_id: str
    time: datetime
    quantity: str
    value: float
    unit: str
    interval_s: float | None = None


def _parse_row(
    row: dict[str, Any], line: int, where: str, problems: list[str]
) -> RawReading | None:
    bad: list[str] = []
    station = row.get("station_id")
    if not isinstance(station, str) or not station.strip():
        bad.append("station_id is empty")
    quantity = row.get("quantity")
    if not isinstance(quantity, str) or not quantity.strip():
        bad.append("quantity is empty")
    unit = row.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        bad.append("unit is empty")
    time: datetime | None = None
    raw_time = row.get("time")
    try:
        if not isinstance(raw_time, str):
            raise ValueError
        written = datetime.fromisoformat(raw_time.strip())
    except (ValueError, TypeError):
        bad.append(f"time {raw_time!r} is not ISO 8601 (e.g. 2025-10-27T07:00:00+07:00)")
    else:
        # judged as written, before any arithmetic: year 1 at +14:00 overflows in UTC
        if EARLIEST_YEAR <= written.year <= LATEST_YEAR:
            time = as_utc(written)
        else:
            bad.append(
                f"time {raw_time!r} is not between the years {EARLIEST_YEAR} and {LATEST_YEAR}"
            )
    value = _number(row.get("value"))
    if value is None:
        bad.append(f"value {row.get('value')!r} is not a finite number")
    interval_s: float | None = None
    raw_interval = row.get("interval_min")
    if raw_interval not in (None, ""):
        minutes = _number(raw_interval)
        if minutes is None or minutes <= 0:
            bad.append(f"interval_min {raw_interval!r} is not a positive number")
        else:
            interval_s = minutes * 60.0
    if bad:
        problems.append(f"{where}: " + "; ".join(bad))
        return None
    assert time is not None and value is not None
    return RawReading(
        line=line,
        station_id=str(station).strip(),
        time=time,
        quantity=str(quantity).strip(),
        value=value,
        unit=str(unit).strip(),
        interval_s=interval_s,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value.strip()):
            return None
        value = float(value.strip())
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _rows_csv(text: str, problems: list[str]) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _read_csv(reader, problems)
    except csv.Error as exc:  # a field over the csv module's limit, a NUL byte, ...
        problems.append(f"line {reader.line_num + 1}: not readable as CSV ({exc})")
        return []


def _read_csv(reader: csv.DictReader[str], problems: list[str]) -> list[tuple[int, dict[str, Any]]]:
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    if missing:
        problems.append(
            f"missing column(s) {', '.join(missing)} "
            f"(the header must name {', '.join(REQUIRED_FIELDS)})"
        )
        return []
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            problems.append(f"line {reader.line_num}: more fields than the header has")
            continue
        if all(v in (None, "") for v in row.values()):
            continue
        rows.append((reader.line_num, dict(row)))
    return rows


def _rows_json(text: str, problems: list[str]) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(f"not valid JSON: {exc}")
        return []
    except RecursionError:
        problems.append("not valid JSON: nested too deeply (a reading is one flat object)")
        return []
    items = data.get("readings") if isinstance(data, dict) else data
    if not isinstance(items, list):
        problems.append('expected a list of readings or an object {"readings": [...]}')
        return []
    rows = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"item {i}: not an object")
            continue
        missing = [f for f in REQUIRED_FIELDS if f not in item]
        if missing:
            problems.append(f"item {i}: missing key(s) {', '.join(missing)}")
            continue
        rows.append((i, item))
    return rows


def parse_feed(text: str, fmt: str, *, source: str = "<text>") -> list[RawReading]:
    """Parse feed ``text`` in format ``fmt`` (``"csv"`` or ``"json"``).

    Raises
    ------
    SensorFileError
        Listing every problem found (up to 20), when any row cannot be read; nothing is
        returned then, so a malformed file is never half-ingested.

    Examples
    --------
    >>> header = "station_id,time,quantity,value,unit\\n"
    >>> text = header + "kim-long,2025-10-27T07:00+07:00,water_level,358,cm\\n"
    >>> r = parse_feed(text, "csv")[0]
    >>> r.station_id, r.time.isoformat(), r.value, r.unit
    ('kim-long', '2025-10-27T00:00:00+00:00', 358.0, 'cm')
    """
    problems: list[str] = []
    if fmt == "csv":
        rows = _rows_csv(text, problems)
        label = "line"
    elif fmt == "json":
        rows = _rows_json(text, problems)
        label = "item"
    else:
        raise SensorFileError(f"{source}: unknown format {fmt!r}; use a .csv or .json file")
    readings = []
    for number, row in rows:
        reading = _parse_row(row, number, f"{label} {number}", problems)
        if reading is not None:
            readings.append(reading)
    if not rows and not problems:
        problems.append("no readings in the file")
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        if len(problems) > _MAX_PROBLEMS:
            shown.append(f"... and {len(problems) - _MAX_PROBLEMS} more")
        raise SensorFileError(f"{source}: malformed sensor file, nothing ingested", shown)
    return readings


def read_feed(path: str | Path) -> tuple[list[RawReading], bytes]:
    """Read a ``.csv`` or ``.json`` feed file.

    Returns
    -------
    readings, content
        The parsed readings and the file's bytes (hashed to recognise a re-ingest).

    Raises
    ------
    SensorFileError
        When the file is missing, not UTF-8, has an unknown extension or is malformed.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "json"):
        raise SensorFileError(f"{path}: unknown file type {path.suffix!r}; use .csv or .json")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SensorFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SensorFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse_feed(text, fmt, source=str(path)), content
