"""One router per file; :func:`api.create_app` includes them all."""
