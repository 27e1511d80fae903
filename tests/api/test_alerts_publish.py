"""Operators publish and cancel warnings: ``POST /runs/{id}/alerts`` re-issues a finished
run's warnings as real (``Actual``) CAP messages; ``POST /alerts/{id}/cancel`` sends a CAP
``Cancel`` that references the warning's whole chain (schema-valid, in the Atom feed)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from twin import NotFoundError, TwinError
from twin.alerts import AlertRules, CapMessage, WardImpact, issue_alerts, validate_cap_xml

RING = [(107.581, 16.458), (107.587, 16.458), (107.587, 16.463), (107.581, 16.463)]
ATOM = {"a": "http://www.w3.org/2005/Atom"}
CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
START = pd.Timestamp("2025-10-27T07:00:00+07:00")
"""Start of the test run: the synthetic flood reaches W01 and W03 at 00:10 UTC."""
EXERCISE = AlertRules(status="Exercise")
"""The cancel tests' own lifecycle: publishing the run (Actual) never touches it."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _record(state: object, folder: Path, status: str) -> None:
    """The run's record: its id is its folder's name (one id for a run everywhere)."""
    from twin.db import session_scope
    from twin.runs import RunRecord

    with session_scope(state.engine) as session:  # type: ignore[attr-defined]
        session.add(
            RunRecord(
                id=folder.name,
                scenario="published",
                kind="scenario",
                status=status,
                started=datetime.now(UTC),
                finished=datetime.now(UTC) if status == "finished" else None,
                out_dir=str(folder),
                summary_json="{}",
            )
        )


@pytest.fixture(scope="module")
def made_run(client: TestClient, run_id: str) -> tuple[str, str]:
    """A finished run with every file a run writes, and its twin run id: the impact of the
    synthetic flood of ``run_id``, written by :func:`twin.runs.write_outputs` (no solver)."""
    from twin.impact import assess_impact
    from twin.runs import write_outputs, write_summary

    state = client.app.state.twin  # type: ignore[attr-defined]
    city = state.city()
    result = state.run_result(run_id).load()
    impact = assess_impact(city, result, start=START)
    twin_id = uuid.uuid4().hex
    folder: Path = state.runs_dir / twin_id
    folder.mkdir(parents=True)
    write_outputs(
        folder,
        result=result,
        impact=impact,
        city=city,
        start=START,
        output_format="netcdf",
        alerts=[],
        alert_writer=None,
        title="published",
    )
    write_summary(folder, {"run_id": twin_id, "scenario": "published", "start": START.isoformat()})
    _record(state, folder, "finished")
    return folder.name, twin_id


@pytest.fixture(scope="module")
def running_run(client: TestClient) -> str:
    state = client.app.state.twin  # type: ignore[attr-defined]
    folder: Path = state.runs_dir / uuid.uuid4().hex
    _record(state, folder, "running")
    return folder.name


def _ward(ward_id: str, people_most: int) -> WardImpact:
    return WardImpact(
        ward_id,
        f"Phường {ward_id}",
        RING,
        people_by_hazard_class=(5000, 1000, people_most, 0),
        max_hazard_class=2,
        arrival=datetime.now(UTC) + timedelta(hours=3),
        shelter="Trường Quốc Học",
    )


def _xml(client: TestClient, url: str) -> bytes:
    response = client.get(url.replace(str(client.base_url), ""))
    assert response.status_code == 200, response.text
    validate_cap_xml(response.content)
    return response.content


# -- publish a run ---------------------------------------------------------------------------


def test_publish_a_finished_run_as_actual(
    client: TestClient, tokens: dict[str, str], made_run: tuple[str, str]
) -> None:
    run_id, twin_id = made_run
    response = client.post(f"/runs/{run_id}/alerts", headers=bearer(tokens["operator"]))
    assert response.status_code == 200, response.text
    published = response.json()
    # W01 and W03 are in danger for all; the gauge passed alarm levels 1 and 2
    assert len(published) >= 1
    assert {p["status"] for p in published} == {"Actual"}
    assert {p["msg_type"] for p in published} == {"Alert"}
    wards: set[str] = set()
    for item in published:
        assert item["cap_url"].endswith(f"/alerts/{item['identifier']}.xml")
        message = CapMessage.from_xml(_xml(client, item["cap_url"]))
        assert message.status == "Actual" and message.identifier == item["identifier"]
        wards |= {v for i in message.infos for a in i.areas for _n, v in a.geocodes}
    assert {"W01", "W03"} <= wards and not {"W02", "W04"} & wards
    listed = {a["identifier"]: a for a in client.get("/alerts").json()}
    for item in published:
        assert listed[item["identifier"]]["state"] == "active"
        assert listed[item["identifier"]]["run_id"] == twin_id
    # the same warnings are in effect already: nothing is sent again
    again = client.post(f"/runs/{run_id}/alerts", headers=bearer(tokens["admin"]))
    assert again.status_code == 200 and again.json() == []


