"""The lifecycle of warnings in the database: Alert, Update, Cancel; and the ways out (XML
files, JSON, an Atom feed).

Each area (a ward, a group of wards, a gauge) has at most one message in effect per CAP
``status``. At each issuance (:func:`issue_alerts`):

* an area with no message in effect gets an ``Alert``;
* an area whose planned content differs from the message in effect (another fingerprint) gets
  an ``Update`` that references every earlier message of that area's chain;
* an area in effect that is no longer planned gets a ``Cancel`` (same references);
* an area whose content is unchanged gets nothing: a message is never re-sent unchanged;
* a message past its ``expires`` is no longer in effect (the next plan starts a new chain).

An operator may also cancel a message in effect by hand (:func:`cancel_alert`): the same
Cancel, referencing the whole chain.

Issuances and cancellations run one at a time: each takes the write lock of a one-row table
(:class:`AlertLockRow`) as its first statement, so on SQLite and on PostgreSQL a second one
waits and then reads what the first committed (a nowcast and an operator at the same instant
give an Alert and an Update, never two Alerts). A partial unique index (one message in effect
per area and status) backs this up.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from lxml import etree
from sqlalchemy import (
    DDL,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from twin._errors import ConflictError, NotFoundError, TwinError
from twin._time import UTCDateTime, as_utc, local_iso
from twin.alerts.cap import CAP_NAMESPACE, CapInfo, CapMessage
from twin.alerts.rules import AlertRules, GaugeExceedance, WardImpact, plan_alerts
from twin.alerts.sign import CapSigner
from twin.db import Base, session_scope

__all__ = [
    "AlertRecord",
    "AlertRow",
    "AlertWardRow",
    "active_alerts",
    "alert_json",
    "alert_xml",
    "atom_feed",
    "cancel_alert",
    "consistency_problems",
    "feed_messages",
    "get_alert",
    "issue_alerts",
    "list_alerts",
    "message_wards",
    "write_alerts",
]

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
_A = f"{{{ATOM_NAMESPACE}}}"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._+-]")


class AlertRow(Base):
    """One issued CAP message; ``state`` is active, superseded, cancelled, expired or closed."""

    __tablename__ = "alert_messages"

    identifier: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    sender: Mapped[str] = mapped_column(String(200))
    sent: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(20))
    msg_type: Mapped[str] = mapped_column(String(20))
    area_key: Mapped[str] = mapped_column(String(500), index=True)
    chain: Mapped[str] = mapped_column(String(200), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    references: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), index=True)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    severity: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    certainty: Mapped[str] = mapped_column(String(20))
    headline_vi: Mapped[str] = mapped_column(Text)
    headline_en: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    xml: Mapped[str] = mapped_column(Text)


# at most one message in effect per area and status, whatever the writers do
Index(
    "alert_one_active_per_area",
    AlertRow.area_key,
    AlertRow.status,
    unique=True,
    sqlite_where=text("state = 'active'"),
    postgresql_where=text("state = 'active'"),
)


class AlertWardRow(Base):
    """A ward (CAP area geocode) that a message covers: ``GET /alerts?ward=`` reads this
    index, never the messages' XML."""

    __tablename__ = "alert_wards"

    identifier: Mapped[str] = mapped_column(
        ForeignKey("alert_messages.identifier", ondelete="CASCADE"), primary_key=True
    )
    ward_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


Index("ix_alert_wards_ward_seq", AlertWardRow.ward_id, AlertWardRow.seq)


def message_wards(msg: CapMessage) -> list[str]:
    """The geocode values of a message's areas (its wards), each once, in order."""
    found: list[str] = []
    for info in msg.infos:
        for area in info.areas:
            for _name, value in area.geocodes:
                if value not in found:
                    found.append(value)
    return found


class AlertLockRow(Base):
    """One row whose update serialises issuances and cancellations (see the module notes)."""

    __tablename__ = "alert_issue_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuances: Mapped[int] = mapped_column(Integer, default=0)


