"""Make the sample sensor feeds of the late-October 2025 flood in Huế (deterministic).

Run from the repository root: ``python data/hue/sensors/make_feeds.py``. The series are
synthetic, shaped on the published figures in ``data/hue/FACTS.md`` (Kim Long 3.58 m at
07:00 on 27 Oct; Phú Ốc 5.25 m at 14:00 on 27 Oct; Tả Trạch inflow peak above 6,900 m³/s,
917 million m³ in and 651 million m³ released over 26-28 Oct; release orders of 26 Oct:
Bình Điền 950-1,800 m³/s, Hương Điền 1,050-1,800 m³/s), with the faults listed in README.md
planted on purpose.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
START = pd.Timestamp("2025-10-26T00:00", tz="Asia/Ho_Chi_Minh")
TIMES = pd.date_range(START, periods=72, freq="h")
RNG = np.random.default_rng(20251027)


def _hours(stamp: str) -> float:
    return (pd.Timestamp(stamp, tz="Asia/Ho_Chi_Minh") - START).total_seconds() / 3600


def _shape(anchors: list[tuple[str, float]], noise: float) -> np.ndarray:
    """Piecewise-linear through anchors (local times), noise away from the anchors."""
    x = np.array([_hours(t) for t, _ in anchors])
    y = np.array([v for _, v in anchors])
    h = np.arange(len(TIMES), dtype=float)
    values = np.interp(h, x, y) + RNG.normal(0.0, noise, h.size)
    on_anchor = np.isin(h, x)
    values[on_anchor] = np.interp(h[on_anchor], x, y)
    return values


def _iso(t: pd.Timestamp) -> str:
    return t.isoformat()


def river_rows() -> list[list[str]]:
    kim_long = _shape(
        [
            ("2025-10-26T00:00", 1.10),
            ("2025-10-26T12:00", 1.60),
            ("2025-10-26T18:00", 2.05),
            ("2025-10-27T00:00", 2.80),
            ("2025-10-27T05:00", 3.45),
            ("2025-10-27T07:00", 3.58),
            ("2025-10-27T10:00", 3.66),
            ("2025-10-27T16:00", 3.40),
            ("2025-10-28T00:00", 2.90),
            ("2025-10-28T12:00", 2.30),
            ("2025-10-28T23:00", 2.05),
        ],
        0.015,
    )
    phu_oc = _shape(
        [
            ("2025-10-26T00:00", 2.20),
            ("2025-10-26T12:00", 2.90),
            ("2025-10-26T18:00", 3.60),
            ("2025-10-27T02:00", 4.55),
            ("2025-10-27T14:00", 5.25),
            ("2025-10-27T18:00", 5.20),
            ("2025-10-28T06:00", 4.70),
            ("2025-10-28T23:00", 4.10),
        ],
        0.015,
    )
    h = np.arange(len(TIMES), dtype=float)
    lagoon = _shape(
        [("2025-10-26T00:00", 0.40), ("2025-10-27T12:00", 1.10), ("2025-10-28T23:00", 0.70)],
        0.01,
    ) + 0.25 * np.sin(2 * np.pi * h / 12.42)
    rows: list[list[str]] = []
    for i, t in enumerate(TIMES):
        kl = kim_long[i]
        if t == pd.Timestamp("2025-10-27T15:00", tz="Asia/Ho_Chi_Minh"):
            kl = 9.85  # planted: spike
        rows.append(["kim-long", _iso(t), "water_level", f"{kl:.2f}", "m"])
        if t == pd.Timestamp("2025-10-27T07:00", tz="Asia/Ho_Chi_Minh"):
            rows.append(rows[-1].copy())  # planted: duplicate
        po = phu_oc[i]
        if _hours("2025-10-28T02:00") <= i <= _hours("2025-10-28T09:00"):
            po = 4.87  # planted: stuck for 8 readings
        rows.append(["phu-oc", _iso(t), "water_level", f"{po:.2f}", "m"])
    lagoon_rows = [
        ["thuan-an", _iso(t), "water_level", f"{100 * v:.0f}", "cm"]
        for t, v in zip(TIMES, lagoon, strict=True)
    ]
    lagoon_rows[5], lagoon_rows[6] = lagoon_rows[6], lagoon_rows[5]  # planted: out of order
    return rows + lagoon_rows


def rain_rows() -> list[list[str]]:
    h = np.arange(len(TIMES), dtype=float)
    # a storm centred on the night of 26-27 Oct, heavier in the mountains
    shape = np.exp(-0.5 * ((h - 26.0) / 9.0) ** 2) + 0.35 * np.exp(-0.5 * ((h - 44.0) / 6.0) ** 2)
    shape /= shape.sum()
    rows: list[list[str]] = []
    totals = (
        ("rain-tu-ha", 620.0),
        ("rain-hue", 450.0),
        ("rain-phu-bai", 500.0),
        ("rain-thuan-an", 380.0),
    )
    for station, total in totals:
        depth = total * shape * RNG.lognormal(0.0, 0.25, h.size)
        depth[depth < 0.3] = 0.0
        for i, t in enumerate(TIMES):
            if station == "rain-tu-ha" and _hours("2025-10-27T13:00") <= i <= _hours(
                "2025-10-27T15:00"
            ):
                continue  # planted: gap of three readings
            rows.append([station, _iso(t), "rain", f"{depth[i]:.1f}", "mm", "60"])
    # planted: a year typo (future) and a station id that is not in the city (a typo)
    rows.append(["rain-hue", "2035-10-27T08:00:00+07:00", "rain", "12.4", "mm", "60"])
    for i in (30, 31):
        rows.append(["rain-hue-2", _iso(TIMES[i]), "rain", "18.2", "mm", "60"])
    return rows


def _steps(levels: list[tuple[str, float]]) -> np.ndarray:
    """A release schedule: each value holds from its time until the next."""
    out = np.zeros(len(TIMES))
    for t, v in levels:
        out[int(_hours(t)) :] = v
    return out


class _Dam(NamedTuple):
    inflow_peak: float
    inflow_base: float
    outflow: np.ndarray
    level: tuple[float, float]


def dam_readings() -> list[dict[str, object]]:
    h = np.arange(len(TIMES), dtype=float)
    dams = {
        "ta-trach": _Dam(
            inflow_peak=6950.0,
            inflow_base=450.0,
            outflow=_steps(
                [
                    ("2025-10-26T00:00", 1500.0),
                    ("2025-10-26T08:00", 1800.0),
                    ("2025-10-26T14:00", 2400.0),
                    ("2025-10-26T20:00", 3000.0),
                    ("2025-10-27T02:00", 3600.0),
                    ("2025-10-27T14:00", 3000.0),
                    ("2025-10-28T00:00", 2500.0),
                    ("2025-10-28T12:00", 1800.0),
                ]
            ),
            level=(38.0, 45.6),
        ),
        "binh-dien": _Dam(
            inflow_peak=2600.0,
            inflow_base=250.0,
            outflow=_steps(
                [
                    ("2025-10-26T00:00", 950.0),
                    ("2025-10-26T10:00", 1300.0),
                    ("2025-10-26T18:00", 1800.0),
                    ("2025-10-27T18:00", 1400.0),
                    ("2025-10-28T06:00", 950.0),
                ]
            ),
            level=(80.5, 85.0),
        ),
        "huong-dien": _Dam(
            inflow_peak=2800.0,
            inflow_base=280.0,
            outflow=_steps(
                [
                    ("2025-10-26T00:00", 1050.0),
                    ("2025-10-26T10:00", 1400.0),
                    ("2025-10-26T18:00", 1800.0),
                    ("2025-10-27T20:00", 1400.0),
                    ("2025-10-28T08:00", 1050.0),
                ]
            ),
            level=(53.5, 57.8),
        ),
    }
    readings: list[dict[str, object]] = []
    for dam, d in dams.items():
        inflow = d.inflow_base + (d.inflow_peak - d.inflow_base) * np.exp(
            -0.5 * ((h - 27.0) / 13.6) ** 2
        )
        inflow = inflow * (1 + RNG.normal(0, 0.01, h.size))
        outflow = d.outflow
        held = np.cumsum(inflow - outflow)
        held = (held - held.min()) / (held.max() - held.min())
        low, high = d.level
        level = low + (high - low) * held
        gates = np.round(outflow / outflow.max() * 8.0 * 2) / 2
        for i, t in enumerate(TIMES):
            out_unit = "m3/s"
            if dam == "huong-dien" and t == pd.Timestamp("2025-10-27T12:00", tz="Asia/Ho_Chi_Minh"):
                out_unit = "m"  # planted: wrong unit
            for quantity, value, unit in (
                ("water_level", round(float(level[i]), 2), "m"),
                ("inflow", round(float(inflow[i])), "m3/s"),
                ("outflow", round(float(outflow[i])), out_unit),
                ("gate_opening", float(gates[i]), "m"),
            ):
                readings.append(
                    {
                        "station_id": dam,
                        "time": _iso(t),
                        "quantity": quantity,
                        "value": value,
                        "unit": unit,
                    }
                )
    return readings


def main() -> None:
    """Write river_gauges.csv, rain_gauges.csv and dams.json next to this script."""
    with (HERE / "river_gauges.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["station_id", "time", "quantity", "value", "unit"])
        writer.writerows(river_rows())
    with (HERE / "rain_gauges.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["station_id", "time", "quantity", "value", "unit", "interval_min"])
        writer.writerows(rain_rows())
    feed = {
        "source": "Sample feed of the Hương basin reservoirs, 26-28 October 2025 (synthetic)",
        "readings": dam_readings(),
    }
    (HERE / "dams.json").write_text(
        json.dumps(feed, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
