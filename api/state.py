"""What the running service holds: settings, database engine, the city (loaded once), caches.

One :class:`AppState` per app, at ``app.state.twin``; routes reach it through
:mod:`api.deps`.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Hashable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import xarray as xr
from sqlalchemy import Engine

import twin.keys
import twin.runs
from api.jobs import Job, JobQueue
from api.settings import Settings
from layers import City
from twin._errors import ConflictError, NotFoundError
from twin.alerts.sign import CapSigner
from twin.db import make_engine, writes

__all__ = ["AppState", "LRUCache"]


def _settle() -> None:
    """Move what is loaded for good (the city, the road graph) out of the garbage collector.

    A full collection walks every tracked object: with a city loaded that is several
    hundred thousand objects and a pause of a few hundred milliseconds in the middle of some
    request. Frozen objects are never walked again.
    """
    gc.collect()
    gc.freeze()


class LRUCache:
    """A thread-safe least-recently-used cache of at most ``size`` items.

    Examples
    --------
    >>> cache = LRUCache(2)
    >>> cache.put("a", 1); cache.put("b", 2); cache.put("c", 3)
    >>> cache.get("a") is None, cache.get("c")
    (True, 3)
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        """The value under ``key`` (now the most recent), or None."""
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value``; the least recently used item goes when full."""
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class AppState:
    """Resources shared by every request of one app.

    Parameters
    ----------
    settings
        The service settings.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: Engine = make_engine(settings.resolved_database_url)
        self.tiles = LRUCache(settings.tile_cache_tiles)
        self.cache = LRUCache(256)
        self._city: City | None = None
        self._dispatcher: Any = None
        self._city_lock = threading.Lock()
        self.runs_dir = (Path(settings.data_dir) / "runs").resolve()
        self.nowcast_state_dir = (Path(settings.data_dir) / "nowcast_state").resolve()
        self.jobs = JobQueue(self.runs_dir, settings.run_workers, on_finished=self._run_finished)
        self.results = LRUCache(4)
        # a half-given or unreadable pair stops the start-up with the reason
        self.cap_signer = CapSigner.configured(settings.cap_signing_key, settings.cap_signing_cert)

    @property
    def city_loaded(self) -> bool:
        """Whether the city has been loaded yet."""
        return self._city is not None

    def city(self) -> City:
        """The city (a :class:`layers.City`), loaded on first use and kept."""
        if self._city is None:
            with self._city_lock:
                if self._city is None:
                    self._city = self._load_city()
        return self._city

    def _load_city(self) -> City:
        if self._city is not None:
            return self._city
        import layers

        path = self.settings.city_path or layers.ensure_demo_city()
        self._city = layers.load_city(path)
        _settle()
        return self._city

    def writes(self) -> AbstractContextManager[Any]:
        """Hold while writing to the database: one writer at a time on SQLite
        (:func:`twin.db.writes`, the lock the stores that take it themselves take too)."""
        return writes(self.engine)

    def dispatcher(self) -> Any:
        """The city's :class:`twin.dispatch.Dispatcher` (made on first use, one per app)."""
        if self._dispatcher is None:
            with self._city_lock:
                if self._dispatcher is None:
                    from twin.dispatch import Dispatcher

                    self._dispatcher = Dispatcher(
                        self._load_city(), engine=self.engine, flood=self._latest_nowcast()
                    )
                    _settle()
        return self._dispatcher

    def layer_wgs84(self, name: str) -> gpd.GeoDataFrame:
        """A layer of the city in WGS 84 lon/lat (kept after the first call)."""
        key = ("wgs84", name)
        cached = self.cache.get(key)
        if cached is None:
            layer: gpd.GeoDataFrame = getattr(self.city(), name)
            cached = layer.to_crs("EPSG:4326")
            self.cache.put(key, cached)
        return cached

    def verify_key(self, token: str) -> twin.keys.ApiKey | None:
        """The key of a bearer token, checked in the database on every request (one lookup
        by primary key): a revocation by any worker or by the CLI holds at once."""
        return twin.keys.verify_key(self.engine, token)

    # -- runs ----------------------------------------------------------------------------

    def _run_finished(self, job: Job, result: Any) -> None:
        # A finished nowcast is the newest view of the flood: dispatch ranks and routes on it.
        if job.kind == "nowcast" and self._dispatcher is not None:
            self._dispatcher.set_flood(result.result)

    def _latest_nowcast(self) -> xr.Dataset | None:
        """The flood result of the newest finished nowcast, if there is one to read."""
        record = twin.runs.latest_finished(self.engine, kind="nowcast")
        if record is None:
            return None
        try:
            return self.run_result(record["id"])
        except ValueError:
            return None

    def run_records(
        self, limit: int = 50, *, before: tuple[datetime, str] | None = None
    ) -> list[dict[str, Any]]:
        """The twin's run records, newest first (after ``before``: a page's last start, id)."""
        return twin.runs.list_runs(self.engine, limit=limit, before=before)

    def recorded_runs(self, run_ids: list[str]) -> set[str]:
        """Those of ``run_ids`` the twin has a record of."""
        return twin.runs.recorded_ids(self.engine, run_ids)

    def run_record(self, run_id: str) -> dict[str, Any] | None:
        """The twin's record of a run, or None."""
        try:
            return twin.runs.get_run(self.engine, run_id)
        except NotFoundError:
            return None

    def run_dir(self, run_id: str) -> Path:
        """The output folder of a finished run.

        Raises
        ------
        twin.NotFoundError
            No such run.
        twin.ConflictError
            The run has not finished (yet, or ever).
        """
        record = self.run_record(run_id)
        job = self.jobs.get(run_id)
        if record is None and job is None:
            raise NotFoundError(f"no run {run_id!r}: list the runs with GET /runs")
        status = record["status"] if record is not None else job.status if job else "unknown"
        if record is None or status != "finished":
            raise ConflictError(f"run {run_id} is {status}: its results come when it has finished")
        return Path(record["out_dir"])

    def run_result(self, run_id: str) -> xr.Dataset:
        """The flood result of a finished run (kept in memory for the latest few)."""
        key = ("result", run_id)
        cached = self.results.get(key)
        if cached is not None:
            return cached
        ds = twin.runs.open_result(self.run_dir(run_id))
        if ds.rio.crs is None:
            ds = ds.rio.write_crs(self.city().crs)
        self.results.put(key, ds)
        return ds

    def close(self) -> None:
        """Stop the run workers and release the database connections."""
        self.jobs.shutdown()
        self.engine.dispose()
