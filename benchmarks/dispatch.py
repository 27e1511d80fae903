"""Speed of the rescue dispatch on the Huế demo city.

Targets (issue 5): intake + geocode + risk + team proposal p95 <= 50 ms; one flood-aware
route query <= 20 ms; re-ranking 1,000 open calls after a nowcast <= 1 s.

The flood is a "bathtub" on the demo DEM (a water level rising from 1.5 m to 4.0 m over
12 h, depth = level - ground, speed 0.3 m/s where wet): it floods the low city the way the
real results do, without running the solver here. Run::

    python benchmarks/dispatch.py [--calls 300] [--now-h 3]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

import layers
from twin.db import make_engine
from twin.dispatch import Dispatcher, FloodState, TeamStart


def bathtub(city: layers.City, *, hours: int = 12, speed_ms: float = 0.3) -> xr.Dataset:
    """Depth = max(0, level(t) - ground) with the level rising 1.5 -> 4.0 m over ``hours``."""
    dem = city.dem.values.astype("float32")
    times = np.arange(hours + 1) * 3600.0
    level = 1.5 + 2.5 * times / times[-1]
    depth = np.clip(level[:, None, None] - dem[None], 0.0, None).astype("float32")
    depth = np.nan_to_num(depth)
    return xr.Dataset(
        {
            "depth": (("time", "y", "x"), depth),
            "speed": (("time", "y", "x"), np.where(depth > 0, speed_ms, 0.0).astype("float32")),
        },
        coords={"time": times, "y": city.dem.y.values, "x": city.dem.x.values},
    )


def addresses(city: layers.City, n: int, rng: random.Random) -> list[str]:
    """Addresses as callers say them: house numbers, alleys, no diacritics, typos."""
    from twin.dispatch import fold

    roads = city.roads
    ranged = roads[roads.house_from.notna() & roads.parent_road_id.isna()]
    alleys = roads[roads.alley_number.notna() & roads.parent_road_id.notna()]
    parent_name = dict(zip(roads.road_id, roads.name, strict=True))
    ward_name = dict(zip(city.wards.ward_id, city.wards.name, strict=True))
    out = []
    for i in range(n):
        if i % 3 == 2 and len(alleys):
            r = alleys.iloc[rng.randrange(len(alleys))]
            text = f"kiệt {int(r.alley_number)} {parent_name[r.parent_road_id]}"
        else:
            r = ranged.iloc[rng.randrange(len(ranged))]
            house = rng.randint(int(r.house_from), int(r.house_to))
            text = f"{house} {r['name']} {ward_name.get(r.ward_id, '')}"
        if i % 2:
            text = fold(text)
        if i % 5 == 4 and len(text) > 12:  # a typo: one letter dropped
            k = rng.randrange(len(text) - 8, len(text))
            text = text[:k] + text[k + 1 :]
        out.append(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="intakes to time")
    parser.add_argument("--now-h", type=float, default=3.0, help="now within the flood (h)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work slows these)")
    rng = random.Random(5)
    city = layers.load_city(layers.ensure_demo_city())
    ds = bathtub(city)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        t0 = time.perf_counter()
        d = Dispatcher(city, engine=engine, flood=ds, now=args.now_h * 3600.0)
        t_init = time.perf_counter() - t0
        print(
            f"demo city: {len(city.roads)} road segments, {d.network.n_nodes} nodes, "
            f"{len(city.stations)} teams; DEM {city.dem.shape}"
        )
        print(f"Dispatcher(city, flood): {t_init * 1000:.0f} ms (geocoding index + road graph)")

        # graphs per flood state: first query builds them, later ones hit the cache
        x, y = city.households.geometry.x.iloc[0], city.households.geometry.y.iloc[0]
        t0 = time.perf_counter()
        d.propose_at(x, y)
        print(
            f"first proposal (builds truck, car, boat graphs for this flood): "
            f"{(time.perf_counter() - t0) * 1000:.0f} ms"
        )

        texts = addresses(city, args.calls, rng)
        times, matched = [], 0
        for i, text in enumerate(texts):
            t0 = time.perf_counter()
            call = d.intake(
                phone=f"0905{i:06d}",
                address=text,
                people=rng.randint(1, 8),
                vulnerable={"elderly": rng.randint(0, 1)},
                idempotency_key=f"b{i}",
            )
            if call.located:
                d.propose(call.call_id)
                matched += 1
            times.append(time.perf_counter() - t0)
        ms = np.array(times) * 1000
        print(
            f"intake + geocode + risk + proposal ({args.calls} calls, {matched} located): "
            f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, "
            f"max {ms.max():.1f} ms  [target p95 <= 50 ms]"
        )

        fs = d.flood
        assert isinstance(fs, FloodState)
        stations = list(city.stations.itertuples())
        xs = city.households.geometry.x.to_numpy()
        ys = city.households.geometry.y.to_numpy()
        for vehicle in ("truck", "boat"):
            st = next(s for s in stations if s.vehicle == vehicle)
            team = [TeamStart(st.team_id, st.vehicle, st.geometry.x, st.geometry.y)]
            rt = []
            for i in range(200):
                t0 = time.perf_counter()
                d.network.routes_to(xs[i % len(xs)], ys[i % len(ys)], team, flood=fs)
                rt.append(time.perf_counter() - t0)
            r = np.array(rt) * 1000
            print(
                f"one flood-aware route ({vehicle}, cached graph): median {np.median(r):.1f} ms, "
                f"p95 {np.percentile(r, 95):.1f} ms  [target <= 20 ms]"
            )
        teams = [TeamStart(s.team_id, s.vehicle, s.geometry.x, s.geometry.y) for s in stations]
        rt = []
        for i in range(100):
            t0 = time.perf_counter()
            d.network.routes_to(xs[i], ys[i], teams, flood=fs)
            rt.append(time.perf_counter() - t0)
        print(
            f"routes of all {len(teams)} teams to one caller: median {np.median(rt) * 1000:.1f} ms"
        )

        n_more = max(0, 1000 - len(d.queue()))
        more = addresses(city, n_more, rng)
        for i, text in enumerate(more):
            d.intake(phone=f"0906{i:06d}", address=text, people=2)
        n_open = len(d.queue())
        new_state = FloodState(ds, now=(args.now_h + 1) * 3600.0)
        t0 = time.perf_counter()
        d.set_flood(new_state)  # re-ranks every open call and stores the new scores
        t_rank = time.perf_counter() - t0
        print(
            f"re-rank {n_open} open calls after a nowcast: {t_rank * 1000:.0f} ms  "
            "[target <= 1000 ms]"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
