"""The package a user installs is what the code needs: every import declared, the optional parts
optional, the data files shipped, the licence file there, and CI running the README's command.
"""

from __future__ import annotations

import ast
import functools
import glob
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from layers._extras import EXTRAS, import_extra, install_hint

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("layers", "hydro", "twin", "api")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]

# Parts only some users need: never a core dependency, never imported at module level.
OPTIONAL_DISTRIBUTIONS = {"psycopg", "dask", "distributed", "pyarrow", "playwright", "pyrosm"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(specs: list[str]) -> dict[str, Requirement]:
    out = {}
    for spec in specs:
        req = Requirement(spec)
        if _norm(req.name) != "hue-twin":  # an extra that pulls other extras
            out[_norm(req.name)] = req
    return out


CORE = _requirements(PROJECT["dependencies"])
EXTRA_REQS = {
    name: _requirements(specs) for name, specs in PROJECT["optional-dependencies"].items()
}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Top-level names of the absolute imports of a module, each with whether it runs on import
    (at module level, outside ``if TYPE_CHECKING:``) rather than inside a function."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, at_import: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((a.name.split(".")[0], at_import) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], at_import))
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                visit(stmt, False)
            for stmt in node.orelse:
                visit(stmt, at_import)
            return
        inner = at_import and not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return found


@functools.cache
def _third_party_imports() -> dict[str, dict[str, bool]]:
    """{import name: {module file: imported at module level}} over the four packages."""
    out: dict[str, dict[str, bool]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for name, at_import in _imports(path):
                if name in sys.stdlib_module_names or name in PACKAGES or name == "__future__":
                    continue
                where = out.setdefault(name, {})
                where[str(path.relative_to(ROOT))] = where.get(str(path), False) or at_import
    return out


@functools.cache
def _installed() -> Mapping[str, list[str]]:
    """{import name: distributions}, read once (it scans every installed distribution)."""
    return importlib.metadata.packages_distributions()


def _distributions(import_name: str) -> list[str]:
    installed = _installed().get(import_name)
    if installed:
        return [_norm(d) for d in installed]
    # not installed here (an extra nobody installed): the extras table names it
    return [_norm(import_name)] if any(import_name in m for m in EXTRAS.values()) else []


def _with_extras(req: Requirement) -> set[str]:
    """A requirement's distribution and, for ``dask[distributed]``, those its extras pull in."""
    names = {_norm(req.name)}
    for extra in req.extras:
        for spec in importlib.metadata.requires(req.name) or []:
            sub = Requirement(spec)
            if sub.marker is not None and sub.marker.evaluate({"extra": extra}):
                names.add(_norm(sub.name))
    return names


def test_every_third_party_import_is_declared() -> None:
    reqs = [*CORE.values(), *(r for extra in EXTRA_REQS.values() for r in extra.values())]
    declared = set().union(*(_with_extras(r) for r in reqs))
    undeclared = {
        name: sorted(files)
        for name, files in _third_party_imports().items()
        if not set(_distributions(name)) & declared
    }
    assert not undeclared, f"imported but not in pyproject.toml's dependencies: {undeclared}"


def test_optional_parts_are_extras_imported_lazily() -> None:
    assert not OPTIONAL_DISTRIBUTIONS & set(CORE), "an optional part is a core dependency"
    at_import = {
        name: sorted(f for f, eager in files.items() if eager)
        for name, files in _third_party_imports().items()
        if name in {m for mods in EXTRAS.values() for m in mods}
    }
    eager = {name: files for name, files in at_import.items() if files}
    assert not eager, f"an extra imported at module level (import it inside the function): {eager}"
    for extra, modules in EXTRAS.items():
        assert extra in EXTRA_REQS, f"layers._extras names an extra {extra!r} pyproject lacks"
        assert modules
    # the README's test command installs the test extra: it must pull every extra in
    pulled = " ".join(PROJECT["optional-dependencies"]["test"])
    for extra in ("postgres", "dask", "parquet"):
        assert re.search(rf"hue-twin\[[^]]*\b{extra}\b", pulled), extra


def test_api_breaking_majors_are_bounded_and_installed_in_range() -> None:
    for name in ("pandas", "zarr", "rio-tiler"):
        spec = CORE[name].specifier
        assert any(s.operator == "<" for s in spec), f"{name} has no upper bound"
    for name, req in CORE.items():
        if req.marker is not None and not req.marker.evaluate():
            continue
        version = importlib.metadata.version(name)
        assert req.specifier.contains(version, prereleases=True), (
            f"installed {name} {version} is outside pyproject's {req}: the suite runs on it"
        )


def test_licence_file_matches_pyproject() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    for name in PROJECT["license-files"]:
        assert (ROOT / name).is_file(), name


def test_every_data_file_of_the_packages_is_shipped() -> None:
    """Each non-Python file under the packages matches the setuptools package-data globs."""
    package_data: dict[str, list[str]] = PYPROJECT["tool"]["setuptools"]["package-data"]
    shipped: set[Path] = set()
    for init in (ROOT / p / "__init__.py" for p in PACKAGES):
        for pkg_init in init.parent.rglob("__init__.py"):
            folder = pkg_init.parent
            name = ".".join(folder.relative_to(ROOT).parts)
            for pattern in package_data.get("*", []) + package_data.get(name, []):
                shipped.update(Path(f) for f in glob.glob(str(folder / pattern)))
    data = [
        path
        for p in PACKAGES
        for path in (ROOT / p).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    missing = sorted(str(p.relative_to(ROOT)) for p in data if p not in shipped)
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
    assert ROOT / "twin" / "alerts" / "schemas" / "CAP-v1.2.xsd" in shipped


def test_import_extra_names_the_extra() -> None:
    with pytest.raises(ValueError, match=r'pip install "hue-twin\[parquet\]"'):
        import_extra("no_such_module_here", "parquet", "reading GeoParquet", ValueError)
    assert import_extra("json", "parquet", "anything").dumps(1) == "1"
    with pytest.raises(KeyError, match="the extras are"):
        install_hint("gpu")


_WITHOUT_EXTRAS = r"""
import importlib, pkgutil, sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None  # as if not installed: import fails, find_spec gives None
import layers, hydro, twin, api
failed = []
for pkg in (layers, hydro, twin, api):
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            failed.append(f"{info.name}: {exc}")
assert not failed, failed
from twin.alerts import cap_schema
from twin.db import make_engine
assert make_engine("sqlite://").dialect.name == "sqlite"
assert cap_schema() is not None
for url, extra in (("postgresql+psycopg://u@h/d", "postgres"),):
    try:
        make_engine(url)
    except twin.TwinError as exc:
        assert f'hue-twin[{extra}]' in str(exc), exc
    else:
        raise AssertionError("no error without the driver")
print("core ok")
"""


@pytest.mark.slow
def test_the_core_imports_and_runs_without_the_extras() -> None:
    """Every module imports with psycopg, dask, pyarrow, playwright and capvalidator absent."""
    blocked = sorted({m for mods in EXTRAS.values() for m in mods} | {"playwright", "capvalidator"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRAS, ",".join(blocked)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and "core ok" in done.stdout, done.stdout + done.stderr


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Two commands") :]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    test_block = next(b for b in blocks if "pytest" in b).strip().splitlines()
    apt_line, test_command = test_block[0], test_block[-1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci
    for package in apt_line.split()[3:]:
        assert package in ci, f".ci/run does not install {package} as the README says"
    assert "export TWIN_TEST_REQUIRE_ALL=1" in ci
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
