# hue-twin's HTTP service (`twin serve`: the API, tiles, CAP feed and the live map).
#   docker build -t hue-twin . && docker run --rm -p 8000:8000 hue-twin   # then /map
# compose.yaml runs it with PostgreSQL/PostGIS and the scheduler: `docker compose up`.
# The wheels of rasterio, pyogrio, pyproj, netCDF4 and numba carry their own GDAL, PROJ and
# LLVM, so the slim image needs no system packages.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TWIN_DEMO_CITY=/opt/hue-twin/city \
    TWIN_DATA_DIR=/var/lib/hue-twin \
    NUMBA_CACHE_DIR=/var/cache/hue-twin/numba

WORKDIR /opt/hue-twin/src
COPY pyproject.toml README.md LICENSE ./
COPY layers ./layers
COPY hydro ./hydro
COPY twin ./twin
COPY api ./api
# The service talks to PostgreSQL (the postgres extra); the demo city of Huế is built into the
# image, and the flood model compiled once (about a minute per dtype) into NUMBA_CACHE_DIR, so
# the first run starts at once on a machine with this CPU (another CPU compiles it again, once).
RUN pip install ".[postgres]" \
    && python -c "import layers; print(layers.ensure_demo_city())" \
    && python -c "from hydro._compile import precompile; precompile()" \
    && useradd --system --uid 10001 --home-dir /var/lib/hue-twin --shell /usr/sbin/nologin twin \
    && mkdir -p /var/lib/hue-twin \
    && chown -R twin:twin /var/lib/hue-twin /var/cache/hue-twin

USER twin
WORKDIR /var/lib/hue-twin
VOLUME ["/var/lib/hue-twin"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["twin", "serve", "--host", "0.0.0.0", "--port", "8000"]
