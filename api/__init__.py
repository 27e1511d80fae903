"""api: the HTTP service and the ``twin`` command line. Thin: it calls ``twin``."""

from api.app import create_app
from api.settings import Settings

__all__ = ["Settings", "create_app"]
