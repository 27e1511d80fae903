"""The forecast cycle that runs by itself: ingest, trigger, nowcast, publish, re-rank.

One tick of a :class:`Scheduler`:

1. take (or renew) the cycle lease (:mod:`twin.operate.lease`); without it, do nothing:
   another scheduler is working, and two never issue at once;
2. finish a cycle that a scheduler began and did not end (it died, or lost its lease):
   from its run when the run had finished (a nowcast issues its warnings before it
   ends: they are read back, never issued twice), else from a new run;
3. ingest the files dropped in the watched folders (:mod:`twin.operate.folders`);
4. look for triggers among the new readings (:mod:`twin.operate.triggers`);
5. alert the operator about a folder silent past its limit;
6. run a cycle when a trigger fired or when the current period has had none: a nowcast at the
   clock's time, whose ``Actual`` warnings go into the live stream with Update and Cancel
   (:mod:`twin.alerts`), the open dispatch calls re-ranked on its flood.

Every decision is stored (:mod:`twin.operate.events`). The lease is renewed before the
warnings are published: a scheduler that lost it (it stalled past the lease's time and
another took over) publishes nothing.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from twin._errors import TwinError
from twin._time import as_utc
from twin.db import session_scope
from twin.operate._tables import EventRow
from twin.operate.clock import Clock, SystemClock
from twin.operate.events import list_events, record_event
from twin.operate.folders import ingest_folder
from twin.operate.lease import release_lease, take_lease
from twin.operate.settings import OperateSettings
from twin.operate.triggers import Trigger, find_triggers

if TYPE_CHECKING:
    from layers import City
    from twin.alerts.sign import CapSigner

__all__ = ["LEASE_NAME", "CycleReport", "LeaseLostError", "Scheduler", "TickReport"]

#: The name of the lease every scheduler of one database competes for.
LEASE_NAME = "operate"


class LeaseLostError(TwinError):
    """The scheduler no longer holds the lease: another one took over; it stops its cycle."""


@dataclass(frozen=True, slots=True)
class CycleReport:
    """What one cycle did."""

    key: str
    reason: str
    at: datetime
    run_id: str | None
    issued: tuple[str, ...] = ()
    error: str | None = None


@dataclass(slots=True)
class TickReport:
    """What one tick did (``held`` False: another scheduler holds the lease)."""

    held: bool
    triggers: list[Trigger] = field(default_factory=list)
    cycles: list[CycleReport] = field(default_factory=list)
    ingested: int = 0
    silent: list[str] = field(default_factory=list)


def default_owner() -> str:
    """A name for this scheduler, unique across machines: host, process, random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduler:
    """A scheduler of nowcasts over one city and one database.

    Parameters
    ----------
    engine
        The twin's database (sensors, runs, alerts, dispatch, and the scheduler's tables).
    settings
        What to watch, how often, the triggers (:class:`OperateSettings`).
    city
        The city (a loaded one, or its package folder; None: the demo city).
    runs_dir
        Each run's files go to ``runs_dir/<run id>``.
    state_dir
        Saved model states (warm starts of the next nowcast).
    clock
        Time source (default: the system clock; tests pass a simulated one).
    owner
        This scheduler's name in the lease and the audit log (default: host:pid:random).
    signer
        Signs the CAP files (None: unsigned).
    """

    def __init__(
        self,
        engine: Engine,
        settings: OperateSettings,
        *,
        city: City | str | Path | None,
        runs_dir: Path,
        state_dir: Path,
        clock: Clock | None = None,
        owner: str | None = None,
        signer: CapSigner | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings.checked()
        self.runs_dir = Path(runs_dir)
        self.state_dir = Path(state_dir)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.owner = owner or default_owner()
        self.signer = signer
        self.city = self._load_city(city)
        self.started = as_utc(self.clock.now())
        self._dispatcher: Any = None

    @staticmethod
    def _load_city(city: City | str | Path | None) -> City:
        if city is not None and not isinstance(city, str | Path):
            return city
        import layers
        from twin._scenario_check import load_city_cached

        return load_city_cached(Path(city) if city is not None else layers.ensure_demo_city())

    # ------------------------------------------------------------------ audit
    def _event(
        self, kind: str, *, cycle: str = "", run_id: str | None = None, **detail: Any
    ) -> None:
        record_event(
            self.engine,
            kind,
            time=self.clock.now(),
            owner=self.owner,
            cycle=cycle,
            run_id=run_id,
            **detail,
        )

    def _hold(self) -> bool:
        return take_lease(
            self.engine,
            LEASE_NAME,
            self.owner,
            now=self.clock.now(),
            ttl_s=self.settings.lease_ttl_s,
        )

    def release(self) -> None:
        """Give the lease back (on a clean stop), so another scheduler takes over at once."""
        release_lease(self.engine, LEASE_NAME, self.owner)

    # ------------------------------------------------------------------ the tick
    def tick(self) -> TickReport:
        """Do what is due now (see the module notes); what was done."""
        if not self._hold():
            return TickReport(held=False)
        report = TickReport(held=True)
        try:
            unfinished = self._unfinished()
            if unfinished is not None:
                report.cycles.append(self._cycle(*unfinished))
            new_batches = self._ingest(report)
            report.triggers = self._triggers(new_batches)
            report.silent = self._silent_feeds()
            now = as_utc(self.clock.now())
            if report.triggers:
                first = report.triggers[0]
                key = f"trigger:{first.key()}"
                if not self._done(key):
                    for t in report.triggers:
                        self._event(
                            "trigger", cycle=key, trigger=t.kind, station=t.station_id,
                            value=t.value, threshold=t.threshold, detail=t.detail,
                        )  # fmt: skip
                    report.cycles.append(self._cycle(key, now, "trigger"))
            elif self._period_due(now):
                report.cycles.append(self._cycle(self._period_key(now), now, "schedule"))
        except LeaseLostError as exc:
            self._event("cycle_skipped", reason=str(exc))
        return report

    def run(self, *, ticks: int | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Tick every ``poll_s`` (on the clock) until ``stop()`` is true or ``ticks`` are done."""
        done = 0
        try:
            while (ticks is None or done < ticks) and not (stop is not None and stop()):
                self.tick()
                done += 1
                self.clock.sleep(self.settings.poll_s)
        finally:
            self.release()

    # ------------------------------------------------------------------ cycle bookkeeping
    def _period_key(self, now: datetime) -> str:
        period_s = self.settings.cycle_min * 60.0
        slot = datetime.fromtimestamp((now.timestamp() // period_s) * period_s, tz=now.tzinfo)
        return f"cycle:{slot.strftime('%Y%m%dT%H%MZ')}"

    def _period_due(self, now: datetime) -> bool:
        """No cycle (scheduled or triggered) has ended in the current period."""
        period_s = self.settings.cycle_min * 60.0
        slot = datetime.fromtimestamp((now.timestamp() // period_s) * period_s, tz=now.tzinfo)
        with session_scope(self.engine) as session:
            found = session.scalars(
                select(EventRow.id)
                .where(EventRow.kind == "cycle_done", EventRow.time >= slot)
                .limit(1)
            ).first()
        return found is None and not self._done(self._period_key(now))

    def _done(self, key: str) -> bool:
        return bool(list_events(self.engine, kind="cycle_done", cycle=key))

    def _unfinished(self) -> tuple[str, datetime, str, str | None] | None:
        """The last cycle begun and not ended: (key, at, reason, run id when it had run)."""
        with session_scope(self.engine) as session:
            last = session.scalars(
                select(EventRow)
                .where(EventRow.kind == "cycle_started")
                .order_by(EventRow.id.desc())
                .limit(1)
            ).first()
            key = last.cycle if last is not None else None
        if key is None or self._done(key):
            return None
        events = list_events(self.engine, cycle=key)
        started = next(e for e in events if e.kind == "cycle_started")
        finished = [e for e in events if e.kind == "run_finished"]
        return (
            key,
            datetime.fromisoformat(started.detail["at"]),
            "resumed",
            finished[-1].run_id if finished else None,
        )

    # ------------------------------------------------------------------ feeds
    def _ingest(self, report: TickReport) -> set[int]:
        from twin.sensors import stations_from_city

        stations = stations_from_city(self.city)
        batches: set[int] = set()
        for folder in self.settings.watch:
            result = ingest_folder(self.engine, folder, now=self.clock.now(), stations=stations)
            for r in result.reports:
                self._event(
                    "ingested", folder=str(folder), file=Path(r.source).name, batch=r.batch_id,
                    added=r.added, already=r.already_ingested, counts=r.counts,
                )  # fmt: skip
                report.ingested += r.added
            for name, why in result.failed:
                self._event("ingest_failed", folder=str(folder), file=name, error=why)
                self._event("operator_alert", reason="feed file refused", file=name, error=why)
            batches |= result.new_batches
        return batches

    def _triggers(self, new_batches: set[int]) -> list[Trigger]:
        if not new_batches:
            return []
        from twin.alerts import alarm_levels_from_gauges
        from twin.sensors import readings_frame

        s = self.settings
        return find_triggers(
            readings_frame(self.engine, good_only=True),
            new_batches,
            alarm_levels=alarm_levels_from_gauges(self.city.gauges),
            gauge_alarm=s.gauge_alarm,
            dam_release_change_m3s=s.dam_release_change_m3s,
            rain_mm_h=s.rain_mm_h,
        )

    def _silent_feeds(self) -> list[str]:
        """Folders without a file for ``feed_silent_min``: one alert per silence."""
        now = as_utc(self.clock.now())
        limit = timedelta(minutes=self.settings.feed_silent_min)
        silent = []
        events = list_events(self.engine, kind="ingested") + list_events(
            self.engine, kind="feed_silent"
        )
        for folder in self.settings.watch:
            mine = [e for e in events if e.detail.get("folder") == str(folder)]
            heard = [e.time for e in mine if e.kind == "ingested"]
            last = max(heard, default=self.started)
            if now - last <= limit:
                continue
            if any(e.kind == "feed_silent" and e.time >= last for e in mine):
                continue  # already told
            minutes = (now - last).total_seconds() / 60.0
            self._event("feed_silent", folder=str(folder), silent_min=round(minutes, 1))
            self._event(
                "operator_alert", reason="feed silent", folder=str(folder), silent_min=minutes
            )
            silent.append(str(folder))
        return silent

    # ------------------------------------------------------------------ one cycle
    def _cycle(self, key: str, at: datetime, reason: str, run_id: str | None = None) -> CycleReport:
        if reason != "resumed":
            self._event("cycle_started", cycle=key, at=at.isoformat(), reason=reason)
        if run_id is None:
            try:
                run_id, issued = self._nowcast(at)
            except (TwinError, OSError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                self._event("run_failed", cycle=key, error=error)
                self._event("operator_alert", cycle=key, reason="nowcast failed", error=error)
                self._event("cycle_done", cycle=key, ok=False)
                return CycleReport(key, reason, at, None, error=error)
            self._event("run_finished", cycle=key, run_id=run_id, issued=issued)
        else:
            issued = []
            for e in list_events(self.engine, kind="run_finished", cycle=key):
                issued = list(e.detail.get("issued", []))
        if not self._hold():
            raise LeaseLostError(
                f"cycle {key}: the lease passed to another scheduler before publishing"
            )
        published = self._publish(run_id, at)
        if sorted(published) != sorted(issued):
            self._event(
                "operator_alert", cycle=key, run_id=run_id,
                reason="the run's warnings in the store differ from those it reported",
                reported=issued, stored=published,
            )  # fmt: skip
        self._event("published", cycle=key, run_id=run_id, identifiers=published)
        self._rerank(key, run_id, at)
        self._event("cycle_done", cycle=key, run_id=run_id, ok=True)
        return CycleReport(key, reason, at, run_id, tuple(published))

    def _nowcast(self, at: datetime) -> tuple[str, list[str]]:
        """Run the nowcast of ``at``; its run id and the warnings it issued."""
        from twin.nowcast import run_nowcast

        run_id = uuid.uuid4().hex
        s = self.settings
        result = run_nowcast(
            at,
            s.hours,
            self.runs_dir / run_id,
            city=self.city,
            resolution_m=s.resolution_m,
            output_every=f"{s.output_every_min:g}min",
            engine=self.engine,
            state_dir=self.state_dir,
            signer=self.signer,
            run_id=run_id,
        )
        if not result.summary.get("forecast", True):
            self._event(
                "operator_alert", run_id=run_id, reason="no readings: not a forecast",
                at=as_utc(at).isoformat(),
            )  # fmt: skip
        return run_id, [a["identifier"] for a in result.alerts]

    def _publish(self, run_id: str, at: datetime) -> list[str]:
        """The Actual messages the run put in the live stream (its own, from the store).

        A nowcast issues its warnings (Alert, Update, Cancel against those in effect) in one
        transaction before it ends, so a run recorded as finished has published them all;
        issuing them again from its files would repeat them. A cycle resumed after its run
        reads them back here instead, and the audit log names them.
        """
        from twin.alerts.store import AlertRow

        with session_scope(self.engine) as session:
            return list(
                session.scalars(
                    select(AlertRow.identifier)
                    .where(AlertRow.run_id == run_id, AlertRow.status == "Actual")
                    .order_by(AlertRow.seq)
                ).all()
            )

    def _rerank(self, key: str, run_id: str, at: datetime) -> None:
        """Rank the open dispatch calls on the new flood (none open: nothing to do)."""
        from sqlalchemy import func

        from twin.dispatch import OPEN_STATUSES, Dispatcher
        from twin.dispatch._tables import CallRow
        from twin.runs import open_result

        with session_scope(self.engine) as session:
            open_calls = session.scalar(
                select(func.count()).select_from(CallRow).where(CallRow.status.in_(OPEN_STATUSES))
            )
        if not open_calls:
            return
        flood = open_result(self.runs_dir / run_id)
        if flood.rio.crs is None:
            flood = flood.rio.write_crs(self.city.crs)
        if self._dispatcher is None:
            self._dispatcher = Dispatcher(
                self.city, engine=self.engine, flood=flood, now=at, clock=self.clock.now
            )
        else:
            self._dispatcher.set_flood(flood, now=at, rerank=False)
        ranked = self._dispatcher.rank()
        self._event("reranked", cycle=key, run_id=run_id, calls=[c.id for c in ranked])
