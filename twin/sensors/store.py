"""Sensor storage: ingest batches, readings with their QC flags, notes; and the query API.

Tables (declared on :class:`twin.db.Base`): ``sensor_batches`` (one row per ingested file,
with its SHA-256 so that the same file is never ingested twice), ``sensor_readings`` (unique
on station, quantity, time and copy number: a second value for one time is kept, flagged
``conflict``) and ``sensor_notes`` (gaps, conflicting duplicates).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import (
    Boolean,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from twin._errors import ConflictError, NotFoundError
from twin.db import Base, session_scope
from twin.sensors._timeutil import UTCDateTime, as_utc
from twin.sensors.feeds import RawReading, read_feed
from twin.sensors.qc import QCResult, StoredPoint, check_readings
from twin.sensors.quantities import HUE_STATIONS, QUANTITY_UNITS, QCConfig, check_stations

__all__ = [
    "IngestReport",
    "SensorBatch",
    "SensorNoteRow",
    "SensorReading",
    "SensorReadingRow",
    "ingest_files",
    "ingest_readings",
    "latest_good",
    "rain_rate",
    "readings_frame",
    "sensor_notes",
    "series",
    "station_summary",
]

# QC looks this far around a file's times for stored readings (spikes, stuck runs, gaps)
_CONTEXT = timedelta(days=2)


class SensorBatch(Base):
    """One ingested file (or list of readings)."""

    __tablename__ = "sensor_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    now: Mapped[datetime] = mapped_column(UTCDateTime())
    counts_json: Mapped[str] = mapped_column(Text)


class SensorReadingRow(Base):
    """One stored reading; ``flags`` is a comma list of QC flags, empty when good."""

    __tablename__ = "sensor_readings"
    __table_args__ = (
        UniqueConstraint("station_id", "quantity", "time", "copy_no", name="uq_sensor_reading"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("sensor_batches.id"), index=True)
    station_id: Mapped[str] = mapped_column(String(100), index=True)
    quantity: Mapped[str] = mapped_column(String(50))
    time: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(20))
    value_raw: Mapped[float] = mapped_column(Float)
    unit_raw: Mapped[str] = mapped_column(String(20))
    interval_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    flags: Mapped[str] = mapped_column(String(200), default="")
    good: Mapped[bool] = mapped_column(Boolean, index=True)
    line: Mapped[int] = mapped_column(Integer)
    #: 0 for the first reading at its station, quantity and time; later ones with other
    #: values are kept as 1, 2, ... (see :mod:`twin.sensors.qc`).
    copy_no: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SensorNoteRow(Base):
    """A gap in a station's series, or a duplicate that disagreed with the stored value."""

    __tablename__ = "sensor_notes"
    __table_args__ = (
        UniqueConstraint("station_id", "quantity", "kind", "start", "end", name="uq_sensor_note"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("sensor_batches.id"), index=True)
    station_id: Mapped[str] = mapped_column(String(100), index=True)
    quantity: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(30))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True, slots=True)
