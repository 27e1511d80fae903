"""Suite-wide settings, the PostgreSQL fixtures and what lets the suite run on every core.
Per-package fixtures live in tests/<package>/conftest.py.

Speed: pyproject's addopts run the suite under pytest-xdist (``-n auto --dist loadgroup``;
``-n 0`` for one process). Slow tests (``@pytest.mark.slow``) are scheduled first; the numba
kernels are compiled once for all workers (:func:`_flood_kernels_compiled_once`); tests that
share an expensive session fixture carry ``pytest.mark.xdist_group`` so one worker runs them;
each worker has its own PostgreSQL cluster, ports and temporary folders.

PostgreSQL: ``TWIN_TEST_POSTGRES_URL`` (``postgresql+psycopg://user@host:port/db``) points the
tests at a server you run; without it, a private cluster is made with the ``initdb`` /
``pg_ctl`` found on ``PATH`` (or in ``/usr/lib/postgresql/*/bin``) in a temporary folder, on a
free local port, and removed at the end. PostgreSQL refuses to run as root, so as root the
cluster runs as the ``postgres`` system user (``runuser``). Where none of this is possible the
tests that need it are skipped with the reason. Each test gets a database of its own.

CI (``.ci/run``) sets ``TWIN_TEST_REQUIRE_ALL=1``: there every skip is a failure (a missing
chromium, PostgreSQL or test extra must not pass unnoticed), except doctest examples marked
``+SKIP`` on purpose. A developer without them still gets skips with the reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Numba compiles on first call; hypothesis' deadline would count the compilation.
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=30
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REQUIRE_ALL = os.environ.get("TWIN_TEST_REQUIRE_ALL", "") not in ("", "0")
"""``TWIN_TEST_REQUIRE_ALL=1`` (set by ``.ci/run``): a skip is a failure."""

# Skips that belong to the code, not to the machine: doctest examples marked +SKIP.
_INTENDED_SKIPS = ("all tests skipped by +SKIP option",)


def _required(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Turn a skip into a failure that says what the machine lacks (TWIN_TEST_REQUIRE_ALL=1)."""
    if not (REQUIRE_ALL and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if reason.removeprefix("Skipped: ") in _INTENDED_SKIPS:
        return
    report.outcome = "failed"
    report.longrepr = f"skipped, but TWIN_TEST_REQUIRE_ALL=1 (CI) runs every test: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _required(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    _required(report)
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests first (stable otherwise): under xdist they start at once, in parallel, and
    the short tests fill the gaps, instead of one slow test finishing alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (the xdist workers), held for the block."""
    import fcntl

    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session", autouse=True)
def _flood_kernels_compiled_once(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Under xdist, each worker would compile the numba kernels for itself (about a minute per
    dtype). Instead one worker compiles float32 while another compiles float64, each under a
    lock shared by the workers, and every worker then loads both from numba's cache. Sessions
    that never run the solver (only layers tests, say) skip this."""
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if count < 2 or os.environ.get("NUMBA_DISABLE_JIT", "") not in ("", "0"):
        return
    solver_users = {"hydro", "twin", "api", "test_notebooks.py", "test_readme.py"}
    if not any(solver_users & set(item.path.parts) for item in request.session.items):
        return
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    shared = tmp_path_factory.getbasetemp().parent
    dtypes = ["float32", "float64"]
    for dtype in dtypes[worker % 2 :] + dtypes[: worker % 2]:
        # a broken solver fails the tests that use it, with their own message
        with _file_lock(shared / f"numba-{dtype}.lock"), contextlib.suppress(Exception):
            from hydro._compile import precompile

            precompile((dtype,))


@dataclass
class PostgresServer:
    """A server to make test databases on: ``url_for(name)`` gives a SQLAlchemy URL."""

    host: str
    port: int
    user: str
    admin_db: str
    folder: Path | None = None  # set when the tests made (and will remove) the cluster
    run_as: list[str] | None = None

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        if self.folder is None:
            return
        pg_ctl = _binary("pg_ctl")
        if pg_ctl is not None:
            # a server that will not stop must not fail the session: it dies with the folder
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(
                    [*(self.run_as or []), pg_ctl, "-D", str(self.folder / "data"), "-m",
                     "immediate", "stop"],
                    capture_output=True, timeout=60, check=False,
                )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    # Debian's layout, newest major first (numerically: 16 after 9.6)
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: [int(n) for n in re.findall(r"\d+", Path(path).parts[-3])],
    )
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> PostgresServer:
    """The server to test on; raises ``RuntimeError`` saying why there is none."""
    url = os.environ.get("TWIN_TEST_POSTGRES_URL")
    if url:
        from sqlalchemy.engine import make_url

        u = make_url(url)
        return PostgresServer(
            u.host or "localhost", u.port or 5432, u.username or "postgres", u.database or ""
        )
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError(
            "no PostgreSQL: install it (initdb, pg_ctl) or set TWIN_TEST_POSTGRES_URL"
        )
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="twin-test-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(
                "running as root and there is no 'postgres' user to run as"
            ) from None
        runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
        if runuser is None:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError("running as root and there is no runuser to drop privileges")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = [runuser, "-u", "postgres", "--"]
    port = _free_port()
    data = folder / "data"
    steps = [
        [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8"],
        [pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60", "-o",
         f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
    ]  # fmt: skip
    for cmd in steps:
        done = subprocess.run([*run_as, *cmd], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-300:]}")
    return PostgresServer("127.0.0.1", port, "postgres", "postgres", folder, run_as)


def fresh_database(server: PostgresServer) -> Iterator[str]:
    """Make an empty database, yield its URL, drop it afterwards."""
    from sqlalchemy import create_engine, text

    name = f"twin_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url_for(server.admin_db), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.url_for(name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (skips the test where there is none)."""
    try:
        server = start_server()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"PostgreSQL: {exc}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The SQLAlchemy URL of an empty database of this test's own."""
    yield from fresh_database(postgres_server)


@pytest.fixture(scope="session")
def make_cap_keys() -> Callable[..., tuple[bytes, bytes]]:
    """``make_cap_keys(kind="rsa"|"ec", name=...)``: a PEM private key and a self-signed
    certificate for it, to sign CAP messages in tests."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    def make(kind: str = "rsa", name: str = "hue-twin test") -> tuple[bytes, bytes]:
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
            rsa.generate_private_key(65537, 2048)
            if kind == "rsa"
            else ec.generate_private_key(ec.SECP256R1())
        )
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=3650))
            .not_valid_after(now + timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return key_pem, cert.public_bytes(serialization.Encoding.PEM)

    return make
