"""What the running service holds: settings, database engine, the city (loaded once), caches.

One :class:`AppState` per app, at ``app.state.twin``; routes reach it through
:mod:`api.deps`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import geopandas as gpd
from sqlalchemy import Engine

# Imported for their tables: make_engine creates the tables declared so far.
import twin.keys
import twin.reports
from api.settings import Settings
from twin.db import make_engine

__all__ = ["AppState", "LRUCache"]

_KEY_CACHE_S = 5.0


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
        self._city: Any = None
        self._dispatcher: Any = None
        self._city_lock = threading.Lock()
        self._keys: dict[str, tuple[float, twin.keys.ApiKey | None]] = {}
        self._keys_lock = threading.Lock()

    @property
    def city_loaded(self) -> bool:
        """Whether the city has been loaded yet."""
        return self._city is not None

    def city(self) -> Any:
        """The city (a :class:`layers.City`), loaded on first use and kept."""
        if self._city is None:
            with self._city_lock:
                if self._city is None:
                    self._city = self._load_city()
        return self._city

    def _load_city(self) -> Any:
        if self._city is not None:
            return self._city
        import layers

        path = self.settings.city_path or layers.ensure_demo_city()
        self._city = layers.load_city(path)
        return self._city

    def dispatcher(self) -> Any:
        """The city's :class:`twin.dispatch.Dispatcher` (made on first use, one per app)."""
        if self._dispatcher is None:
            with self._city_lock:
                if self._dispatcher is None:
                    from twin.dispatch import Dispatcher

                    self._dispatcher = Dispatcher(self._load_city(), engine=self.engine)
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
        """The key of a bearer token (checked in the database at most every few seconds)."""
        now = time.monotonic()
        digest = twin.keys.token_digest(token)
        with self._keys_lock:
            hit = self._keys.get(digest)
        if hit is not None and now - hit[0] < _KEY_CACHE_S:
            return hit[1]
        key = twin.keys.verify_key(self.engine, token)
        with self._keys_lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[digest] = (now, key)
        return key

    def forget_keys(self) -> None:
        """Drop cached key checks (after a key is revoked)."""
        with self._keys_lock:
            self._keys.clear()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
