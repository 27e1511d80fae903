"""``twin operate``: settings errors, one tick from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app


def test_bad_settings_are_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWIN_DATA_DIR", str(tmp_path))
    (tmp_path / "operate.toml").write_text("cycle_min = 0\nwhen = 1\n", "utf-8")
    result = CliRunner().invoke(
        app, ["operate", "--once", "--config", str(tmp_path / "operate.toml")]
    )
    assert result.exit_code == 2
    assert "cycle_min must be > 0" in result.output and "'when'" in result.output
    assert "Traceback" not in result.output


def test_a_city_folder_that_is_no_city_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWIN_DATA_DIR", str(tmp_path))
    # the city is not a city package: the scheduler refuses to start, with the reason
    result = CliRunner().invoke(app, ["operate", "--once", "--city", str(tmp_path)])
    assert result.exit_code == 2 and "error" in result.output
