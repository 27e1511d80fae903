"""api: the HTTP service and the ``twin`` command line. Thin: it calls ``twin``."""

__all__: list[str] = []
