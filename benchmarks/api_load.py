"""Load on the HTTP service over loopback: warm map tiles and hotline call intake.

Targets (issue 6), on 2 cores: warm tiles >= 300 tiles/s with p99 <= 50 ms; call intake
>= 200 requests/s with p99 <= 100 ms; zero errors.

What it does: runs the ``quick`` scenario of the demo city (not timed) into a fresh data
folder, starts ``twin serve`` (uvicorn) on 127.0.0.1 with that folder, makes a dispatcher key,
renders every tile of the run's depth layer at zooms 12-14 once (warm-up), then drives the
server with ``wrk`` (Debian package ``wrk``): tiles drawn from that set, and POST
/dispatch/calls with a fresh Idempotency-Key and a caller position in the city for each
request. Without wrk it falls back to an httpx asyncio client (fewer requests per second from
the client itself). Every loop is bounded by its duration; the server is stopped at the end.

Run::

    python benchmarks/api_load.py [--duration 10] [--connections 4] [--workers 1]

Results go to ``benchmarks/results/api_load.json`` and are printed as a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parent.parent
TARGETS = {"tiles": (300.0, 50.0), "intake": (200.0, 100.0)}
"""Workload -> (minimum requests/s, maximum p99 in ms)."""

_TILES_LUA = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""

_INTAKE_LUA = """
local n = 0
local thread_id = 0
setup = function(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
request = function()
  n = n + 1
  local lon = %(lon0)f + (n %% 97) * %(dlon)f
  local lat = %(lat0)f + (n %% 89) * %(dlat)f
  local body = string.format(
    '{"phone":"09%%08d","lon":%%.6f,"lat":%%.6f,"people":%%d,"reported_water_m":0.8}',
    n %% 100000000, lon, lat, 1 + n %% 5)
  return wrk.format("POST", "/dispatch/calls", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %(token)s",
    ["Idempotency-Key"] = string.format("bench-%%d-%%d-%%d", %(seed)d, tid, n),
  }, body)
end
"""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(data_dir: Path) -> tuple[str, str, list[str], tuple[float, float, float, float]]:
    """Run the quick scenario and make a dispatcher key (neither is timed).

    Returns the run id, the token, the tile paths of the run and the city's lon/lat bounds.
    """
    import morecantile

    import layers
    from twin import Scenario, run_scenario
    from twin.db import make_engine
    from twin.keys import create_key

    engine = make_engine(f"sqlite:///{data_dir / 'twin.db'}")
    scenario = Scenario.from_toml(REPO / "data" / "hue" / "scenarios" / "quick.toml")
    run_id = "bench" + os.urandom(6).hex()
    t = time.perf_counter()
    result = run_scenario(scenario, data_dir / "runs" / run_id, engine=engine)
    print(f"quick scenario ran in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    _key, token = create_key(engine, role="dispatcher", name="load benchmark")
    west, south, east, north = (float(v) for v in result.result.rio.transform_bounds("EPSG:4326"))
    tms = morecantile.tms.get("WebMercatorQuad")
    paths = [
        f"/runs/{run_id}/tiles/depth/{tile.z}/{tile.x}/{tile.y}.png"
        for zoom in range(12, 15)
        for tile in tms.tiles(west, south, east, north, [zoom])
    ]
    city = layers.load_city(layers.ensure_demo_city())
    bounds = tuple(float(v) for v in city.wards.to_crs("EPSG:4326").total_bounds)
    return run_id, token, paths, bounds  # type: ignore[return-value]


def start_server(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``twin serve`` on 127.0.0.1:port with the benchmark's data folder."""
    env = {
        **os.environ,
        "TWIN_DATA_DIR": str(data_dir),
        "TWIN_DATABASE_URL": f"sqlite:///{data_dir / 'twin.db'}",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "api:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the server did not answer /health within 60 s")


