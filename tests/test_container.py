"""The container files hold together: compose.yaml's services, images, database URL, ports,
volumes and health checks, and a Dockerfile that installs the package and serves it.

No docker engine is needed: the files are read as YAML and text (where ``docker`` exists,
``docker compose config`` checks the compose file too).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
TWIN_SERVICES = ("api", "scheduler")


def _expand(text: str) -> str:
    """Compose's ``${NAME:-default}``, with the defaults."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def _has_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    version = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, timeout=60, check=False
    )
    return version.returncode == 0


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_compose_has_the_service_the_database_and_the_scheduler() -> None:
    assert set(SERVICES) == {"db", *TWIN_SERVICES}
    db_image = SERVICES["db"]["image"]
    assert db_image.startswith("postgis/postgis:") and not db_image.endswith(":latest")
    for name in TWIN_SERVICES:
        service = SERVICES[name]
        assert service["build"] == "."
        assert service["image"].startswith("hue-twin:")
        assert service["command"][0] == "twin"
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
    if _has_compose():  # where docker compose exists, it checks the file too
        done = subprocess.run(
            ["docker", "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr


def test_the_twin_services_reach_the_database_compose_makes() -> None:
    db_env = SERVICES["db"]["environment"]
    for name in TWIN_SERVICES:
        url = urlsplit(_expand(SERVICES[name]["environment"]["TWIN_DATABASE_URL"]))
        assert url.scheme == "postgresql+psycopg"  # the driver of the postgres extra
        assert url.hostname == "db" and url.port == 5432
        assert url.username == db_env["POSTGRES_USER"]
        assert url.password == _expand(db_env["POSTGRES_PASSWORD"])
        assert url.path == "/" + db_env["POSTGRES_DB"]


def test_ports_health_checks_and_volumes_agree() -> None:
    api = SERVICES["api"]
    port = _option(api["command"], "--port")
    assert api["ports"] == [f"{port}:{port}"]
    assert _option(api["command"], "--host") == "0.0.0.0"
    assert "ports" not in SERVICES["scheduler"], "the placeholder scheduler is not published"
    for name in TWIN_SERVICES:
        service = SERVICES[name]
        check = " ".join(service["healthcheck"]["test"])
        assert f"127.0.0.1:{_option(service['command'], '--port')}/health" in check
    assert "pg_isready" in " ".join(SERVICES["db"]["healthcheck"]["test"])
    declared = set(COMPOSE["volumes"])
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            assert source in declared, f"{name}: volume {source} is not declared"
            assert target.startswith("/")
    data_dir = {v.split(":")[1] for v in SERVICES["api"]["volumes"] if v.startswith("twin-data:")}
    assert data_dir == {SERVICES["api"]["environment"]["TWIN_DATA_DIR"]}


def test_dockerfile_installs_the_package_and_serves_it() -> None:
    lines = [line.strip() for line in DOCKERFILE.splitlines()]
    (base,) = [line for line in lines if line.startswith("FROM ")]
    assert re.fullmatch(r"FROM python:3\.11-slim(-\w+)?", base)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    installed = re.search(r'pip install "\.\[([\w,]+)\]"', DOCKERFILE)
    assert installed and set(installed.group(1).split(",")) <= set(extras)
    for line in lines:
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    last = [line for line in lines if line][-1]
    assert last == 'CMD ["twin", "serve", "--host", "0.0.0.0", "--port", "8000"]'
    assert "EXPOSE 8000" in lines
    assert any(line.startswith("USER ") and line != "USER root" for line in lines)
    assert any(line.startswith("HEALTHCHECK ") for line in lines)
    assert "precompile()" in DOCKERFILE  # the flood model compiled into the image


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "**/__pycache__", "data/hue/city", "data/hue/twin.db*"):
        assert entry in ignored