class SensorReading:
    """A stored reading as the query API gives it back (value in the canonical unit)."""

    station_id: str
    quantity: str
    time: datetime
    value: float | None
    unit: str
    flags: tuple[str, ...]
    interval_s: float | None = None

    @property
    def good(self) -> bool:
        """True when the reading passed every QC rule."""
        return not self.flags


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one ingest did.

    Attributes
    ----------
    batch_id
        Id of the batch row (of the earlier batch when ``already_ingested``).
    already_ingested
        The same content was ingested before: nothing was added.
    rows
        Readings in the file.
    added
        Readings stored by this ingest (flagged ones included).
    counts
        Counts by flag (see :meth:`twin.sensors.qc.QCResult.counts`).
    """

    source: str
    sha256: str
    batch_id: int
    already_ingested: bool
    rows: int
    added: int
    counts: dict[str, int]


def _history(
    session: Session, raw: Sequence[RawReading]
) -> dict[tuple[str, str], list[StoredPoint]]:
    history: dict[tuple[str, str], list[StoredPoint]] = {}
    keys = {(r.station_id, r.quantity) for r in raw}
    for station_id, quantity in keys:
        times = [r.time for r in raw if (r.station_id, r.quantity) == (station_id, quantity)]
        rows = session.execute(
            select(
                SensorReadingRow.time,
                SensorReadingRow.value,
                SensorReadingRow.good,
                SensorReadingRow.flags,
            )
            .where(
                SensorReadingRow.station_id == station_id,
                SensorReadingRow.quantity == quantity,
                SensorReadingRow.time >= min(times) - _CONTEXT,
                SensorReadingRow.time <= max(times) + _CONTEXT,
            )
            .order_by(SensorReadingRow.time)
        ).all()
        history[(station_id, quantity)] = [
            StoredPoint(t, v, g, tuple(f for f in flags.split(",") if f)) for t, v, g, flags in rows
        ]
    return history


def _ingest_one(
    session: Session,
    raw: Sequence[RawReading],
    content: bytes,
    source: str,
    stations: Mapping[str, str],
    now: datetime,
    config: QCConfig,
) -> IngestReport:
    digest = hashlib.sha256(content).hexdigest()
    earlier = session.scalars(select(SensorBatch).where(SensorBatch.sha256 == digest)).first()
    if earlier is not None:
        return IngestReport(source, digest, earlier.id, True, len(raw), 0, {"duplicate": len(raw)})
    result: QCResult = check_readings(
        raw, stations, now=now, history=_history(session, raw), config=config
    )
    counts = result.counts()
    batch = SensorBatch(
        source=source[-500:],
        sha256=digest,
        ingested_at=datetime.now(UTC),
        now=now,
        counts_json=json.dumps(counts),
    )
    session.add(batch)
    session.flush()
    session.add_all(
        SensorReadingRow(
            batch_id=batch.id,
            station_id=r.raw.station_id,
            quantity=r.raw.quantity,
            time=r.raw.time,
            value=r.value,
            unit=r.unit,
            value_raw=r.raw.value,
            unit_raw=r.raw.unit,
            interval_s=r.interval_s,
            flags=",".join(r.flags),
            good=r.good,
            line=r.raw.line,
            copy_no=r.copy_no,
        )
        for r in result.readings
    )
    known = {
        (n.station_id, n.quantity, n.kind, n.start, n.end)
        for n in session.scalars(
            select(SensorNoteRow).where(
                SensorNoteRow.station_id.in_({n.station_id for n in result.notes})
            )
        )
    }
    for note in result.notes:
        identity = (note.station_id, note.quantity, note.kind, note.start, note.end)
        if identity in known:
            continue
        known.add(identity)
        session.add(
            SensorNoteRow(
                batch_id=batch.id,
                station_id=note.station_id,
                quantity=note.quantity,
                kind=note.kind,
                start=note.start,
                end=note.end,
                detail=note.detail,
            )
        )
    session.flush()
    return IngestReport(source, digest, batch.id, False, len(raw), len(result.readings), counts)


def ingest_readings(
    engine: Engine,
    readings: Sequence[RawReading],
    *,
    source: str,
    content: bytes | None = None,
    stations: Mapping[str, str] | None = None,
    now: datetime | None = None,
    config: QCConfig | None = None,
) -> IngestReport:
    """Quality-control and store already-parsed readings in one transaction.

    Parameters
    ----------
    content
        Bytes that identify the batch (default: the readings themselves); the same content
        is never ingested twice.

    See Also
    --------
    ingest_files
    """
    stations = dict(HUE_STATIONS if stations is None else stations)
    check_stations(stations)
    now = as_utc(now) if now is not None else datetime.now(UTC)
    if content is None:
        content = repr(sorted(readings, key=lambda r: r.line)).encode()
    try:
        with session_scope(engine) as session:
            return _ingest_one(
                session, readings, content, source, stations, now, config or QCConfig()
            )
    except IntegrityError as exc:
        raise ConflictError(
            f"{source}: another ingest stored the same readings at the same moment; retry"
        ) from exc


def ingest_files(
    engine: Engine,
    paths: Sequence[str | Path],
    *,
    stations: Mapping[str, str] | None = None,
    now: datetime | None = None,
    config: QCConfig | None = None,
) -> list[IngestReport]:
    """Read, quality-control and store sensor files: all of them or none.

    Every file is parsed first; a malformed one raises before anything is written. The
    files are then stored in one transaction, in the order given (each file's QC sees the
    readings of the files before it).

    Parameters
    ----------
    engine
        From :func:`twin.db.make_engine`.
    paths
        ``.csv`` or ``.json`` feeds (format in :mod:`twin.sensors.feeds`).
    stations
        Station id -> kind (``"dam"``, ``"river"``, ``"rain"``); default
        :data:`~twin.sensors.quantities.HUE_STATIONS`; from a city:
        :func:`~twin.sensors.quantities.stations_from_city`.
    now
        The time of the ingest for the ``future`` rule (default: the clock).
    config
        QC thresholds.

    Returns
    -------
    list of IngestReport
        One per file.

    Raises
    ------
    twin.sensors.SensorFileError
        A file is missing or malformed (the message lists every problem).
    """
    stations = dict(HUE_STATIONS if stations is None else stations)
    check_stations(stations)
    now = as_utc(now) if now is not None else datetime.now(UTC)
    parsed = [(str(p), *read_feed(p)) for p in paths]
    try:
        with session_scope(engine) as session:
            return [
                _ingest_one(session, raw, content, source, stations, now, config or QCConfig())
                for source, raw, content in parsed
            ]
    except IntegrityError as exc:
        raise ConflictError(
            "another ingest stored the same readings at the same moment; retry"
        ) from exc


def _to_reading(row: SensorReadingRow) -> SensorReading:
    flags = tuple(f for f in row.flags.split(",") if f)
    return SensorReading(
        row.station_id, row.quantity, row.time, row.value, row.unit, flags, row.interval_s
    )


def latest_good(
    engine: Engine, station_id: str, quantity: str, at: datetime | None = None
) -> SensorReading | None:
    """The latest good reading of ``station_id``'s ``quantity`` at or before ``at``.

    Parameters
    ----------
    at
        Aware time (naive: Huế time); default: the latest of all.

    Returns
    -------
    SensorReading or None
        None when the station has no good reading of that quantity by then.
    """
    query = select(SensorReadingRow).where(
        SensorReadingRow.station_id == station_id,
        SensorReadingRow.quantity == quantity,
        SensorReadingRow.good.is_(True),
    )
    if at is not None:
        query = query.where(SensorReadingRow.time <= as_utc(at))
    with session_scope(engine) as session:
        row = session.scalars(query.order_by(SensorReadingRow.time.desc()).limit(1)).first()
        return None if row is None else _to_reading(row)


def _rows(
    session: Session,
    station_id: str | None,
    quantity: str | None,
    start: datetime | None,
    end: datetime | None,
    good_only: bool,
) -> Sequence[SensorReadingRow]:
    query = select(SensorReadingRow)
    if station_id is not None:
        query = query.where(SensorReadingRow.station_id == station_id)
    if quantity is not None:
        query = query.where(SensorReadingRow.quantity == quantity)
    if start is not None:
        query = query.where(SensorReadingRow.time >= as_utc(start))
    if end is not None:
        query = query.where(SensorReadingRow.time <= as_utc(end))
    if good_only:
        query = query.where(SensorReadingRow.good.is_(True))
    order = (SensorReadingRow.station_id, SensorReadingRow.quantity, SensorReadingRow.time)
    return session.scalars(query.order_by(*order)).all()


def series(
    engine: Engine,
    station_id: str,
    quantity: str,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    good_only: bool = True,
) -> pd.Series:
    """A station's readings of one quantity as a time series (canonical unit).

    Parameters
    ----------
    start, end
        Inclusive bounds (aware; naive means Huế time); None: open.
    good_only
        Leave out flagged readings (the default: what forcing may use).

    Returns
    -------
    pandas.Series
        float64, indexed by a UTC ``DatetimeIndex`` named ``time``, named
        ``"<station_id>:<quantity>"``, with ``attrs["units"]``; empty when nothing matches.
    """
    with session_scope(engine) as session:
        rows = _rows(session, station_id, quantity, start, end, good_only)
        times = [r.time for r in rows]
        values = [r.value for r in rows]
    index = pd.DatetimeIndex(pd.to_datetime(times, utc=True), name="time")
    out = pd.Series(values, index=index, dtype="float64", name=f"{station_id}:{quantity}")
    out.attrs["units"] = QUANTITY_UNITS.get(quantity, "")
    return out


def rain_rate(
    engine: Engine,
    station_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.Series:
    """A rain gauge's good readings as intensity in mm/h over the interval ending at each time.

    Returns
    -------
    pandas.Series
        mm/h (``attrs["units"] == "mm/h"``), UTC index; the depth of each reading divided by
        its interval.
    """
    with session_scope(engine) as session:
        rows = _rows(session, station_id, "rain", start, end, True)
        times = [r.time for r in rows]
        rates = [(r.value or 0.0) / ((r.interval_s or 3600.0) / 3600.0) for r in rows]
    index = pd.DatetimeIndex(pd.to_datetime(times, utc=True), name="time")
    out = pd.Series(rates, index=index, dtype="float64", name=f"{station_id}:rain_rate")
    out.attrs["units"] = "mm/h"
    return out


def readings_frame(
    engine: Engine,
    station_id: str | None = None,
    quantity: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    good_only: bool = False,
) -> pd.DataFrame:
    """Every stored reading matching the filters, flags included, as a table.

    Returns
    -------
    pandas.DataFrame
        Columns station_id, quantity, time (UTC), value, unit, value_raw, unit_raw,
        interval_s, flags (comma list, empty when good), good, batch_id.
    """
    columns = [
        "station_id",
        "quantity",
        "time",
        "value",
        "unit",
        "value_raw",
        "unit_raw",
        "interval_s",
        "flags",
        "good",
        "batch_id",
    ]
    with session_scope(engine) as session:
        rows = _rows(session, station_id, quantity, start, end, good_only)
        records = [{c: getattr(r, c) for c in columns} for r in rows]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def sensor_notes(engine: Engine, station_id: str | None = None) -> pd.DataFrame:
    """Gap and duplicate-conflict notes (columns station_id, quantity, kind, start, end, detail)."""
    columns = ["station_id", "quantity", "kind", "start", "end", "detail"]
    query = select(SensorNoteRow).order_by(SensorNoteRow.station_id, SensorNoteRow.start)
    if station_id is not None:
        query = query.where(SensorNoteRow.station_id == station_id)
    with session_scope(engine) as session:
        records = [{c: getattr(n, c) for c in columns} for n in session.scalars(query)]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for c in ("start", "end"):
        frame[c] = pd.to_datetime(frame[c], utc=True)
    return frame


def station_summary(engine: Engine, station_id: str) -> pd.DataFrame:
    """Per quantity of one station: readings, good ones, first and last time, latest good value.

    Raises
    ------
    twin.NotFoundError
        When nothing is stored for the station.
    """
    frame = readings_frame(engine, station_id)
    if frame.empty:
        raise NotFoundError(f"no readings stored for station {station_id!r}")
    rows = []
    for quantity, group in frame.groupby("quantity", sort=True):
        good = group[group["good"]]
        rows.append(
            {
                "quantity": quantity,
                "readings": len(group),
                "good": len(good),
                "first": group["time"].min(),
                "last": group["time"].max(),
                "latest_good": good["value"].iloc[-1] if len(good) else float("nan"),
                "unit": QUANTITY_UNITS.get(str(quantity), ""),
            }
        )
    return pd.DataFrame(rows)
