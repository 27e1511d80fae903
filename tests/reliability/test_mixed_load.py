"""Call intake while a large sensor upload runs (and anonymous readers loop on public
routes): intake never waits behind the upload. The short form of
``benchmarks/reliability.py`` (150,000 rows, 50 calls/s, p99 <= 100 ms there)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pytest

CALL = {"phone": "0905123456", "address": "kiệt 32 Lê Văn Hưu", "people": 2}
ROWS = 30_000
CALLS_PER_S = 20
SHARE = 0.25
"""No call may wait more than this share of the upload's time. Before the upload was stored
in parts, a call waited for the whole of its storing (most of the upload); the absolute
target (p99 <= 100 ms at 50 calls/s, 150,000 rows) is measured by the long form, not here,
where the CI machine's load sets the times."""


def sensor_csv(rows: int) -> bytes:
    """``rows`` water levels of three gauges, a minute apart."""
    t0 = datetime(2025, 10, 1, tzinfo=UTC)
    lines = ["station_id,time,quantity,value,unit"]
    stations = ("kim_long", "phu_oc", "ta_trach")
    for i in range(rows):
        at = (t0 + timedelta(minutes=i // 3)).isoformat()
        lines.append(f"{stations[i % 3]},{at},water_level,{2 + (i % 97) / 1000:.3f},m")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.slow
def test_intake_does_not_wait_behind_a_large_upload(serve: Any) -> None:
    service = serve()
    body = sensor_csv(ROWS)
    upload: list[httpx.Response] = []
    upload_s: list[float] = []
    done = threading.Event()
    with httpx.Client(base_url=service.base, timeout=60) as warm:  # build the dispatcher
        warm.post("/dispatch/calls", json=CALL, headers=service.headers("dispatcher"))

    def bulk() -> None:
        headers = {**service.headers("operator"), "Content-Type": "text/csv"}
        started = time.perf_counter()
        upload.append(httpx.post(f"{service.base}/sensors/readings", content=body,
                                 headers=headers, timeout=600))  # fmt: skip
        upload_s.append(time.perf_counter() - started)
        done.set()

    def reader() -> None:
        with httpx.Client(base_url=service.base, timeout=60) as c:
            while not done.is_set():
                c.get("/sensors/kim_long/readings", params={"limit": 500})
                c.get("/alerts", params={"ward": "ZZ"})

    threads = [threading.Thread(target=bulk), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    latencies: list[float] = []
    statuses: list[int] = []
    with httpx.Client(base_url=service.base, headers=service.headers("dispatcher")) as c:
        n = 0
        next_at = time.monotonic()
        while not done.is_set():
            n += 1
            sent = time.perf_counter()
            r = c.post("/dispatch/calls", json={**CALL, "phone": f"0906{n:06d}"}, timeout=60)
            latencies.append(time.perf_counter() - sent)
            statuses.append(r.status_code)
            next_at += 1 / CALLS_PER_S
            time.sleep(max(0.0, next_at - time.monotonic()))
    for thread in threads:
        thread.join()
    assert upload[0].status_code == 201, upload[0].text
    assert upload[0].json()["rows"] == ROWS
    assert len(latencies) >= 20, "the upload ended before intake could be measured"
    assert set(statuses) == {201}
    worst = max(latencies)
    assert worst <= SHARE * upload_s[0], (
        f"a call waited {worst:.2f} s during a {upload_s[0]:.1f} s upload "
        f"(p99 {np.percentile(latencies, 99):.2f} s)"
    )
