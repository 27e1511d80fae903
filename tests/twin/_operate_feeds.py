"""Test helper: the sample feeds of data/hue/sensors cut into one file per hour of readings."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

SENSORS = Path(__file__).resolve().parents[2] / "data" / "hue" / "sensors"


def hourly_feeds() -> dict[datetime, list[tuple[str, str]]]:
    """Reading time -> the files (name, text) that a feed would send at that hour."""
    out: dict[datetime, list[tuple[str, str]]] = defaultdict(list)
    for name in ("river_gauges.csv", "rain_gauges.csv"):
        text = (SENSORS / name).read_text(encoding="utf-8")
        reader = csv.DictReader(io.StringIO(text))
        assert reader.fieldnames is not None
        rows: dict[datetime, list[dict[str, str]]] = defaultdict(list)
        for row in reader:
            rows[datetime.fromisoformat(row["time"])].append(row)
        for when, group in rows.items():
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=reader.fieldnames, lineterminator="\n")
            writer.writeheader()
            writer.writerows(group)
            out[when].append((f"{when:%Y%m%dT%H%M}-{name}", buf.getvalue()))
    dams: dict[datetime, list[dict[str, object]]] = defaultdict(list)
    for reading in json.loads((SENSORS / "dams.json").read_text(encoding="utf-8"))["readings"]:
        dams[datetime.fromisoformat(str(reading["time"]))].append(reading)
    for when, readings in dams.items():
        out[when].append((f"{when:%Y%m%dT%H%M}-dams.json", json.dumps({"readings": readings})))
    return dict(out)


def drop(folder: Path, feeds: dict[datetime, list[tuple[str, str]]], until: datetime) -> int:
    """Write into ``folder`` the hourly files up to ``until`` not written yet; how many."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for when in sorted(feeds):
        if when > until:
            break
        for name, text in feeds.pop(when):
            (folder / name).write_text(text, encoding="utf-8")
            n += 1
    return n