# the row exists from the table's creation on, so the lock never has to be inserted by two
# writers at once
event.listen(
    AlertLockRow.__table__,
    "after_create",
    DDL("INSERT INTO alert_issue_lock (id, issuances) VALUES (1, 0)"),
)


def _take_issue_lock(session: Session) -> None:
    """Take the alert write lock for the rest of the transaction (a write as first statement:
    SQLite's RESERVED lock, PostgreSQL's row lock); the next writer waits for our commit."""
    done = session.execute(
        update(AlertLockRow)
        .where(AlertLockRow.id == 1)
        .values(issuances=AlertLockRow.issuances + 1)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        session.add(AlertLockRow(id=1, issuances=1))
        session.flush()


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """A stored message as listed (no XML): what ``twin alerts list`` shows."""

    identifier: str
    msg_type: str
    state: str
    status: str
    area_key: str
    sent: datetime
    expires: datetime | None
    severity: str
    urgency: str
    certainty: str
    headline_vi: str
    headline_en: str
    references: tuple[str, ...]
    run_id: str | None


def _record(row: AlertRow) -> AlertRecord:
    return AlertRecord(
        row.identifier,
        row.msg_type,
        row.state,
        row.status,
        row.area_key,
        row.sent,
        row.expires,
        row.severity,
        row.urgency,
        row.certainty,
        row.headline_vi,
        row.headline_en,
        tuple(row.references.split()),
        row.run_id,
    )


def _identifier(
    session: Session, sent: datetime, key: str, suffix: str, tz: str | None = None
) -> str:
    stamp = datetime.fromisoformat(local_iso(sent, tz)).strftime("%Y%m%dT%H%M%S")
    base = _SAFE_NAME.sub("_", f"hue-twin.{stamp}.{key}.{suffix}")[:180]
    identifier, n = base, 1
    while session.get(AlertRow, identifier) is not None:
        n += 1
        identifier = f"{base}.{n}"
    return identifier


def _cancel_infos(previous: CapMessage) -> tuple[CapInfo, ...]:
    out = []
    for info in previous.infos:
        vi = info.language.startswith("vi")
        names = ", ".join(a.area_desc for a in info.areas)
        out.append(
            replace(
                info,
                urgency="Past",
                severity="Minor",
                certainty="Observed",
                response_types=("AllClear",),
                onset=None,
                expires=None,
                headline=(
                    f"Hủy cảnh báo lũ: {names}" if vi else f"Flood warning cancelled: {names}"
                ),
                description=(
                    "Cảnh báo trước đây cho khu vực này không còn hiệu lực."
                    if vi
                    else "The earlier warning for this area is no longer in effect."
                ),
                instruction=(
                    "Tiếp tục theo dõi tin của chính quyền địa phương; cẩn thận khi trở về nhà."
                    if vi
                    else "Keep following the local authorities; take care when returning home."
                ),
                parameters=(),
            )
        )
    return tuple(out)


def _chain_references(session: Session, chain: str) -> tuple[str, ...]:
    """Every message of a chain, oldest first, as CAP references it."""
    history = session.scalars(
        select(AlertRow).where(AlertRow.chain == chain).order_by(AlertRow.seq)
    ).all()
    return tuple(CapMessage.from_xml(h.xml.encode()).reference for h in history)


def _cancel_message(
    session: Session,
    previous: AlertRow,
    references: tuple[str, ...],
    *,
    now: datetime,
    sender: str,
    note: str | None = None,
    timezone: str | None = None,
) -> CapMessage:
    """The Cancel of the message in effect ``previous`` (now marked cancelled)."""
    msg = CapMessage(
        identifier=_identifier(session, now, previous.area_key, "cancel", timezone),
        sender=sender,
        timezone=timezone,
        sent=now,
        status=previous.status,
        msg_type="Cancel",
        note=note,
        references=references,
        infos=_cancel_infos(CapMessage.from_xml(previous.xml.encode())),
    )
    previous.state = "cancelled"
    return msg


def consistency_problems(msg: CapMessage) -> list[str]:
    """This service's own rules for what it issues, stricter than CAP 1.2.

    Every language says the same thing, so urgency, severity and certainty are the same in
    every ``info``; an ``expires`` is after ``sent``.

    Examples
    --------
    >>> from datetime import timezone
    >>> sent = datetime(2025, 10, 27, tzinfo=timezone.utc)
    >>> vi = CapInfo("vi-VN", ("Met",), "Lũ", "Expected", "Severe", "Likely", expires=sent)
    >>> en = CapInfo("en-US", ("Met",), "Flood", "Expected", "Moderate", "Likely")
    >>> msg = CapMessage("x", "y", sent, "Actual", "Alert", infos=(vi, en))
    >>> for p in consistency_problems(msg):
    ...     print(p)
    info 1 (vi-VN): expires must be after sent
    info 2 (en-US): urgency/severity/certainty differ from info 1 (vi-VN)
    """
    problems = []
    first = msg.infos[0] if msg.infos else None
    for i, info in enumerate(msg.infos, start=1):
        where = f"info {i} ({info.language})"
        if info.expires is not None and info.expires <= msg.sent:
            problems.append(f"{where}: expires must be after sent")
        if first is not None and (info.urgency, info.severity, info.certainty) != (
            first.urgency,
            first.severity,
            first.certainty,
        ):
            problems.append(
                f"{where}: urgency/severity/certainty differ from info 1 ({first.language})"
            )
    return problems


def _store(
    session: Session,
    msg: CapMessage,
    *,
    area_key: str,
    chain: str,
    fingerprint: str,
    state: str,
    run_id: str | None,
) -> None:
    seq = (session.scalar(select(AlertRow.seq).order_by(AlertRow.seq.desc()).limit(1)) or 0) + 1
    first = msg.infos[0] if msg.infos else None
    by_lang = {i.language: i for i in msg.infos}
    vi = by_lang.get("vi-VN", first)
    en = by_lang.get("en-US", first)
    session.add(
        AlertRow(
            identifier=msg.identifier,
            seq=seq,
            sender=msg.sender,
            sent=msg.sent,
            status=msg.status,
            msg_type=msg.msg_type,
            area_key=area_key,
            chain=chain,
            fingerprint=fingerprint,
            references=" ".join(msg.references),
            state=state,
            expires=first.expires if first else None,
            severity=first.severity if first else "Unknown",
            urgency=first.urgency if first else "Unknown",
            certainty=first.certainty if first else "Unknown",
            headline_vi=(vi.headline or "") if vi else "",
            headline_en=(en.headline or "") if en else "",
            run_id=run_id,
            xml=msg.to_xml().decode("utf-8"),
        )
    )
    session.flush()
    session.add_all(
        AlertWardRow(identifier=msg.identifier, ward_id=w, seq=seq, position=i)
        for i, w in enumerate(message_wards(msg))
    )
    session.flush()


def issue_alerts(
    engine: Engine,
    impacts: Sequence[WardImpact],
    gauges: Sequence[GaugeExceedance] = (),
    *,
    now: datetime,
    rules: AlertRules | None = None,
    run_id: str | None = None,
) -> list[CapMessage]:
    """Turn an impact summary into CAP messages and record them: Alert, Update or Cancel.

    Parameters
    ----------
    engine
        From :func:`twin.db.make_engine`.
    impacts
        One :class:`WardImpact` per ward (those below the thresholds get nothing).
    gauges
        Alarm levels passed at the gauges.
    now
        Aware time of issue: ``sent`` of the new messages and the origin of lead times.
    rules
        Thresholds and texts; default :class:`AlertRules`.
    run_id
        Stored with the messages (the scenario or nowcast run that made them).

    Returns
    -------
    list of CapMessage
        The new messages only (empty when nothing changed), each valid CAP 1.2.
    """
    rules = rules or AlertRules()
    now = as_utc(now).replace(microsecond=0)
    plans = {p.area_key: p for p in plan_alerts(impacts, gauges, now=now, rules=rules)}
    issued: list[CapMessage] = []
    with session_scope(engine) as session:
        _take_issue_lock(session)
        current = session.scalars(
            select(AlertRow).where(AlertRow.state == "active", AlertRow.status == rules.status)
        ).all()
        active: dict[str, AlertRow] = {}
        for row in current:
            if row.expires is not None and row.expires <= now:
                row.state = "expired"
            else:
                active[row.area_key] = row
        for key in sorted(set(plans) | set(active)):
            plan = plans.get(key)
            previous = active.get(key)
            if (
                plan is not None
                and previous is not None
                and plan.fingerprint == previous.fingerprint
            ):
                continue
            references: tuple[str, ...] = ()
            chain = ""
            if previous is not None:
                chain = previous.chain
                references = _chain_references(session, chain)
            if plan is None:
                assert previous is not None
                msg = _cancel_message(
                    session,
                    previous,
                    references,
                    now=now,
                    sender=rules.sender,
                    timezone=rules.timezone,
                )
                state, fingerprint = "closed", ""
            else:
                msg = CapMessage(
                    identifier=_identifier(session, now, key, plan.fingerprint[:8], rules.timezone),
                    sender=rules.sender,
                    sent=now,
                    status=rules.status,
                    msg_type="Update" if previous is not None else "Alert",
                    references=references,
                    infos=plan.infos,
                    timezone=rules.timezone,
                )
                if previous is not None:
                    previous.state = "superseded"
                else:
                    chain = msg.identifier
                state, fingerprint = "active", plan.fingerprint
            problems = consistency_problems(msg)
            if problems:
                raise TwinError(f"the {msg.msg_type} for {key!r} is not consistent", problems)
            _store(
                session,
                msg,
                area_key=key,
                chain=chain,
                fingerprint=fingerprint,
                state=state,
                run_id=run_id,
            )
            issued.append(msg)
    return issued


_NOTE_MAX_CHARS = 1000
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _not_in_effect(session: Session, row: AlertRow, now: datetime) -> str | None:
    """Why the stored message ``row`` cannot be cancelled at ``now`` (None when it can)."""
    name = f"alert {row.identifier!r}"
    if row.msg_type == "Cancel":
        return f"{name} is itself a Cancel: there is nothing in effect to cancel"
    if row.state == "cancelled":
        return f"{name} has already been cancelled"
    if row.state == "superseded":
        current = session.scalars(
            select(AlertRow.identifier).where(
                AlertRow.chain == row.chain, AlertRow.state == "active"
            )
        ).first()
        hint = f": cancel {current!r}, the message in effect" if current else ""
        return f"{name} has been superseded by an Update{hint}"
    if row.state == "expired" or (row.expires is not None and row.expires <= now):
        when = f" at {local_iso(row.expires)}" if row.expires is not None else ""
        return f"{name} expired{when} and is no longer in effect"
    if row.state != "active":
        return f"{name} is {row.state}, not in effect"
    return None


def cancel_alert(
    engine: Engine, identifier: str, *, now: datetime, note: str | None = None
) -> CapMessage:
    """Cancel a warning in effect by hand: a CAP ``Cancel`` referencing its whole chain.

    The Cancel is the one :func:`issue_alerts` sends for an area no longer planned (same
    sender and ``status`` as the message cancelled, urgency ``Past``, response ``AllClear``);
    the message cancelled is no longer in effect. The next issuance that plans the area again
    starts a new chain.

    Parameters
    ----------
    engine
        From :func:`twin.db.make_engine`.
    identifier
        The message in effect (an Alert or the latest Update of its chain).
    now
        Aware time of issue: ``sent`` of the Cancel.
    note
        Why it is cancelled (CAP ``note``), up to 1000 characters.

    Returns
    -------
    CapMessage
        The Cancel, recorded and valid CAP 1.2.

    Raises
    ------
    twin.NotFoundError
        When no message has that identifier.
    twin.ConflictError
        When the message is not in effect (cancelled, superseded, expired, or a Cancel).
    twin.TwinError
        When ``note`` is empty, too long or holds characters XML cannot carry, or ``now``
        is before the message was sent.

    Examples
    --------
    >>> from datetime import timezone
    >>> from twin.db import make_engine
    >>> from twin.alerts.rules import WardImpact
    >>> engine = make_engine("sqlite://")
    >>> now = datetime(2025, 10, 27, tzinfo=timezone.utc)
    >>> ward = WardImpact(
    ...     "W01", "Phú Hội", [(107.58, 16.46), (107.59, 16.46), (107.59, 16.47)],
    ...     people_by_hazard_class=(0, 900, 0, 0), max_hazard_class=1,
    ...     arrival=now + timedelta(hours=3),
    ... )
    >>> (alert,) = issue_alerts(engine, [ward], now=now)
    >>> cancel = cancel_alert(engine, alert.identifier, now=now + timedelta(hours=1))
    >>> cancel.msg_type, cancel.references == (alert.reference,)
    ('Cancel', True)
    >>> active_alerts(engine)
    []
    """
    now = as_utc(now).replace(microsecond=0)
    if note is not None:
        if not note.strip() or len(note) > _NOTE_MAX_CHARS:
            raise TwinError(f"note must be 1 to {_NOTE_MAX_CHARS} characters, or left out")
        if _XML_UNSAFE.search(note):
            raise TwinError("note holds control characters that XML cannot carry: remove them")
    with session_scope(engine) as session:
        _take_issue_lock(session)
        row = session.get(AlertRow, identifier)
        if row is None:
            raise NotFoundError(f"no alert with identifier {identifier!r}: list them with /alerts")
        why = _not_in_effect(session, row, now)
        if why is not None:
            raise ConflictError(why)
        if now < row.sent:
            raise TwinError(
                f"now ({local_iso(now)}) is before alert {identifier!r} was sent "
                f"({local_iso(row.sent)}): a Cancel cannot precede what it cancels"
            )
        msg = _cancel_message(
            session,
            row,
            _chain_references(session, row.chain),
            now=now,
            sender=row.sender,
            note=note,
        )
        problems = consistency_problems(msg)
        if problems:
            raise TwinError(f"the Cancel of {identifier!r} is not consistent", problems)
        _store(
            session,
            msg,
            area_key=row.area_key,
            chain=row.chain,
            fingerprint="",
            state="closed",
            run_id=None,
        )
    return msg


def list_alerts(
    engine: Engine,
    *,
    active_only: bool = False,
    now: datetime | None = None,
    status: str | None = None,
) -> list[AlertRecord]:
    """Stored messages, newest first.

    Parameters
    ----------
    active_only
        Only messages in effect (not superseded, cancelled or expired).
    now
        With ``active_only``: also leave out messages whose ``expires`` has passed by then.
    status
        Only messages of this CAP status (``Actual``: the live stream; ``Exercise``: the
        scenarios'); None: all.
    """
    query = select(AlertRow).order_by(AlertRow.seq.desc())
    if status is not None:
        query = query.where(AlertRow.status == status)
    if active_only:
        query = query.where(AlertRow.state == "active")
    with session_scope(engine) as session:
        rows = session.scalars(query).all()
        records = [_record(r) for r in rows]
    if active_only and now is not None:
        limit = as_utc(now)
        records = [r for r in records if r.expires is None or r.expires > limit]
    return records


def active_alerts(engine: Engine, *, now: datetime | None = None) -> list[CapMessage]:
    """The messages in effect (Alerts and Updates not replaced, cancelled or expired).

    Parameters
    ----------
    now
        Leave out messages that have expired by then (default: keep them until the next
        issuance marks them expired).
    """
    identifiers = [r.identifier for r in list_alerts(engine, active_only=True, now=now)]
    return [get_alert(engine, i) for i in identifiers]


def alert_xml(engine: Engine, identifier: str) -> bytes:
    """The CAP XML of one stored message, as issued.

    Raises
    ------
    twin.NotFoundError
        When no message has that identifier.
    """
    with session_scope(engine) as session:
        _take_issue_lock(session)
        row = session.get(AlertRow, identifier)
        if row is None:
            raise NotFoundError(f"no alert with identifier {identifier!r}")
        return row.xml.encode("utf-8")


def get_alert(engine: Engine, identifier: str) -> CapMessage:
    """One stored message as a :class:`CapMessage` (raises :class:`twin.NotFoundError`)."""
    return CapMessage.from_xml(alert_xml(engine, identifier))


def alert_json(engine: Engine, identifier: str) -> str:
    """One stored message as JSON (CAP element names; see :meth:`CapMessage.to_dict`)."""
    return get_alert(engine, identifier).to_json()


def write_alerts(
    messages: Sequence[CapMessage], folder: str | Path, *, signer: CapSigner | None = None
) -> list[Path]:
    """Write one ``<identifier>.xml`` file per message into ``folder`` (made if missing),
    signed by ``signer`` when one is given (:mod:`twin.alerts.sign`).

    Returns
    -------
    list of Path
        The files written, in the order of ``messages``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for msg in messages:
        path = folder / f"{_SAFE_NAME.sub('_', msg.identifier)}.xml"
        xml = msg.to_xml()
        path.write_bytes(signer.sign(xml) if signer is not None else xml)
        paths.append(path)
    return paths


def _rfc3339(t: datetime) -> str:
    return local_iso(t)


def feed_messages(
    engine: Engine, *, now: datetime | None = None, recent_h: float = 24.0
) -> list[CapMessage]:
    """What an Atom feed carries at ``now``, newest first.

    The messages in effect (not replaced, cancelled or expired by ``now``), and every Update
    or Cancel sent in the ``recent_h`` hours before ``now`` that has not expired, so that an
    aggregator reading the feed sees a warning replaced or retracted.

    Parameters
    ----------
    now
        Aware time; default the clock.
    recent_h
        How far back Updates and Cancels stay in the feed after they were sent.
    """
    if recent_h < 0:
        raise TwinError(f"recent_h={recent_h} must be >= 0 hours")
    at = as_utc(now or datetime.now(UTC))
    since = at - timedelta(hours=recent_h)
    with session_scope(engine) as session:
        rows = session.scalars(
            select(AlertRow)
            .where(
                (AlertRow.state == "active")
                | (
                    AlertRow.msg_type.in_(("Update", "Cancel"))
                    & (AlertRow.sent > since)
                    & (AlertRow.sent <= at)
                )
            )
            .order_by(AlertRow.seq.desc())
        ).all()
        xmls = [r.xml for r in rows if r.expires is None or r.expires > at]
    return [CapMessage.from_xml(x.encode("utf-8")) for x in xmls]


_C = f"{{{CAP_NAMESPACE}}}"


def _cap_index(entry: etree._Element, msg: CapMessage, info: CapInfo | None) -> None:
    """The CAP fields an alert aggregator filters on, as ``cap:`` elements of an Atom entry.

    This is the "CAP index" convention of public alert feeds (the US National Weather
    Service's, those Google Public Alerts reads): a reader can pick the entries for its area,
    severity and status without fetching every message; the message itself stays the link.
    """

    def add(tag: str, text: str) -> etree._Element:
        element = etree.SubElement(entry, _C + tag)
        element.text = text
        return element

    add("identifier", msg.identifier)
    add("sender", msg.sender)
    add("sent", local_iso(msg.sent))
    add("status", msg.status)
    add("msgType", msg.msg_type)
    add("scope", msg.scope)
    if info is None:
        return
    add("event", info.event)
    for category in info.categories:
        add("category", category)
    add("urgency", info.urgency)
    add("severity", info.severity)
    add("certainty", info.certainty)
    for tag, when in (("effective", info.effective), ("onset", info.onset)):
        if when is not None:
            add(tag, local_iso(when))
    if info.expires is not None:
        add("expires", local_iso(info.expires))
    if info.areas:
        add("areaDesc", "; ".join(a.area_desc for a in info.areas))
        for area in info.areas:
            for polygon in area.polygons:
                add("polygon", polygon)
            for name, value in area.geocodes:
                geocode = etree.SubElement(entry, _C + "geocode")
                etree.SubElement(geocode, _C + "valueName").text = name
                etree.SubElement(geocode, _C + "value").text = value


def atom_feed(
    engine: Engine,
    *,
    base_url: str = "https://hue-twin.example/alerts",
    language: str = "vi-VN",
    now: datetime | None = None,
    title: str | None = None,
    feed_id: str | None = None,
    recent_h: float = 24.0,
) -> bytes:
    """An Atom feed (RFC 4287) of the warnings: one entry per message of :func:`feed_messages`.

    Parameters
    ----------
    base_url
        Where the alerts are served: entry links are ``<base_url>/<identifier>.xml``
        (``application/cap+xml``) and the feed's self link ``<base_url>/feed.atom``.
    language
        Which ``info`` gives each entry's title and summary (``vi-VN`` or ``en-US``).
    now
        Messages expired by then are left out; the feed's ``updated`` when it has no entry.
        Default: the clock.
    title
        Feed title.
    feed_id
        The feed's permanent ``id`` (an IRI that never changes, RFC 4287 §4.2.6); default a
        ``urn:uuid:`` derived from ``base_url``.
    recent_h
        Updates and Cancels stay in the feed this long after they were sent.

    Returns
    -------
    bytes
        UTF-8 XML; entry ids are stable ``urn:uuid:`` URNs derived from sender and identifier,
        each entry's ``updated`` is its message's ``sent``; each entry also carries the
        message's header and its ``info``'s event, urgency, severity, certainty, times, area
        description, polygons and geocodes as ``cap:`` elements (:func:`_cap_index`).
    """
    base = base_url.rstrip("/")
    at = as_utc(now or datetime.now(UTC))
    messages = feed_messages(engine, now=at, recent_h=recent_h)
    feed = etree.Element(_A + "feed", nsmap={None: ATOM_NAMESPACE, "cap": CAP_NAMESPACE})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", language)

    def add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> None:
        element = etree.SubElement(parent, _A + tag, attrs)
        if text is not None:
            element.text = text

    vi = language.startswith("vi")
    add(feed, "id", feed_id or uuid.uuid5(uuid.NAMESPACE_URL, base).urn)
    add(feed, "title", title or ("Cảnh báo lũ" if vi else "Flood warnings"))
    latest = max((m.sent for m in messages), default=at)
    add(feed, "updated", _rfc3339(latest))
    add(feed, "link", rel="self", href=f"{base}/feed.atom", type="application/atom+xml")
    author = etree.SubElement(feed, _A + "author")
    add(author, "name", "hue-twin")
    add(feed, "generator", "hue-twin")
    for msg in messages:
        info = next((i for i in msg.infos if i.language == language), None)
        info = info or (msg.infos[0] if msg.infos else None)
        entry = etree.SubElement(feed, _A + "entry")
        add(entry, "id", uuid.uuid5(uuid.NAMESPACE_URL, f"{msg.sender},{msg.identifier}").urn)
        add(entry, "title", (info.headline if info else None) or msg.identifier)
        add(entry, "updated", _rfc3339(msg.sent))
        add(entry, "published", _rfc3339(msg.sent))
        add(
            entry,
            "link",
            rel="alternate",
            type="application/cap+xml",
            href=f"{base}/{quote(msg.identifier)}.xml",
        )
        if info is not None:
            add(entry, "summary", info.description or info.headline or "")
            add(entry, "category", term=info.severity, label=info.severity)
        add(entry, "category", term=msg.msg_type, label=msg.msg_type)
        _cap_index(entry, msg, info)
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True))
