"""Dam, rain and river sensors: file formats, quality control, storage and queries.

Readings come in as CSV or JSON (:mod:`twin.sensors.feeds`), are checked by named QC rules
(:mod:`twin.sensors.qc`) and stored with their flags (:mod:`twin.sensors.store`); only good
readings are given to the flood model.

Examples
--------
>>> from datetime import datetime, timezone
>>> from twin.db import make_engine
>>> from twin.sensors import ingest_readings, parse_feed, series
>>> engine = make_engine("sqlite://")
>>> text = (
...     "station_id,time,quantity,value,unit\\n"
...     "kim-long,2025-10-27T06:00:00+07:00,water_level,3.50,m\\n"
...     "kim-long,2025-10-27T07:00:00+07:00,water_level,358,cm\\n"
...     "kim-long,2025-10-27T08:00:00+07:00,water_level,9.9,m\\n"
... )
>>> now = datetime(2025, 10, 27, 2, tzinfo=timezone.utc)
>>> report = ingest_readings(engine, parse_feed(text, "csv"), source="demo", now=now)
>>> report.counts["good"], report.counts["spike"]
(2, 1)
>>> series(engine, "kim-long", "water_level").round(2).tolist()
[3.5, 3.58]
"""

from twin.sensors.feeds import REQUIRED_FIELDS, RawReading, SensorFileError, parse_feed, read_feed
from twin.sensors.qc import FLAGS, QCResult, check_readings
from twin.sensors.quantities import (
    HUE_STATIONS,
    QUANTITY_UNITS,
    STATION_KINDS,
    QCConfig,
    QuantityLimits,
    convert_unit,
    stations_from_city,
)
from twin.sensors.store import (
    INGEST_PART_ROWS,
    IngestReport,
    SensorReading,
    SensorReadingPage,
    ingest_files,
    ingest_readings,
    latest_good,
    rain_rate,
    readings_frame,
    readings_page,
    sensor_notes,
    series,
    station_summary,
)

__all__ = [
    "FLAGS",
    "HUE_STATIONS",
    "INGEST_PART_ROWS",
    "QUANTITY_UNITS",
    "REQUIRED_FIELDS",
    "STATION_KINDS",
    "IngestReport",
    "QCConfig",
    "QCResult",
    "QuantityLimits",
    "RawReading",
    "SensorFileError",
    "SensorReading",
    "SensorReadingPage",
    "check_readings",
    "convert_unit",
    "ingest_files",
    "ingest_readings",
    "latest_good",
    "parse_feed",
    "rain_rate",
    "read_feed",
    "readings_frame",
    "readings_page",
    "sensor_notes",
    "series",
    "station_summary",
    "stations_from_city",
]
