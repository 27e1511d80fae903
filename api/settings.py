"""Service settings, read from ``TWIN_*`` environment variables (pydantic-settings).

Examples
--------
>>> Settings(database_url="sqlite://", cors_origins="http://a.example, http://b.example").cors_origins
['http://a.example', 'http://b.example']
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Settings of the HTTP service; each one is also the env variable ``TWIN_<NAME>``.

    Attributes
    ----------
    city_path
        City package folder (city.gpkg, dem.tif, city.toml). Empty: the demo city of Huế,
        built on first use.
    database_url
        SQLAlchemy URL; default a SQLite file under ``data_dir``.
    data_dir
        Folder for the database and run results.
    cors_origins
        Origins allowed to call the API from a browser (comma list or JSON list); none by
        default (the map page is served by the app itself).
    max_body_bytes
        Larger request bodies are refused with 413.
    run_workers
        Threads that execute scenario runs outside the requests.
    tile_cache_tiles
        Rendered tiles kept in memory (LRU).
    public_base_url
        The service's permanent public address (no trailing slash). Identifiers that must
        never change, such as the Atom feed's ``id``, are made from it, not from the address a
        request happened to use.
        When set (in the environment or given), every absolute link the API writes (landing
        page, OGC links, TileJSON tiles, paging ``Link`` headers, Atom) starts with it;
        unset, links follow the request's address (``twin serve --proxy-headers`` behind a
        proxy).
    log_format
        ``text`` (readable lines) or ``json`` (one JSON object a line) on stderr.
    log_level
        Lowest level logged (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``).
    cap_signing_key, cap_signing_cert
        PEM private key and X.509 certificate: with both, every CAP document served carries
        an XML signature (:mod:`twin.alerts.sign`); with neither, none does.
    """

    model_config = SettingsConfigDict(env_prefix="TWIN_", extra="ignore")

    city_path: Path | None = None
    database_url: str = ""
    data_dir: Path = Path("data/hue")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    run_workers: int = Field(default=1, ge=1, le=64)
    tile_cache_tiles: int = Field(default=4096, ge=0)
    public_base_url: str = Field(default="https://hue-twin.example", min_length=1)
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    cap_signing_key: Path | None = None
    cap_signing_cert: Path | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/twin.db``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'twin.db'}"
