"""The dispatcher: one object per city that takes calls, judges them, proposes and assigns
teams, follows calls to their end and lists people to call first.

Everything slow is built once in the constructor (the geocoding index, the road graph) or
once per flood state (the flood-aware graphs, cached by :class:`RoadNetwork`), so that
an intake with its geocode, risk and team proposal takes milliseconds. Every write is one
transaction: a call is stored whole with its first audit-log entry or not at all; team
assignment is a conditional ``UPDATE ... WHERE status = 'available'`` whose row count says
who won.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import xarray as xr
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Engine,
    and_,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from twin._errors import ConflictError, NotFoundError, TwinError
from twin.db import create_schema as create_all
from twin.db import make_engine, session_scope
from twin.dispatch._tables import CallEventRow, CallRow, TeamRow
from twin.dispatch.calls import (
    OPEN_STATUSES,
    Call,
    CallEvent,
    IntakeRequest,
    as_utc,
    check_transition,
    validate_intake,
)
from twin.dispatch.geocode import GeocodeIndex, GeocodeResult, geocode
from twin.dispatch.outbound import OutboundEntry, outbound_list
from twin.dispatch.priority import factors_of, priority_scores
from twin.dispatch.risk import FloodState, PointRisk, assess_points
from twin.dispatch.routing import DEFAULT_HORIZON_S, RoadNetwork, Route, TeamStart
from twin.dispatch.teams import (
    TEAM_STATUS_FOR_CALL,
    TEAM_STATUSES,
    Proposal,
    Team,
    TeamOption,
    explain_no_team,
)

__all__ = ["Dispatcher"]

FloodInput = FloodState | xr.Dataset | str | Path | None
#: Team statuses that follow an open call.
_ON_CALL = tuple(TEAM_STATUS_FOR_CALL[s] for s in ("assigned", "en route", "on scene"))


class Dispatcher:
    """Rescue dispatch for one city.

    Parameters
    ----------
    city
        A ``layers.City`` (roads, wards, stations, households, crs).
    engine
        Database engine; default ``twin.db.make_engine(db_url)``.
    db_url
        SQLAlchemy URL when no engine is given (default: ``TWIN_DATABASE_URL`` or the local
        SQLite file).
    flood
        The latest flood result or nowcast: a :class:`FloodState`, a Dataset, a path, or None
        (dry).
    now
        *now* within the flood result (see :class:`FloodState`).
    horizon_s
        Routing takes the worst water over *now* .. *now* + ``horizon_s``.
    clock
        Returns the current UTC time (tests pass a fixed clock).
    """

    def __init__(
        self,
        city: Any,
        *,
        engine: Engine | None = None,
        db_url: str | None = None,
        flood: FloodInput = None,
        now: datetime | float | None = None,
        horizon_s: float | None = DEFAULT_HORIZON_S,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.city = city
        self.engine = engine if engine is not None else make_engine(db_url)
        create_all(self.engine)  # an engine made before this module was imported lacks our tables
        self.clock = clock or (lambda: datetime.now(UTC))
        self.horizon_s = horizon_s
        self.index = GeocodeIndex(city.roads, city.wards)
        self.network = RoadNetwork(city.roads, crs=city.crs)
        self._to_city = pyproj.Transformer.from_crs("EPSG:4326", city.crs, always_xy=True)
        self._to_lonlat = pyproj.Transformer.from_crs(city.crs, "EPSG:4326", always_xy=True)
        x0, y0, x1, y1 = city.wards.total_bounds
        lons, lats = self._to_lonlat.transform([x0, x1, x0, x1], [y0, y0, y1, y1])
        pad = 0.02  # degrees: callers just outside the ward polygons still count
        self.bounds_lonlat = (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)
        self.flood: FloodState | None = None
        self.set_flood(flood, now=now, rerank=False)
        self.sync_teams()

    # ------------------------------------------------------------------ flood state
    def set_flood(
        self, flood: FloodInput, *, now: datetime | float | None = None, rerank: bool = True
    ) -> None:
        """Use a new flood result (a nowcast landed); re-rank every open call unless told not."""
        if flood is None or isinstance(flood, FloodState):
            self.flood = flood
        else:
            self.flood = FloodState(flood, now=now)
        if rerank:
            self.rank()

    # ------------------------------------------------------------------ look-ups
    def geocode(self, text: str) -> GeocodeResult:
        """Ranked candidates for an address (see :func:`twin.dispatch.geocode.geocode`)."""
        return geocode(text, self.index)

    def assess(
        self,
        x: float | None = None,
        y: float | None = None,
        *,
        lon: float | None = None,
        lat: float | None = None,
    ) -> PointRisk:
        """Risk at a point given in the city CRS (x, y) or in lon/lat."""
        x, y = self._xy(x, y, lon, lat)
        return PointRisk.from_arrays(self.flood, assess_points(self.flood, [x], [y]), 0)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """City CRS metres -> WGS 84 lon/lat."""
        lon, lat = self._to_lonlat.transform(x, y)
        return float(lon), float(lat)

    def _xy(
        self, x: float | None, y: float | None, lon: float | None, lat: float | None
    ) -> tuple[float, float]:
        if x is not None and y is not None:
            return float(x), float(y)
        if lon is not None and lat is not None:
            cx, cy = self._to_city.transform(lon, lat)
            return float(cx), float(cy)
        raise TwinError("give a position: x and y (city CRS, m) or lon and lat (WGS 84)")

    # ------------------------------------------------------------------ intake
    def intake(
        self,
        *,
        phone: str,
        address: str | None = None,
        lon: float | None = None,
        lat: float | None = None,
        people: int = 1,
        vulnerable: Mapping[str, int] | Sequence[str] | None = None,
        reported_water_m: float | None = None,
        notes: str | None = None,
        idempotency_key: str | None = None,
        operator: str = "hotline",
    ) -> Call:
        """Take a call: validate, locate, judge the risk, score it, store it with its audit entry.

        A retried intake with the same ``idempotency_key`` returns the call stored the first
        time; the same key with a different body is a :class:`twin.ConflictError`. An address
        that is not clearly matched is stored with its candidates and no position; pick one
        with :meth:`locate`.

        Raises
        ------
        TwinError
            Every problem of the input at once.
        ConflictError
            The idempotency key was used for another request.
        """
        req = validate_intake(
            phone=phone,
            address=address,
            lon=lon,
            lat=lat,
            people=people,
            vulnerable=vulnerable,
            reported_water_m=reported_water_m,
            notes=notes,
            bounds=self.bounds_lonlat,
        )
        if idempotency_key is not None and not (0 < len(idempotency_key) <= 200):
            raise TwinError("idempotency_key: 1 to 200 characters")
        digest = req.digest()
        # no look-up first: the unique key decides, and a retry is answered after the insert fails
        row = self._new_row(req, digest, idempotency_key, operator)
        try:
            with session_scope(self.engine) as s:
                s.add(row)
                s.flush()
                s.add(
                    CallEventRow(
                        call_id=row.id,
                        at=row.created_at,
                        operator=operator,
                        from_status=None,
                        to_status="new",
                        note=f"intake; location {row.geocode_status}",
                    )
                )
        except IntegrityError:
            # a retry, or another intake with the same key won the race: answer with that call
            if idempotency_key:
                found = self._by_key(idempotency_key, digest)
                if found is not None:
                    return found
            raise
        return Call.from_row(row)

    def _by_key(self, key: str, digest: str) -> Call | None:
        with session_scope(self.engine) as s:
            row = s.scalars(select(CallRow).where(CallRow.idempotency_key == key)).first()
            if row is None:
                return None
            if row.request_hash != digest:
                raise ConflictError(
                    f"idempotency key {key!r} was used for another request (call {row.id}); "
                    "use a new key for a new call"
                )
            return Call.from_row(row)

    def _new_row(self, req: IntakeRequest, digest: str, key: str | None, operator: str) -> CallRow:
        now = self.clock()
        x = y = None
        ward = None
        label = ""
        geo: dict[str, Any] = {}
        if req.lon is not None and req.lat is not None:
            x, y = self._xy(None, None, req.lon, req.lat)
            ward = self.index.ward_at(x, y)
            status = "coordinates"
            label = f"{req.lat:.5f}, {req.lon:.5f}"
            if req.address:
                geo = self.geocode(req.address).to_dict()
        else:
            result = self.geocode(req.address)
            geo = result.to_dict()
            status = result.status
            if result.best is not None:
                x, y, ward, label = (
                    result.best.x,
                    result.best.y,
                    result.best.ward_id,
                    result.best.label,
                )
        lon = lat = None
        if x is not None and y is not None:
            lon, lat = self.to_lonlat(x, y)
        risk, prio = self._score(
            np.array([np.nan if x is None else x]),
            np.array([np.nan if y is None else y]),
            np.array([req.people]),
            np.array([req.vulnerable_count]),
            np.array([np.nan if req.reported_water_m is None else req.reported_water_m]),
            np.array([0.0]),
        )
        return CallRow(
            idempotency_key=key,
            request_hash=digest,
            phone=req.phone,
            address=req.address,
            x=x,
            y=y,
            lon=lon,
            lat=lat,
            ward_id=ward,
            location_label=label,
            geocode_status=status,
            geocode=geo,
            people=req.people,
            vulnerable=req.vulnerable,
            vulnerable_count=req.vulnerable_count,
            reported_water_m=req.reported_water_m,
            notes=req.notes,
            status="new",
            team_id=None,
            route=None,
            priority_score=prio[0]["score"],
            priority=prio[0],
            risk=risk[0],
            created_at=now,
            updated_at=now,
            operator=operator,
        )

    def _score(
        self,
        xs: np.ndarray,
        ys: np.ndarray,
        people: np.ndarray,
        vulnerable: np.ndarray,
        water: np.ndarray,
        waiting_s: np.ndarray,
    ) -> tuple[list[dict[str, Any]], list[dict[str, float]]]:
        a = assess_points(self.flood, xs, ys)
        sc = priority_scores(
            hazard_class_now=a["hazard_class"],
            peak_class=a["peak_class"],
            time_to_danger_s=a["time_to_danger_s"],
            people=people,
            vulnerable=vulnerable,
            reported_water_m=water,
            waiting_s=waiting_s,
        )
        now_s = self.flood.now_s if self.flood is not None else 0.0
        risks = []
        for i in range(xs.size):
            ttd = float(a["time_to_danger_s"][i])
            risks.append(
                {
                    "located": bool(np.isfinite(xs[i])),
                    "depth_m": round(float(a["depth_m"][i]), 3),
                    "speed_ms": round(float(a["speed_ms"][i]), 3),
                    "hazard_class": int(a["hazard_class"][i]),
                    "peak_depth_m": round(float(a["peak_depth_m"][i]), 3),
                    "peak_class": int(a["peak_class"][i]),
                    "peak_in_s": float(a["peak_in_s"][i]),
                    "time_to_danger_s": ttd if np.isfinite(ttd) else None,
                    "trend": str(a["trend"][i]),
                    "flood_now_s": now_s,
                }
            )
        return risks, [factors_of(sc, i) for i in range(xs.size)]

    def locate(
        self,
        call_id: int,
        *,
        candidate: int | None = None,
        x: float | None = None,
        y: float | None = None,
        lon: float | None = None,
        lat: float | None = None,
        operator: str,
    ) -> Call:
        """Give a call its position: one of its geocoding candidates (0 = the first) or a point."""
        call = self.call(call_id)
        if candidate is not None:
            cands = call.geocode.get("candidates", [])
            if not 0 <= candidate < len(cands):
                raise TwinError(
                    f"candidate {candidate}: call {call_id} has {len(cands)} candidates"
                )
            c = cands[candidate]
            x, y, ward, label = c["x"], c["y"], c["ward_id"], c["label"]
        else:
            x, y = self._xy(x, y, lon, lat)
            ward, label = self.index.ward_at(x, y), f"{x:.1f}, {y:.1f} (city CRS)"
        lon_, lat_ = self.to_lonlat(x, y)
        waiting = (self.clock() - call.created_at).total_seconds()
        risk, prio = self._score(
            np.array([x]),
            np.array([y]),
            np.array([call.people]),
            np.array([call.vulnerable_count]),
            np.array([np.nan if call.reported_water_m is None else call.reported_water_m]),
            np.array([waiting]),
        )
        now = self.clock()
        with session_scope(self.engine) as s:
            s.execute(
                update(CallRow)
                .where(CallRow.id == call_id)
                .values(
                    x=x,
                    y=y,
                    lon=lon_,
                    lat=lat_,
                    ward_id=ward,
                    location_label=label,
                    risk=risk[0],
                    priority=prio[0],
                    priority_score=prio[0]["score"],
                    updated_at=now,
                )
            )
            s.add(
                CallEventRow(
                    call_id=call_id,
                    at=now,
                    operator=operator,
                    from_status=call.status,
                    to_status=call.status,
                    note=f"located: {label}",
                )
            )
        return self.call(call_id)

    # ------------------------------------------------------------------ reading calls
    def call(self, call_id: int) -> Call:
        """The call with this id.

        Raises
        ------
        NotFoundError
            No such call.
        """
        if not 0 < int(call_id) < 2**63:  # ids are positive 64-bit keys; SQLite overflows
            raise NotFoundError(f"call {call_id} does not exist (call ids are positive numbers)")
        with session_scope(self.engine) as s:
            row = s.get(CallRow, int(call_id))
            if row is None:
                raise NotFoundError(f"call {call_id} does not exist")
            return Call.from_row(row)

    def history(self, call_id: int) -> list[CallEvent]:
        """The audit log of a call, oldest first."""
        self.call(call_id)
        with session_scope(self.engine) as s:
            rows = s.scalars(
                select(CallEventRow)
                .where(CallEventRow.call_id == call_id)
                .order_by(CallEventRow.id)
            ).all()
            return [CallEvent.from_row(r) for r in rows]

    def calls(self, statuses: Iterable[str] | None = None) -> list[Call]:
        """Calls with these statuses (default: all), newest first."""
        q = select(CallRow).order_by(CallRow.id.desc())
        if statuses is not None:
            q = q.where(CallRow.status.in_(list(statuses)))
        with session_scope(self.engine) as s:
            return [Call.from_row(r) for r in s.scalars(q).all()]

    def queue(
        self,
        statuses: Iterable[str] = OPEN_STATUSES,
        *,
        limit: int | None = None,
        after: tuple[float, int] | None = None,
    ) -> list[Call]:
        """Open calls, highest priority first (ties: the earlier call first).

        ``limit`` and ``after`` (the priority score and id of the last call of the previous
        page) read one page through the (status, priority_score, id) index.
        """
        q = select(CallRow).where(CallRow.status.in_(list(statuses)))
        if after is not None:
            score, call_id = after
            q = q.where(
                or_(
                    CallRow.priority_score < score,
                    and_(CallRow.priority_score == score, CallRow.id > call_id),
                )
            )
        q = q.order_by(CallRow.priority_score.desc(), CallRow.id).limit(limit)
        with session_scope(self.engine) as s:
            return [Call.from_row(r) for r in s.scalars(q).all()]

    def rank(self) -> list[Call]:
        """Re-score every open call with the current flood state and waiting time.

        Returns the queue. Vectorised: 1,000 calls take well under a second.
        """
        now = self.clock()
        with session_scope(self.engine) as s:
            rows = s.execute(
                select(
                    CallRow.id,
                    CallRow.x,
                    CallRow.y,
                    CallRow.people,
                    CallRow.vulnerable_count,
                    CallRow.reported_water_m,
                    CallRow.created_at,
                ).where(CallRow.status.in_(list(OPEN_STATUSES)))
            ).all()
            if rows:
                cols = list(zip(*rows, strict=True))
                waiting = np.array([(now - as_utc(c)).total_seconds() for c in cols[6]])
                xs, ys, people, vulnerable, water = (_floats(c) for c in cols[1:6])
                risks, prios = self._score(xs, ys, people, vulnerable, water, waiting)
                s.execute(
                    update(CallRow),
                    [
                        {"id": rid, "risk": r, "priority": p, "priority_score": p["score"]}
                        for rid, r, p in zip(cols[0], risks, prios, strict=True)
                    ],
                )
        return self.queue()

    # ------------------------------------------------------------------ teams
    def sync_teams(self) -> None:
        """Add the city's stations that the database does not know yet (others are kept)."""
        try:
            self._add_missing_teams()
        except IntegrityError:
            self._add_missing_teams()  # another process added some at the same moment

    def _add_missing_teams(self) -> None:
        st = self.city.stations
        now = self.clock()
        with session_scope(self.engine) as s:
            known = set(s.scalars(select(TeamRow.team_id)).all())
            for r in st.itertuples(index=False):
                tid = str(r.team_id)
                if tid in known:
                    continue
                status = str(getattr(r, "status", "available") or "available")
                status = status if status in TEAM_STATUSES else "available"
                pt = r.geometry
                s.add(
                    TeamRow(
                        team_id=tid,
                        name=str(r.name),
                        vehicle=str(r.vehicle),
                        capacity_persons=int(r.capacity_persons),
                        status=status,
                        x=pt.x,
                        y=pt.y,
                        station_x=pt.x,
                        station_y=pt.y,
                        call_id=None,
                        updated_at=now,
                    )
                )

    def teams(self) -> list[Team]:
        """Every team, by id."""
        with session_scope(self.engine) as s:
            return [Team.from_row(r) for r in s.scalars(select(TeamRow).order_by(TeamRow.team_id))]

    def team(self, team_id: str) -> Team:
        """The team with this id (:class:`twin.NotFoundError` when there is none)."""
        with session_scope(self.engine) as s:
            row = s.get(TeamRow, team_id)
            if row is None:
                raise NotFoundError(f"team {team_id} does not exist")
            return Team.from_row(row)

    def set_team_status(self, team_id: str, status: str, *, operator: str) -> Team:
        """Make a team without a call ``available`` (back at its station), ``returning`` or
        ``off duty``."""
        if status not in ("available", "returning", "off duty"):
            raise TwinError(
                f"status {status!r}: an operator sets available, returning or off duty; the "
                "other team statuses follow the call"
            )
        # One conditional UPDATE, never read-then-write: a team that an assignment took
        # between a read and a write would be freed while its call still holds it.
        values: dict[str, Any] = {"status": status, "call_id": None, "updated_at": self.clock()}
        if status == "available":
            values.update(x=TeamRow.station_x, y=TeamRow.station_y)
        with session_scope(self.engine) as s:
            done: CursorResult[Any] = s.execute(  # type: ignore[assignment]
                update(TeamRow)
                .where(TeamRow.team_id == team_id, *_team_is_free(team_id))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        if done.rowcount != 1:
            team = self.team(team_id)  # NotFoundError when there is no such team
            raise ConflictError(f"team {team_id} is on call {team.call_id}; finish that call first")
        return self.team(team_id)

    def propose(self, call_id: int) -> Proposal:
        """The available teams that can reach a call, fastest first, and who cannot and why."""
        call = self.call(call_id)
        if call.x is None or call.y is None:
            raise TwinError(
                f"call {call_id} has no position yet ({call.geocode_status} address): pick a "
                "candidate with locate()"
            )
        return self.propose_at(call.x, call.y, people=call.people)

    def propose_at(self, x: float, y: float, *, people: int = 1) -> Proposal:
        """:meth:`propose` for a point in the city CRS."""
        teams = self.teams()
        free = [t for t in teams if t.status == "available"]
        starts = [TeamStart(t.team_id, t.vehicle, t.x, t.y) for t in free]
        routes = self.network.routes_to(x, y, starts, flood=self.flood, horizon_s=self.horizon_s)
        options = []
        unreachable: dict[str, str] = {}
        for t in free:
            r = routes.get(t.team_id)
            if isinstance(r, Route):
                note = ""
                if t.capacity_persons < people:
                    trips = -(-people // max(t.capacity_persons, 1))
                    note = f"capacity {t.capacity_persons} < {people} people: {trips} trips"
                options.append(
                    TeamOption(t.team_id, t.name, t.vehicle, t.capacity_persons, r.eta_s, r, note)
                )
            else:
                unreachable[t.team_id] = str(r)
        options.sort(key=lambda o: (o.eta_s, bool(o.note), o.team_id))
        reason = "" if options else explain_no_team(teams, unreachable)
        return Proposal(tuple(options), unreachable, reason)

    # ------------------------------------------------------------------ lifecycle
    def assign(self, call_id: int, team_id: str | None = None, *, operator: str) -> Call:
        """Assign a team (default: the proposed best) to a new call.

        Two dispatchers cannot take one team: the team's row is updated only while it is
        ``available``, in the same transaction as the call; the loser gets a
        :class:`twin.ConflictError`.
        """
        call = self.call(call_id)
        if call.status != "new":
            raise ConflictError(f"call {call_id} is {call.status!r}; only a new call is assigned")
        proposal = self.propose(call_id)
        if team_id is None:
            if proposal.best is None:
                raise ConflictError(proposal.reason)
            option = proposal.best
        else:
            team = self.team(team_id)
            match = [o for o in proposal.options if o.team_id == team_id]
            if team.status != "available":
                raise ConflictError(f"team {team_id} is {team.status!r}, not available")
            if not match:
                raise ConflictError(
                    proposal.unreachable.get(team_id, f"team {team_id} cannot reach")
                )
            option = match[0]
        route = option.to_dict()
        now = self.clock()
        for attempt in range(5):
            try:
                with session_scope(self.engine) as s:
                    won: CursorResult[Any] = s.execute(  # type: ignore[assignment]
                        update(TeamRow)
                        .where(
                            TeamRow.team_id == option.team_id,
                            TeamRow.status == "available",
                            *_team_is_free(option.team_id),
                        )
                        .values(status="assigned", call_id=call_id, updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
                    if won.rowcount != 1:
                        raise ConflictError(
                            f"team {option.team_id} was just assigned by another dispatcher; "
                            "ask for a new proposal"
                        )
                    moved: CursorResult[Any] = s.execute(  # type: ignore[assignment]
                        update(CallRow)
                        .where(CallRow.id == call_id, CallRow.status == "new")
                        .values(
                            status="assigned", team_id=option.team_id, route=route, updated_at=now
                        )
                        .execution_options(synchronize_session=False)
                    )
                    if moved.rowcount != 1:
                        raise ConflictError(
                            f"call {call_id} was just changed by another dispatcher"
                        )
                    s.add(
                        CallEventRow(
                            call_id=call_id,
                            at=now,
                            operator=operator,
                            from_status="new",
                            to_status="assigned",
                            team_id=option.team_id,
                            note=f"ETA {option.eta_s / 60:.1f} min by {option.vehicle}",
                        )
                    )
                break
            except OperationalError:
                if attempt == 4:
                    raise ConflictError("the database is busy; try again") from None
                time.sleep(0.05 * (attempt + 1))
        return self.call(call_id)

    def update(self, call_id: int, status: str, *, operator: str, note: str = "") -> Call:
        """Move a call to ``status`` (only along :data:`twin.dispatch.calls.TRANSITIONS`).

        The team follows: en route, on scene (it is then at the caller), returning when the
        call ends, available when it is released (call back to ``new``).

        Raises
        ------
        TwinError
            The transition is not allowed.
        ConflictError
            Another dispatcher changed the call at the same moment.
        """
        call = self.call(call_id)
        check_transition(call.status, status)
        now = self.clock()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if status == "new":
            values.update(team_id=None, route=None)
        with session_scope(self.engine) as s:
            moved: CursorResult[Any] = s.execute(  # type: ignore[assignment]
                update(CallRow)
                .where(CallRow.id == call_id, CallRow.status == call.status)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:
                raise ConflictError(f"call {call_id} was just changed by another dispatcher")
            if call.team_id is not None:
                team_values: dict[str, Any] = {
                    "status": TEAM_STATUS_FOR_CALL[status],
                    "updated_at": now,
                }
                if status == "on scene":
                    team_values.update(x=call.x, y=call.y)
                if status == "new":
                    team_values["call_id"] = None
                # only while the team still serves this call: a later call may hold it now
                s.execute(
                    update(TeamRow)
                    .where(TeamRow.team_id == call.team_id, TeamRow.call_id == call_id)
                    .values(**team_values)
                    .execution_options(synchronize_session=False)
                )
            s.add(
                CallEventRow(
                    call_id=call_id,
                    at=now,
                    operator=operator,
                    from_status=call.status,
                    to_status=status,
                    team_id=call.team_id,
                    note=note,
                )
            )
        return self.call(call_id)

    # ------------------------------------------------------------------ outbound
    def outbound(self, hours: float, *, danger_class: int = 2) -> list[OutboundEntry]:
        """Registered vulnerable households and earlier callers (not rescued) at places that
        reach ``danger_class`` within ``hours``, soonest first."""
        if not (isinstance(hours, int | float) and 0 < hours <= 240):
            raise TwinError(f"hours {hours!r}: give a number of hours in (0, 240]")
        if danger_class not in (1, 2, 3):
            raise TwinError(f"danger_class {danger_class!r}: use 1, 2 or 3")
        people: list[dict[str, Any]] = []
        hh = getattr(self.city, "households", None)
        if hh is not None and len(hh):
            for r in hh.itertuples(index=False):
                people.append(
                    {
                        "kind": "household",
                        "ref": r.household_id,
                        "phone": r.phone,
                        "persons": r.persons,
                        "vulnerable": r.vulnerable,
                        "ward_id": r.ward_id,
                        "x": r.geometry.x,
                        "y": r.geometry.y,
                    }
                )
        seen: set[str] = set()
        for c in self.calls():
            if c.phone in seen or c.x is None or c.y is None:
                continue
            seen.add(c.phone)
            if c.status == "rescued":
                continue
            people.append(
                {
                    "kind": "caller",
                    "ref": c.call_id,
                    "phone": c.phone,
                    "persons": c.people,
                    "vulnerable": ",".join(k for k, n in c.vulnerable.items() for _ in range(n)),
                    "ward_id": c.ward_id,
                    "x": c.x,
                    "y": c.y,
                }
            )
        return outbound_list(self.flood, people, hours=float(hours), danger_class=danger_class)


def _team_is_free(team_id: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """WHERE terms of a team that no open call holds: its own row does not follow a call
    (PostgreSQL re-checks this on the row a concurrent transaction just committed) and no open
    call names it."""
    return (
        TeamRow.status.not_in(_ON_CALL),
        ~exists().where(CallRow.team_id == team_id, CallRow.status.in_(OPEN_STATUSES)),
    )


def _floats(values: Sequence[Any]) -> np.ndarray:
    """A float array with NaN for None."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)