def test_publish_needs_an_operator_and_a_finished_run(
    client: TestClient, tokens: dict[str, str], made_run: tuple[str, str], running_run: str
) -> None:
    run_id, _ = made_run
    assert client.post(f"/runs/{run_id}/alerts").status_code == 401
    assert (
        client.post(f"/runs/{run_id}/alerts", headers=bearer("twin_not-a-key")).status_code == 401
    )
    forbidden = client.post(f"/runs/{run_id}/alerts", headers=bearer(tokens["dispatcher"]))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    operator = bearer(tokens["operator"])
    missing = client.post("/runs/no-such-run/alerts", headers=operator)
    assert missing.status_code == 404 and "no run" in missing.json()["detail"]
    busy = client.post(f"/runs/{running_run}/alerts", headers=operator)
    assert busy.status_code == 409 and "running" in busy.json()["detail"]


def test_publish_run_alerts_refuses_a_folder_without_run_files(
    client: TestClient, tmp_path: Path
) -> None:
    from twin import publish_run_alerts

    state = client.app.state.twin  # type: ignore[attr-defined]
    with pytest.raises(TwinError, match=r"lacks summary\.json, impact_wards\.geojson"):
        publish_run_alerts(tmp_path, state.city(), engine=state.engine, now=datetime.now(UTC))
    (tmp_path / "summary.json").write_text(json.dumps({"run_id": "x"}), encoding="utf-8")
    (tmp_path / "impact_wards.geojson").write_text("{}", encoding="utf-8")
    with pytest.raises(TwinError, match="no start time"):
        publish_run_alerts(tmp_path, state.city(), engine=state.engine, now=datetime.now(UTC))


# -- cancel a warning ------------------------------------------------------------------------


