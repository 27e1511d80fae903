"""Sensor storage: ingest batches, readings with their QC flags, notes; and the query API.

Tables (declared on :class:`twin.db.Base`): ``sensor_batches`` (one row per ingested file,
with its SHA-256 so that the same file is never ingested twice), ``sensor_readings`` (unique
on station, quantity, time and copy number: a second value for one time is kept, flagged
``conflict``) and ``sensor_notes`` (gaps, conflicting duplicates).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import (
    Boolean,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    insert,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from twin._errors import ConflictError, NotFoundError
from twin._time import UTCDateTime, as_utc
from twin.db import Base, session_scope
from twin.sensors.feeds import RawReading, read_feed
from twin.sensors.qc import QCResult, StoredPoint, check_readings
from twin.sensors.quantities import HUE_STATIONS, QUANTITY_UNITS, QCConfig, check_stations

__all__ = [
    "INGEST_PART_ROWS",
    "IngestReport",
    "SensorBatch",
    "SensorNoteRow",
    "SensorReading",
    "SensorReadingPage",
    "SensorReadingRow",
    "ingest_files",
    "ingest_readings",
    "latest_good",
    "rain_rate",
    "readings_frame",
    "readings_page",
    "sensor_notes",
    "series",
    "station_summary",
]

INGEST_PART_ROWS = 500
"""Readings stored per transaction of a large ingest (an upload, ``twin sensors ingest``): the
write lock is held for one part (tens of milliseconds), so that a rescue call's intake never
waits behind a large file."""

# Pause between the parts of a large ingest, for a writer waiting on the lock to take it
_YIELD_S = 0.002
# QC looks this far around a file's times for stored readings (spikes, stuck runs, gaps)
_CONTEXT = timedelta(days=2)
# ... and at most this many readings on either side (spike, stuck and gap rules need a few)
_CONTEXT_POINTS = 200


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
        # a station's readings newest first, page by page (keyset on time, id)
        Index("ix_sensor_readings_station_time_id", "station_id", "time", "id"),
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
class SensorReadingPage:
    """A stored reading as a page of :func:`readings_page` gives it (raw value and unit too)."""

    row_id: int
    station_id: str
    quantity: str
    time: datetime
    value: float | None
    unit: str
    value_raw: float
    unit_raw: str
    flags: tuple[str, ...]

    @property
    def good(self) -> bool:
        """True when the reading passed every QC rule."""
        return not self.flags

    @classmethod
    def from_row(cls, row: SensorReadingRow) -> SensorReadingPage:
        """Snapshot of a database row."""
        return cls(
            row.id,
            row.station_id,
            row.quantity,
            row.time,
            row.value,
            row.unit,
            row.value_raw,
            row.unit_raw,
            tuple(f for f in row.flags.split(",") if f),
        )


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
    """Stored readings of each (station, quantity) of ``raw``: all those between its first and
    last time, and up to :data:`_CONTEXT_POINTS` on either side within :data:`_CONTEXT`
    (bounded, so that each part of a large upload costs the same)."""
    history: dict[tuple[str, str], list[StoredPoint]] = {}
    columns = (
        SensorReadingRow.time,
        SensorReadingRow.value,
        SensorReadingRow.good,
        SensorReadingRow.flags,
    )
    spans: dict[tuple[str, str], tuple[datetime, datetime]] = {}
    for r in raw:
        key = (r.station_id, r.quantity)
        lo, hi = spans.get(key, (r.time, r.time))
        spans[key] = (min(lo, r.time), max(hi, r.time))
    for (station_id, quantity), (lo, hi) in spans.items():
        mine = select(*columns).where(
            SensorReadingRow.station_id == station_id, SensorReadingRow.quantity == quantity
        )
        before = mine.where(
            SensorReadingRow.time < lo, SensorReadingRow.time >= lo - _CONTEXT
        ).order_by(SensorReadingRow.time.desc())
        after = mine.where(
            SensorReadingRow.time > hi, SensorReadingRow.time <= hi + _CONTEXT
        ).order_by(SensorReadingRow.time)
        rows = [
            *reversed(session.execute(before.limit(_CONTEXT_POINTS)).all()),
            *session.execute(
                mine.where(SensorReadingRow.time >= lo, SensorReadingRow.time <= hi).order_by(
                    SensorReadingRow.time
                )
            ).all(),
            *session.execute(after.limit(_CONTEXT_POINTS)).all(),
        ]
        history[(station_id, quantity)] = [
            StoredPoint(t, v, g, tuple(f for f in flags.split(",") if f)) for t, v, g, flags in rows
        ]
    return history


def _qc(
    session: Session,
    raw: Sequence[RawReading],
    stations: Mapping[str, str],
    now: datetime,
    config: QCConfig,
    last_times: dict[tuple[str, str], datetime] | None = None,
) -> QCResult:
    history = _history(session, raw)
    return check_readings(
        raw, stations, now=now, history=history, config=config, last_times=last_times
    )


def _store_checked(session: Session, batch_id: int, result: QCResult) -> None:
    if result.readings:
        session.execute(
            insert(SensorReadingRow),
            [
                {
                    "batch_id": batch_id,
                    "station_id": r.raw.station_id,
                    "quantity": r.raw.quantity,
                    "time": r.raw.time,
                    "value": r.value,
                    "unit": r.unit,
                    "value_raw": r.raw.value,
                    "unit_raw": r.raw.unit,
                    "interval_s": r.interval_s,
                    "flags": ",".join(r.flags),
                    "good": r.good,
                    "line": r.raw.line,
                    "copy_no": r.copy_no,
                }
                for r in result.readings
            ],
        )
    for note in result.notes:
        known = session.scalar(
            select(SensorNoteRow.id).where(
                SensorNoteRow.station_id == note.station_id,
                SensorNoteRow.quantity == note.quantity,
                SensorNoteRow.kind == note.kind,
                SensorNoteRow.start == note.start,
                SensorNoteRow.end == note.end,
            )
        )
        if known is None:
            session.add(
                SensorNoteRow(
                    batch_id=batch_id,
                    station_id=note.station_id,
                    quantity=note.quantity,
                    kind=note.kind,
                    start=note.start,
                    end=note.end,
                    detail=note.detail,
                )
            )
            session.flush()


def _earlier(session: Session, digest: str, source: str, rows: int) -> IngestReport | None:
    earlier = session.scalars(select(SensorBatch).where(SensorBatch.sha256 == digest)).first()
    if earlier is None:
        return None
    return IngestReport(source, digest, earlier.id, True, rows, 0, {"duplicate": rows})


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
    earlier = _earlier(session, digest, source, len(raw))
    if earlier is not None:
        return earlier
    result = _qc(session, raw, stations, now, config)
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
    _store_checked(session, batch.id, result)
    return IngestReport(source, digest, batch.id, False, len(raw), len(result.readings), counts)


def _ingest_in_parts(
    engine: Engine,
    raw: Sequence[RawReading],
    content: bytes,
    source: str,
    stations: Mapping[str, str],
    now: datetime,
    config: QCConfig,
    part_rows: int,
    write_lock: Callable[[], AbstractContextManager[object]],
) -> IngestReport:
    """One short write per part, each under ``write_lock``, released between parts so that
    other writers (a rescue call's intake) go first."""
    digest = hashlib.sha256(content).hexdigest()
    with write_lock(), session_scope(engine) as session:
        earlier = _earlier(session, digest, source, len(raw))
        if earlier is not None:
            return earlier
        # The batch is known by its content only once whole: until then its sha256 is a
        # random placeholder, and a batch cut off half-way is simply sent again (the parts
        # already stored are duplicates then).
        batch = SensorBatch(
            source=source[-500:],
            sha256=secrets.token_hex(32),
            ingested_at=datetime.now(UTC),
            now=now,
            counts_json="{}",
        )
        session.add(batch)
        session.flush()
        batch_id = batch.id
    totals: dict[str, int] = {}
    added = 0
    last_times: dict[tuple[str, str], datetime] = {}
    for first in range(0, len(raw), part_rows):
        part = raw[first : first + part_rows]
        # QC reads outside the lock (WAL readers do not block the writer); a reading that
        # another upload stores in between is refused by the unique key (ConflictError)
        with session_scope(engine) as session:
            result = _qc(session, part, stations, now, config, last_times)
        with write_lock(), session_scope(engine) as session:
            _store_checked(session, batch_id, result)
        added += len(result.readings)
        for name, n in result.counts().items():
            totals[name] = totals.get(name, 0) + n
        time.sleep(_YIELD_S)  # a thread waiting on write_lock takes it now
    with write_lock(), session_scope(engine) as session:
        row = session.get(SensorBatch, batch_id)
        assert row is not None
        row.sha256, row.counts_json = digest, json.dumps(totals)
    return IngestReport(source, digest, batch_id, False, len(raw), added, totals)


def ingest_readings(
    engine: Engine,
    readings: Sequence[RawReading],
    *,
    source: str,
    content: bytes | None = None,
    stations: Mapping[str, str] | None = None,
    now: datetime | None = None,
    config: QCConfig | None = None,
    part_rows: int | None = None,
    write_lock: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> IngestReport:
    """Quality-control and store already-parsed readings.

    Parameters
    ----------
    content
        Bytes that identify the batch (default: the readings themselves); the same content
        is never ingested twice.
    part_rows
        None (the default): one transaction, all or nothing. A number: parts of that many
        readings, each in its own short transaction under ``write_lock`` (a service, so
        that a large upload never holds the database's write lock for long); a batch cut off
        half-way keeps the parts stored and is completed by sending it again.
    write_lock
        Held around each transaction (default: none).

    See Also
    --------
    ingest_files
    """
    stations = dict(HUE_STATIONS if stations is None else stations)
    check_stations(stations)
    now = as_utc(now) if now is not None else datetime.now(UTC)
    if content is None:
        content = repr(sorted(readings, key=lambda r: r.line)).encode()
    config = config or QCConfig()
    try:
        if part_rows is not None:
            return _ingest_in_parts(
                engine, readings, content, source, stations, now, config, part_rows, write_lock
            )
        with write_lock(), session_scope(engine) as session:
            return _ingest_one(session, readings, content, source, stations, now, config)
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
    part_rows: int | None = None,
    write_lock: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> list[IngestReport]:
    """Read, quality-control and store sensor files.

    Every file is parsed first; a malformed one raises before anything is written. The
    files are then stored in the order given (each file's QC sees the readings of the files
    before it): in one transaction (all or none), or with ``part_rows`` file by file in parts.

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
    part_rows
        None (the default): every file in one transaction, all or nothing. A number (e.g.
        :data:`INGEST_PART_ROWS`): parts of that many readings, each in its own short
        transaction under ``write_lock``; a file cut off half-way keeps the parts stored and
        is completed by ingesting it again (its stored readings are duplicates then).
    write_lock
        Held around each transaction (default: none).

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
    config = config or QCConfig()
    if part_rows is not None:
        return [
            ingest_readings(
                engine,
                raw,
                source=source,
                content=content,
                stations=stations,
                now=now,
                config=config,
                part_rows=part_rows,
                write_lock=write_lock,
            )
            for source, raw, content in parsed
        ]
    try:
        with write_lock(), session_scope(engine) as session:
            return [
                _ingest_one(session, raw, content, source, stations, now, config)
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


def _filtered(
    query: Select[SensorReadingRow],
    station_id: str | None,
    quantity: str | None,
    start: datetime | None,
    end: datetime | None,
    good_only: bool,
) -> Select[SensorReadingRow]:
    """``query`` narrowed to a station, a quantity, a time window and good readings (None: all)."""
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
    return query


def _rows(
    session: Session,
    station_id: str | None,
    quantity: str | None,
    start: datetime | None,
    end: datetime | None,
    good_only: bool,
) -> Sequence[SensorReadingRow]:
    query = _filtered(select(SensorReadingRow), station_id, quantity, start, end, good_only)
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


#: A reading's place in a station's series: its time and row id (the keyset of a page).
Cursor = tuple[datetime, int]


def readings_page(
    engine: Engine,
    station_id: str,
    quantity: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    good_only: bool = False,
    limit: int = 1000,
    before: Cursor | None = None,
) -> tuple[list[SensorReadingPage], Cursor | None]:
    """One page of a station's readings: the newest ``limit`` before ``before``, read through
    the (station_id, time, id) index (the work is one page, however long the series).

    Returns
    -------
    (list of SensorReadingPage, Cursor or None)
        The page, oldest first, and the cursor of the next (older) page: None on the last.
    """
    query = _filtered(select(SensorReadingRow), station_id, quantity, start, end, good_only)
    if before is not None:
        at, row_id = as_utc(before[0]), before[1]
        query = query.where(
            or_(
                SensorReadingRow.time < at,
                and_(SensorReadingRow.time == at, SensorReadingRow.id < row_id),
            )
        )
    query = query.order_by(SensorReadingRow.time.desc(), SensorReadingRow.id.desc())
    with session_scope(engine) as session:
        rows = session.scalars(query.limit(limit + 1)).all()
        page = [SensorReadingPage.from_row(r) for r in rows[:limit]]
    cursor = (page[-1].time, page[-1].row_id) if len(rows) > limit else None
    return page[::-1], cursor


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
