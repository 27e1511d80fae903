"""Sensor batches over HTTP (CSV and JSON) and a station's readings with QC flags."""

from __future__ import annotations

from fastapi.testclient import TestClient

CSV = (
    "station_id,time,quantity,value,unit\n"
    "kim_long,2025-10-27T06:00:00+07:00,water_level,3.50,m\n"
    "kim_long,2025-10-27T07:00:00+07:00,water_level,358,cm\n"
    "kim_long,2025-10-27T08:00:00+07:00,water_level,9.9,m\n"
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_csv_batch_is_checked_and_stored_once(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {**bearer(tokens["operator"]), "Content-Type": "text/csv"}
    response = client.post("/sensors/readings", content=CSV, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rows"] == 3 and body["added"] == 3
    assert body["counts"]["good"] == 2
    again = client.post("/sensors/readings", content=CSV, headers=headers)
    assert again.status_code == 200 and again.json()["already_ingested"] is True
    readings = client.get("/sensors/kim_long/readings").json()
    assert [r["value"] for r in readings][:2] == [3.5, 3.58]
    assert readings[2]["good"] is False and readings[2]["flags"]
    good = client.get("/sensors/kim_long/readings", params={"good_only": True}).json()
    assert len(good) == 2


def test_json_batch(client: TestClient, tokens: dict[str, str]) -> None:
    rows = [
        {
            "station_id": "binh_dien",
            "time": "2025-10-27T06:00:00+07:00",
            "quantity": "outflow",
            "value": 950,
            "unit": "m3/s",
        }
    ]
    response = client.post("/sensors/readings", json=rows, headers=bearer(tokens["operator"]))
    assert response.status_code == 201, response.text
    out = client.get("/sensors/binh_dien/readings", params={"quantity": "outflow"}).json()
    assert out[0]["value"] == 950.0


def test_bad_batches(client: TestClient, tokens: dict[str, str]) -> None:
    operator = bearer(tokens["operator"])
    assert (
        client.post(
            "/sensors/readings", content=CSV, headers={"Content-Type": "text/csv"}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/sensors/readings",
            content=CSV,
            headers={**bearer(tokens["dispatcher"]), "Content-Type": "text/csv"},
        ).status_code
        == 403
    )
    wrong_type = client.post(
        "/sensors/readings", content=CSV, headers={**operator, "Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    broken = client.post(
        "/sensors/readings",
        content="station_id,time\nx,notatime\n",
        headers={**operator, "Content-Type": "text/csv"},
    )
    assert broken.status_code == 422
    assert broken.headers["content-type"] == "application/problem+json"
    assert client.get("/sensors/nowhere/readings").status_code == 404


def test_readings_come_in_keyset_pages_newest_first(
    client: TestClient, tokens: dict[str, str]
) -> None:
    rows = "\n".join(
        f"phu_oc_page,2025-10-20T{h:02d}:00:00+07:00,water_level,{2 + h / 100:.2f},m"
        for h in range(24)
    )
    headers = {**bearer(tokens["operator"]), "Content-Type": "text/csv"}
    body = "station_id,time,quantity,value,unit\n" + rows + "\n"
    assert client.post("/sensors/readings", content=body, headers=headers).status_code == 201
    pages = []
    url: str | None = "/sensors/phu_oc_page/readings?limit=10"
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        pages.append([r["time"] for r in response.json()])
        link = response.headers.get("link")
        url = link.split(">")[0].lstrip("<") if link else None
        assert (link is None) == ("x-next-cursor" not in response.headers)
    assert [len(p) for p in pages] == [10, 10, 4]
    assert all(p == sorted(p) for p in pages)  # each page oldest first
    everything = [t for p in reversed(pages) for t in p]
    assert everything == sorted(everything) and len(set(everything)) == 24
    bad = client.get("/sensors/phu_oc_page/readings", params={"before": "not-a-cursor"})
    assert bad.status_code == 422 and "cursor" in bad.json()["detail"]
    assert client.get("/sensors/phu_oc_page/readings", params={"limit": 10_001}).status_code == 422