def warm(base: str, paths: list[str], token: str, lonlat: tuple[float, float]) -> None:
    """Render every tile once, and build the dispatcher with a first call."""
    with httpx.Client(base_url=base, timeout=120) as client:
        for path in paths:
            client.get(path).raise_for_status()
        client.post(
            "/dispatch/calls",
            json={"phone": "0900000000", "lon": lonlat[0], "lat": lonlat[1]},
            headers={"Authorization": f"Bearer {token}"},
        ).raise_for_status()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"cannot read a wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(base: str, script: str, duration: int, connections: int) -> dict[str, Any]:
    """Drive the server with wrk for ``duration`` seconds; rate, latency percentiles, errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
        lua = fh.name
    threads = max(1, min(2, connections))
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--latency",
            "-s",
            lua,
            base,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout
    os.unlink(lua)
    pct = {
        m.group(1): _ms(m.group(2))
        for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE)
    }
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return {
        "tool": "wrk",
        "requests": requests,
        "rate_per_s": rate,
        "p50_ms": pct["50"],
        "p90_ms": pct["90"],
        "p99_ms": pct["99"],
        "errors": errors,
    }


async def _httpx_load(base: str, make: Any, duration: int, connections: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + duration

    async def worker(client: httpx.AsyncClient, wid: int) -> None:
        nonlocal errors
        n = 0
        while time.perf_counter() < stop:
            n += 1
            method, path, kwargs = make(wid, n)
            t = time.perf_counter()
            try:
                response = await client.request(method, path, **kwargs)
                if response.status_code >= 400:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - t) * 1000)

    limits = httpx.Limits(max_connections=connections)
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client, i) for i in range(connections)))
    elapsed = time.perf_counter() - t0
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, math.ceil(p / 100 * len(latencies)) - 1)]

    return {
        "tool": "httpx",
        "requests": len(latencies),
        "rate_per_s": len(latencies) / elapsed,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    """Run both workloads; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per workload")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (closed loop)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="twin-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        _run_id, token, paths, (w, s, e, n) = prepare(data_dir)
        server = start_server(data_dir, port, args.workers)
        try:
            inner = (w + 0.25 * (e - w), s + 0.25 * (n - s))
            step = ((e - w) * 0.5 / 97, (n - s) * 0.5 / 89)
            t = time.perf_counter()
            warm(base, paths, token, inner)
            print(f"warmed {len(paths)} tiles in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            results: dict[str, Any] = {}
            if shutil.which("wrk"):
                with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
                    fh.write("\n".join(paths) + "\n")
                    path_file = fh.name
                results["tiles"] = run_wrk(
                    base, _TILES_LUA % {"paths": path_file}, args.duration, args.connections
                )
                os.unlink(path_file)
                script = _INTAKE_LUA % {
                    "lon0": inner[0],
                    "lat0": inner[1],
                    "dlon": step[0],
                    "dlat": step[1],
                    "token": token,
                    "seed": random.randrange(10**6),
                }
                results["intake"] = run_wrk(base, script, args.duration, args.connections)
            else:
                print("wrk not found (apt-get install wrk): using httpx", file=sys.stderr)

                def tile(wid: int, i: int) -> tuple[str, str, dict[str, Any]]:
                    return "GET", paths[(wid * 7919 + i) % len(paths)], {}

                def call(wid: int, i: int) -> tuple[str, str, dict[str, Any]]:
                    body = {
                        "phone": f"09{wid:03d}{i:05d}",
                        "people": 1 + i % 5,
                        "lon": inner[0] + (i % 97) * step[0],
                        "lat": inner[1] + (i % 89) * step[1],
                        "reported_water_m": 0.8,
                    }
                    headers = {
                        "Authorization": f"Bearer {token}",
                        "Idempotency-Key": f"bench-{wid}-{i}-{port}",
                    }
                    return "POST", "/dispatch/calls", {"json": body, "headers": headers}

                results["tiles"] = asyncio.run(
                    _httpx_load(base, tile, args.duration, args.connections)
                )
                results["intake"] = asyncio.run(
                    _httpx_load(base, call, args.duration, args.connections)
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    ok = True
    lines = [
        "| workload | tool | requests | req/s | p50 ms | p90 ms | p99 ms | errors | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        rate_min, p99_max = TARGETS[name]
        met = r["rate_per_s"] >= rate_min and r["p99_ms"] <= p99_max and r["errors"] == 0
        ok &= met
        r["target_met"] = met
        lines.append(
            f"| {name} | {r['tool']} | {r['requests']} | {r['rate_per_s']:.0f} | "
            f"{r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | "
            f">= {rate_min:.0f}/s, p99 <= {p99_max:.0f} ms: {'met' if met else 'MISSED'} |"
        )
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    meta = {
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "tiles_in_set": len(paths),
    }
    (RESULTS / "api_load.json").write_text(json.dumps({**meta, **results}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
