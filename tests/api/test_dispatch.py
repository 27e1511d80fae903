"""Dispatch over HTTP: intake with Idempotency-Key, queue, assign, route, teams, outbound."""

from __future__ import annotations

from fastapi.testclient import TestClient

CALL = {
    "phone": "0905123456",
    "address": "kiệt 32 Lê Văn Hưu",
    "people": 3,
    "vulnerable": {"elderly": 1},
    "reported_water_m": 1.2,
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_dispatch_needs_the_dispatcher_role(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/dispatch/calls").status_code == 401
    assert client.get("/dispatch/teams", headers=bearer(tokens["operator"])).status_code == 403
    assert client.get("/dispatch/teams", headers=bearer(tokens["admin"])).status_code == 200


def test_intake_is_idempotent(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {**bearer(tokens["dispatcher"]), "Idempotency-Key": "call-abc"}
    first = client.post("/dispatch/calls", json=CALL, headers=headers)
    assert first.status_code == 201
    call = first.json()
    assert first.headers["location"] == f"/dispatch/calls/{call['call_id']}"
    assert call["status"] == "new" and call["geocode_status"] == "matched"
    assert call["ward_id"] == "W04"  # the alley lies in the south-east ward
    again = client.post("/dispatch/calls", json=CALL, headers=headers)
    assert again.json()["call_id"] == call["call_id"]
    other = client.post("/dispatch/calls", json={**CALL, "people": 5}, headers=headers)
    assert other.status_code == 409
    assert "idempotency key" in other.json()["detail"]


def test_bad_intake_is_422_with_every_problem(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        "/dispatch/calls", json={"phone": "", "people": 0}, headers=bearer(tokens["dispatcher"])
    )
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {"body.phone", "body.people"} <= pointers
    far = client.post(
        "/dispatch/calls",
        json={"phone": "0905", "lon": 105.8, "lat": 21.0},
        headers=bearer(tokens["dispatcher"]),
    )
    assert far.status_code == 422


def test_intake_limits_are_the_dispatchers(client: TestClient, tokens: dict[str, str]) -> None:
    """The OpenAPI document promises what the domain accepts: no more people than the
    dispatcher takes, no longer notes or address."""
    from twin.dispatch.calls import MAX_ADDRESS, MAX_NOTES, MAX_PEOPLE

    schema = client.get("/openapi.json").json()["components"]["schemas"]["CallCreate"]
    props = schema["properties"]
    assert props["people"]["maximum"] == MAX_PEOPLE
    assert props["notes"]["anyOf"][0]["maxLength"] == MAX_NOTES
    assert props["address"]["anyOf"][0]["maxLength"] == MAX_ADDRESS
    too_many = client.post(
        "/dispatch/calls",
        json={**CALL, "people": MAX_PEOPLE + 1},
        headers=bearer(tokens["dispatcher"]),
    )
    assert too_many.status_code == 422
    assert "body.people" in {e["pointer"] for e in too_many.json()["errors"]}


def test_assign_route_and_follow_a_call(client: TestClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["dispatcher"])
    call = client.post(
        "/dispatch/calls", json={**CALL, "phone": "0905000111"}, headers=headers
    ).json()
    call_id = call["call_id"]
    queue = client.get("/dispatch/calls", headers=headers).json()
    assert call_id in [c["call_id"] for c in queue]
    scores = [c["priority_score"] for c in queue]
    assert scores == sorted(scores, reverse=True)

    proposed = client.get(f"/dispatch/calls/{call_id}/route", headers=headers)
    assert proposed.headers["content-type"] == "application/geo+json"
    assert proposed.json()["assigned"] is False
    assert proposed.json()["features"], proposed.json()["reason"]
    assigned = client.post(f"/dispatch/calls/{call_id}/assign", headers=headers)
    assert assigned.status_code == 200
    team_id = assigned.json()["team_id"]
    assert assigned.json()["status"] == "assigned"
    route = client.get(f"/dispatch/calls/{call_id}/route", headers=headers).json()
    assert route["assigned"] is True
    lon, lat = route["features"][0]["geometry"]["coordinates"][0]
    assert 107.5 < lon < 107.7 and 16.4 < lat < 16.5
    assert client.post(f"/dispatch/calls/{call_id}/assign", headers=headers).status_code == 409

    moved = client.patch(
        f"/dispatch/calls/{call_id}",
        json={"status": "en route", "note": "xuồng đã đi"},
        headers=headers,
    )
    assert moved.json()["status"] == "en route"
    bad = client.patch(f"/dispatch/calls/{call_id}", json={"status": "rescued"}, headers=headers)
    assert bad.status_code == 422
    assert "cannot become" in bad.json()["detail"]
    detail = client.get(f"/dispatch/calls/{call_id}", headers=headers).json()
    assert [e["to_status"] for e in detail["history"]][:3] == ["new", "assigned", "en route"]
    teams = {t["team_id"]: t for t in client.get("/dispatch/teams", headers=headers).json()}
    assert teams[team_id]["call_id"] == call_id
    busy = client.patch(f"/dispatch/teams/{team_id}", json={"status": "off duty"}, headers=headers)
    assert busy.status_code == 409
    for status in ("on scene", "rescued"):
        client.patch(f"/dispatch/calls/{call_id}", json={"status": status}, headers=headers)
    freed = client.patch(
        f"/dispatch/teams/{team_id}", json={"status": "available"}, headers=headers
    )
    assert freed.status_code == 200 and freed.json()["status"] == "available"


def test_unknown_things_are_404(client: TestClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["dispatcher"])
    assert client.get("/dispatch/calls/99999", headers=headers).status_code == 404
    assert (
        client.patch(
            "/dispatch/teams/T9", json={"status": "available"}, headers=headers
        ).status_code
        == 404
    )
    assert client.get("/dispatch/calls/abc", headers=headers).status_code == 422
    # ids beyond the database's 64-bit keys, or not positive: a 422 that says so, not a 500
    for bad in ("9223372036854775808", "0", "-1"):
        response = client.get(f"/dispatch/calls/{bad}", headers=headers)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["pointer"] == "path.call_id"
    assert client.get("/dispatch/calls?status=lost", headers=headers).status_code == 422


def test_outbound_without_flood_is_empty(client: TestClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["dispatcher"])
    assert client.get("/dispatch/outbound", params={"hours": 6}, headers=headers).json() == []
    assert client.get("/dispatch/outbound", params={"hours": 0}, headers=headers).status_code == 422


def test_the_queue_comes_in_keyset_pages(client: TestClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["dispatcher"])
    for i in range(7):
        body = {**CALL, "phone": f"09051000{i:02d}", "people": 1 + i % 4}
        assert client.post("/dispatch/calls", json=body, headers=headers).status_code == 201
    whole = [c["call_id"] for c in client.get("/dispatch/calls", headers=headers).json()]
    assert len(whole) >= 7
    seen: list[int] = []
    url: str | None = "/dispatch/calls?limit=3"
    while url is not None:
        response = client.get(url, headers=headers)
        assert response.status_code == 200 and len(response.json()) <= 3
        seen += [c["call_id"] for c in response.json()]
        link = response.headers.get("link")
        url = link.split(">")[0].lstrip("<") if link else None
    assert seen == whole  # the same ranking, each call once
    bad = client.get("/dispatch/calls", params={"after": "eyJ4IjogMX0"}, headers=headers)
    assert bad.status_code == 422
