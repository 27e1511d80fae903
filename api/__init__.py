"""api: the HTTP service and the ``twin`` command line. Thin: it calls ``twin``.

``create_app`` and ``Settings`` are imported on first use, so that ``twin --help`` and the
light commands start without loading the whole service (the flood model, xarray, dask).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.app import create_app
    from api.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.app import create_app

        return create_app
    if name == "Settings":
        from api.settings import Settings

        return Settings
    raise AttributeError(f"module 'api' has no attribute {name!r}")
