"""``twin dispatch``: take hotline calls, see the queue, assign teams, follow calls, call out.

Every command reads the city (``--city``, default the demo city), the latest flood result
(``--flood``, default the newest finished run's ``flood.nc``/``flood.zarr`` in the database,
else none: dry) and the database (``--db``). ``--json`` prints JSON instead of tables. Bad
input prints the problem and exits with status 2.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.cli import _common

if TYPE_CHECKING:
    import layers
    from twin.dispatch import Call, Dispatcher, Proposal

__all__ = ["app"]

app = typer.Typer(
    help="Rescue dispatch: intake, queue, assign, update, outbound list.",
    no_args_is_help=True,
)


CityOpt = Annotated[
    Path | None, typer.Option("--city", help="City package folder (default: the demo city).")
]
FloodOpt = Annotated[
    Path | None,
    typer.Option(
        "--flood",
        help="Flood result (NetCDF or Zarr). Default: the newest finished run's result, else dry.",
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="SQLAlchemy URL (default: TWIN_DATABASE_URL, else TWIN_DATA_DIR's)."),
]
NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="Now within the flood result: ISO 8601 time or seconds."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
OperatorOpt = Annotated[str, typer.Option("--operator", help="Who does it (audit log).")]
CallIdArg = Annotated[int, typer.Argument(help="The call.")]


def _load_city(city: Path | None) -> layers.City:
    import layers

    return layers.load_city(city if city is not None else layers.ensure_demo_city())


def _now(now: str | None) -> datetime | float | None:
    if now is None:
        return None
    try:
        return float(now)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(now)
    except ValueError:
        raise _common.fail(f"--now {now!r}: give an ISO 8601 time or seconds") from None
    from twin._time import as_utc

    return as_utc(dt, naive=UTC)


def _dispatcher(
    city: Path | None, flood: Path | None, db: str | None, now: str | None
) -> Dispatcher:
    from twin.dispatch import Dispatcher
    from twin.runs import latest_result

    with _common.guard():
        city_obj = _load_city(city)
        engine = _common.engine(db)
        flood_path = flood if flood is not None else latest_result(engine)
        return Dispatcher(city_obj, engine=engine, flood=flood_path, now=_now(now))


def _emit(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _local(dt: datetime | str | None) -> str:
    if dt is None:
        return ""
    from twin._time import LOCAL_TZ

    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    return dt.astimezone(LOCAL_TZ).strftime("%d/%m %H:%M")


def _minutes(s: float | None) -> str:
    if s is None or s != s or s == float("inf"):
        return "-"
    return f"{s / 60:.0f} min"


def _parse_vulnerable(text: str | None) -> dict[str, int] | list[str] | None:
    if not text:
        return None
    out: dict[str, int] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        kind, _, n = part.partition("=")
        try:
            out[kind.strip()] = out.get(kind.strip(), 0) + (int(n) if n else 1)
        except ValueError:
            raise _common.fail(f"--vulnerable {part!r}: write kind=count, e.g. elderly=2") from None
    return out


def _table(title: str, columns: tuple[str, ...]) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    return table


def _call_table(calls: list[Call], title: str) -> Table:
    table = _table(
        title,
        (
            "id",
            "score",
            "status",
            "place",
            "ward",
            "people",
            "vuln.",
            "hazard",
            "danger in",
            "waiting since",
            "team",
        ),
    )
    for c in calls:
        table.add_row(
            str(c.call_id),
            f"{c.priority_score:.1f}",
            c.status,
            c.location_label or f"? {c.address} ({c.geocode_status})",
            c.ward_id or "",
            str(c.people),
            str(c.vulnerable_count),
            str(c.risk.get("hazard_class", "")),
            _minutes(c.risk.get("time_to_danger_s")),
            _local(c.created_at),
            c.team_id or "",
        )
    return table


def _print_call(call: Call) -> None:
    _common.out().print(_call_table([call], f"call {call.call_id}"))


def _print_proposal(p: Proposal) -> None:
    if p.best is None:
        _common.out().print(f"[bold red]{p.reason}[/bold red]", highlight=False)
        return
    table = _table(
        "teams that can reach the caller", ("team", "vehicle", "capacity", "ETA", "legs", "note")
    )
    for o in p.options:
        legs = ", ".join(f"{g.mode} {g.length_m:.0f} m" for g in o.route.legs)
        table.add_row(
            o.team_id, o.vehicle, str(o.capacity_persons), _minutes(o.eta_s), legs, o.note
        )
    _common.out().print(table)
    for tid, why in p.unreachable.items():
        _common.out().print(f"  {tid}: {why}", highlight=False)


@app.command("intake")
def intake(
    phone: Annotated[str, typer.Option("--phone", help="Caller's phone number.")],
    address: Annotated[str | None, typer.Option("--address", help="Address as said.")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Longitude (WGS 84).")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="Latitude (WGS 84).")] = None,
    people: Annotated[int, typer.Option("--people", help="People at the place.")] = 1,
    vulnerable: Annotated[
        str | None,
        typer.Option(
            "--vulnerable",
            help="e.g. elderly=2,children=1 (elderly, children, disabled, pregnant, ill).",
        ),
    ] = None,
    water: Annotated[
        float | None, typer.Option("--water", help="Water level the caller reports (m).")
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Free text.")] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="Idempotency key: a retry never makes a 2nd call.")
    ] = None,
    operator: OperatorOpt = "hotline",
    propose: Annotated[bool, typer.Option("--propose", help="Also propose a team.")] = False,
    city: CityOpt = None,
    flood: FloodOpt = None,
    db: DbOpt = None,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Take a call: locate it, judge the risk, score it, store it."""
    d = _dispatcher(city, flood, db, now)
    with _common.guard():
        call = d.intake(
            phone=phone,
            address=address,
            lon=lon,
            lat=lat,
            people=people,
            vulnerable=_parse_vulnerable(vulnerable),
            reported_water_m=water,
            notes=notes,
            idempotency_key=key,
            operator=operator,
        )
        proposal = d.propose(call.call_id) if propose and call.located else None
    if as_json:
        _emit({"call": call.to_dict(), "proposal": proposal.to_dict() if proposal else None})
        return
    _print_call(call)
    if not call.located:
        _common.out().print(
            f"address {call.geocode_status}: pick a place with `twin dispatch locate`"
        )
        for i, c in enumerate(call.geocode.get("candidates", [])):
            _common.out().print(
                f"  [{i}] {c['label']} (confidence {c['confidence']:.2f})", highlight=False
            )
    _common.out().print("priority: " + ", ".join(f"{k} {v}" for k, v in call.priority.items()))
    if proposal is not None:
        _print_proposal(proposal)