def test_cancel_references_the_chain_and_leaves_the_feed_a_cancel(
    client: TestClient, tokens: dict[str, str]
) -> None:
    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    now = datetime.now(UTC) - timedelta(minutes=10)
    (alert,) = issue_alerts(engine, [_ward("W02", 300)], now=now, rules=EXERCISE)
    (update,) = issue_alerts(
        engine, [_ward("W02", 800)], now=now + timedelta(minutes=5), rules=EXERCISE
    )
    assert update.msg_type == "Update"

    response = client.post(
        f"/alerts/{update.identifier}/cancel",
        headers=bearer(tokens["operator"]),
        json={"note": "Nước đã rút."},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["msg_type"] == "Cancel" and body["status"] == "Exercise"
    assert body["references"] == [alert.reference, update.reference]
    assert response.headers["location"] == f"/alerts/{body['identifier']}.xml"

    cancel = CapMessage.from_xml(_xml(client, body["cap_url"]))  # XSD-valid
    assert cancel.references == (alert.reference, update.reference)
    assert cancel.note == "Nước đã rút."
    assert cancel.sender == update.sender and cancel.sent >= update.sent
    assert {i.urgency for i in cancel.infos} == {"Past"}
    assert {i.response_types for i in cancel.infos} == {("AllClear",)}
    root = etree.fromstring(_xml(client, body["cap_url"]))
    assert root.findtext("cap:msgType", namespaces=CAP) == "Cancel"

    states = {a["identifier"]: a["state"] for a in client.get("/alerts").json()}
    assert states[update.identifier] == "cancelled"
    assert states[alert.identifier] == "superseded"
    assert states[body["identifier"]] == "closed"
    active = client.get("/alerts/active.geojson").json()["features"]
    assert update.identifier not in {f["properties"]["identifier"] for f in active}
    atom = etree.fromstring(client.get("/alerts/feed.atom").content)
    links = [e.find("a:link", ATOM).get("href") for e in atom.findall("a:entry", ATOM)]
    assert any(link.endswith(f"/{body['identifier']}.xml") for link in links)

    # not in effect any more: every second try is a conflict that says why
    operator = bearer(tokens["operator"])
    twice = client.post(f"/alerts/{update.identifier}/cancel", headers=operator)
    assert twice.status_code == 409 and "already been cancelled" in twice.json()["detail"]
    superseded = client.post(f"/alerts/{alert.identifier}/cancel", headers=operator)
    assert superseded.status_code == 409 and "superseded" in superseded.json()["detail"]
    of_cancel = client.post(f"/alerts/{body['identifier']}/cancel", headers=operator)
    assert of_cancel.status_code == 409 and "itself a Cancel" in of_cancel.json()["detail"]


def test_superseded_alert_names_the_message_in_effect(
    client: TestClient, tokens: dict[str, str]
) -> None:
    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    now = datetime.now(UTC) - timedelta(minutes=10)
    rules = AlertRules(status="Test")
    (alert,) = issue_alerts(engine, [_ward("W04", 300)], now=now, rules=rules)
    (update,) = issue_alerts(engine, [_ward("W04", 900)], now=now, rules=rules)
    response = client.post(f"/alerts/{alert.identifier}/cancel", headers=bearer(tokens["admin"]))
    assert response.status_code == 409
    assert f"cancel {update.identifier!r}" in response.json()["detail"]
    # without a body the Cancel has no note
    done = client.post(f"/alerts/{update.identifier}/cancel", headers=bearer(tokens["admin"]))
    assert done.status_code == 201
    assert CapMessage.from_xml(_xml(client, done.json()["cap_url"])).note is None


def test_an_expired_alert_cannot_be_cancelled(client: TestClient, tokens: dict[str, str]) -> None:
    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    then = datetime.now(UTC) - timedelta(days=3)
    rules = AlertRules(status="System")
    ward = WardImpact(
        "W03",
        "Phước Vĩnh",
        RING,
        people_by_hazard_class=(5000, 1000, 300, 0),
        max_hazard_class=2,
        arrival=then + timedelta(hours=1),
    )
    (old,) = issue_alerts(engine, [ward], now=then, rules=rules)
    response = client.post(f"/alerts/{old.identifier}/cancel", headers=bearer(tokens["operator"]))
    assert response.status_code == 409 and "expired" in response.json()["detail"]


def test_cancel_needs_an_operator_a_known_alert_and_a_good_note(
    client: TestClient, tokens: dict[str, str]
) -> None:
    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    now = datetime.now(UTC) - timedelta(minutes=10)
    (alert,) = issue_alerts(engine, [_ward("W01", 300)], now=now, rules=AlertRules(status="Draft"))
    path = f"/alerts/{alert.identifier}/cancel"
    assert client.post(path).status_code == 401
    assert client.post(path, headers=bearer(tokens["dispatcher"])).status_code == 403
    operator = bearer(tokens["operator"])
    unknown = client.post("/alerts/hue-twin.nothing/cancel", headers=operator)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    for note in ("", "x" * 1001):
        assert client.post(path, headers=operator, json={"note": note}).status_code == 422
    control = client.post(path, headers=operator, json={"note": "bad\x01note"})
    assert control.status_code == 422 and "control characters" in control.json()["detail"]
    # none of the refused requests cancelled it
    states = {a["identifier"]: a["state"] for a in client.get("/alerts").json()}
    assert states[alert.identifier] == "active"


def test_cancel_alert_refuses_a_time_before_the_alert() -> None:
    from twin.alerts import cancel_alert
    from twin.db import make_engine

    engine = make_engine("sqlite://")
    now = datetime.now(UTC) - timedelta(minutes=10)
    (alert,) = issue_alerts(engine, [_ward("W02", 300)], now=now)
    with pytest.raises(TwinError, match="cannot precede"):
        cancel_alert(engine, alert.identifier, now=now - timedelta(hours=1))
    with pytest.raises(NotFoundError, match="no alert"):
        cancel_alert(engine, "nope", now=now)
    with pytest.raises(TwinError, match="note must be"):
        cancel_alert(engine, alert.identifier, now=now, note="  ")
    cancel = cancel_alert(engine, alert.identifier, now=now)
    assert cancel.references == (alert.reference,) and cancel.sent == alert.sent


def test_openapi_documents_both_routes(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    cancel = doc["paths"]["/alerts/{identifier}/cancel"]["post"]
    publish = doc["paths"]["/runs/{run_id}/alerts"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(cancel["responses"])
    assert {"200", "401", "403", "404", "409"} <= set(publish["responses"])
    for op in (cancel, publish):
        assert op["security"] == [{"ApiKey": []}]
        content = op["responses"]["409"]["content"]
        assert content == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
