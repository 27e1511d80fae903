"""The HTTP service on PostgreSQL: one walk through every part that writes to the database.

The other API tests run on SQLite; this one builds the app on a PostgreSQL database of its own
(``postgres_url`` in tests/conftest.py; skipped with the reason where there is no PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pyproj import Transformer

from api import create_app
from api.settings import Settings
from twin.keys import create_key

X0, Y0, CELL, N = 776000.0, 1822200.0, 20.0, 60
_TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)


def test_the_service_on_postgresql(postgres_url: str, city_path: Path, tmp_path: Path) -> None:
    settings = Settings(city_path=city_path, data_dir=tmp_path, database_url=postgres_url)
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.twin.engine  # type: ignore[attr-defined]
        assert engine.dialect.name == "postgresql"
        health = client.get("/health").json()
        assert health["status"] == "ok", health
        token = create_key(engine, role="dispatcher")[1]
        auth = {"Authorization": f"Bearer {token}"}

        # a call, retried with the same Idempotency-Key: one call
        call = {"phone": "0905123456", "address": "kiệt 32 Lê Văn Hưu", "people": 3}
        first = client.post("/dispatch/calls", json=call, headers={**auth, "Idempotency-Key": "k1"})
        assert first.status_code == 201, first.text
        again = client.post("/dispatch/calls", json=call, headers={**auth, "Idempotency-Key": "k1"})
        assert again.json()["call_id"] == first.json()["call_id"]
        call_id = first.json()["call_id"]
        assert len(client.get("/dispatch/calls", headers=auth).json()) == 1
        # assigned once; a second assignment of the same call is a conflict
        assigned = client.post(f"/dispatch/calls/{call_id}/assign", headers=auth)
        assert assigned.status_code == 200, assigned.text
        assert client.post(f"/dispatch/calls/{call_id}/assign", headers=auth).status_code == 409
        history = client.get(f"/dispatch/calls/{call_id}", headers=auth).json()["history"]
        assert [e["to_status"] for e in history] == ["new", "assigned"]

        # a citizen's street-light report breaks the light; closing it repairs it
        lon, lat = _TO_LONLAT.transform(X0 + 60 + 120 * 3 + 5, Y0 - CELL * N / 2 + 8)
        created = client.post(
            "/open311/v2/requests.json",
            data={"service_code": "street_light", "lat": f"{lat:.7f}", "long": f"{lon:.7f}",
                  "description": "Đèn không sáng", "attribute[problem]": "out"},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        request_id = created.json()[0]["service_request_id"]
        light = client.get("/collections/lights/items/L003").json()
        assert light["properties"]["status"] == "broken"
        closed = client.patch(
            f"/open311/v2/requests/{request_id}.json",
            json={"status": "closed", "status_notes": "Đã thay bóng đèn."},
            headers=auth,
        )
        assert closed.status_code == 200, closed.text
        got = client.get(f"/open311/v2/requests/{request_id}.json").json()
        assert got[0]["status"] == "closed"
        light = client.get("/collections/lights/items/L003").json()
        assert light["properties"]["status"] == "working"