@app.command("queue")
def queue(
    rerank: Annotated[
        bool, typer.Option("--rerank", help="Re-score with the flood first.")
    ] = False,
    city: CityOpt = None,
    flood: FloodOpt = None,
    db: DbOpt = None,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open calls, highest priority first."""
    d = _dispatcher(city, flood, db, now)
    calls = d.rank() if rerank else d.queue()
    if as_json:
        _emit([c.to_dict() for c in calls])
        return
    _common.out().print(_call_table(calls, f"{len(calls)} open calls"))


@app.command("propose")
def propose_cmd(
    call_id: CallIdArg,
    city: CityOpt = None,
    flood: FloodOpt = None,
    db: DbOpt = None,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The teams that can reach a call, fastest first, and why the others cannot."""
    d = _dispatcher(city, flood, db, now)
    with _common.guard():
        p = d.propose(call_id)
    if as_json:
        _emit(p.to_dict())
        return
    _print_proposal(p)


@app.command("assign")
def assign(
    call_id: CallIdArg,
    team: Annotated[str | None, typer.Option("--team", help="Team id (default: best).")] = None,
    operator: OperatorOpt = "dispatcher",
    city: CityOpt = None,
    flood: FloodOpt = None,
    db: DbOpt = None,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Assign a team to a new call (default: the one that gets there first)."""
    d = _dispatcher(city, flood, db, now)
    with _common.guard():
        call = d.assign(call_id, team, operator=operator)
    if as_json:
        _emit(call.to_dict())
        return
    eta = (call.route or {}).get("eta_s")
    _common.out().print(f"call {call.call_id}: team {call.team_id} assigned, ETA {_minutes(eta)}")


@app.command("update")
def update(
    call_id: CallIdArg,
    status: Annotated[str, typer.Argument(help="en route, on scene, rescued, closed, ...")],
    note: Annotated[str, typer.Option("--note", help="Why (audit log).")] = "",
    operator: OperatorOpt = "dispatcher",
    city: CityOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a call along its lifecycle."""
    d = _dispatcher(city, None, db, None)
    with _common.guard():
        call = d.update(call_id, status, operator=operator, note=note)
    if as_json:
        _emit(call.to_dict())
        return
    _common.out().print(f"call {call.call_id}: {call.status}")


@app.command("locate")
def locate(
    call_id: CallIdArg,
    candidate: Annotated[
        int | None, typer.Option("--candidate", help="Index of a geocoding candidate.")
    ] = None,
    lon: Annotated[float | None, typer.Option("--lon")] = None,
    lat: Annotated[float | None, typer.Option("--lat")] = None,
    operator: OperatorOpt = "dispatcher",
    city: CityOpt = None,
    flood: FloodOpt = None,
    db: DbOpt = None,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give a call with an ambiguous address its place."""
    d = _dispatcher(city, flood, db, now)
    with _common.guard():
        call = d.locate(call_id, candidate=candidate, lon=lon, lat=lat, operator=operator)
    if as_json:
        _emit(call.to_dict())
        return
    _print_call(call)


@app.command("show")
def show(
    call_id: CallIdArg,
    city: CityOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A call and its audit log."""
    d = _dispatcher(city, None, db, None)
    with _common.guard():
        call, log = d.call(call_id), d.history(call_id)
    if as_json:
        _emit({"call": call.to_dict(), "history": [e.to_dict() for e in log]})
        return
    _print_call(call)
    table = _table("audit log", ("time", "operator", "from", "to", "team", "note"))
    for e in log:
        table.add_row(
            _local(e.at), e.operator, e.from_status or "", e.to_status, e.team_id or "", e.note
        )
    _common.out().print(table)


@app.command("teams")
def teams(
    city: CityOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rescue teams, their status and call."""
    d = _dispatcher(city, None, db, None)
    ts = d.teams()
    if as_json:
        _emit([t.to_dict() for t in ts])
        return
    table = _table("teams", ("team", "name", "vehicle", "capacity", "status", "call"))
    for t in ts:
        table.add_row(
            t.team_id, t.name, t.vehicle, str(t.capacity_persons), t.status, str(t.call_id or "")
        )
    _common.out().print(table)


@app.command("outbound")
def outbound(
    hours: Annotated[float, typer.Option("--hours", help="Danger within this many hours.")] = 6.0,
    danger_class: Annotated[
        int, typer.Option("--class", help="Hazard class: 1 some, 2 most, 3 all.")
    ] = 2,
    city: CityOpt = None,
    flood: FloodOpt = None,
    db: DbOpt = None,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Vulnerable households and earlier callers to call before the water gets to them."""
    d = _dispatcher(city, flood, db, now)
    with _common.guard():
        entries = d.outbound(hours, danger_class=danger_class)
    if as_json:
        _emit([e.to_dict() for e in entries])
        return
    if d.flood is None:
        _common.out().print("no flood result (dry): nobody to call; give --flood")
    table = _table(
        f"{len(entries)} to call (hazard class >= {danger_class} within {hours} h)",
        ("danger in", "at", "who", "phone", "persons", "vulnerable", "ward", "peak m"),
    )
    for e in entries:
        table.add_row(
            _minutes(e.time_to_danger_s),
            _local(e.danger_at),
            f"{e.kind} {e.ref}",
            e.phone,
            str(e.persons),
            e.vulnerable,
            e.ward_id or "",
            f"{e.peak_depth_m:.2f}",
        )
    _common.out().print(table)


@app.command("geocode")
def geocode_cmd(
    text: Annotated[str, typer.Argument(help="An address as a caller says it.")],
    city: CityOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ranked places for an address (nothing is stored)."""
    from twin.dispatch import GeocodeIndex, geocode

    with _common.guard():
        c = _load_city(city)
    result = geocode(text, GeocodeIndex(c.roads, c.wards))
    if as_json:
        _emit(result.to_dict())
        return
    table = _table(f"{text!r}: {result.status}", ("#", "place", "ward", "confidence"))
    for i, cand in enumerate(result.candidates):
        table.add_row(str(i), cand.label, cand.ward_id or "", f"{cand.confidence:.2f}")
    _common.out().print(table)
