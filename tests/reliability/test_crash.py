"""``kill -9`` of the service in the middle of call intake: every call it acknowledged (201)
is stored, whole, with its audit entry; at most the one in flight is stored besides."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from sqlalchemy import create_engine, text

CALL = {"phone": "0905123456", "address": "kiệt 32 Lê Văn Hưu", "people": 2}


def test_acknowledged_calls_survive_a_kill_9(serve: Any) -> None:
    service = serve()
    acked: list[int] = []
    sent = [0]
    stop = threading.Event()

    def hotline() -> None:
        with httpx.Client(base_url=service.base, headers=service.headers("dispatcher")) as c:
            while not stop.is_set():
                sent[0] += 1
                try:
                    r = c.post(
                        "/dispatch/calls",
                        json={**CALL, "phone": f"0905{sent[0]:06d}"},
                        headers={"Idempotency-Key": f"crash-{sent[0]}"},
                        timeout=30,
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 201:
                    acked.append(r.json()["call_id"])

    thread = threading.Thread(target=hotline)
    thread.start()
    deadline = time.monotonic() + 120
    while len(acked) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    service.kill()
    stop.set()
    thread.join(timeout=30)
    assert len(acked) >= 40
    engine = create_engine(service.url)
    with engine.connect() as con:
        ids = {r[0] for r in con.execute(text("SELECT id FROM dispatch_calls"))}
        events = [r[0] for r in con.execute(text("SELECT call_id FROM dispatch_call_events"))]
    engine.dispose()
    assert set(acked) <= ids  # 0 acknowledged calls lost
    assert len(ids) <= len(acked) + 1  # and at most the one in flight besides
    assert sorted(events) == sorted(ids)  # each whole, with its one audit entry
