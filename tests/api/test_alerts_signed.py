"""CAP over HTTP with a signing key configured: every CAP document carries an XML signature."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from capvalidator import validate_cap_message
from fastapi.testclient import TestClient

from api import create_app
from api.settings import Settings
from twin import TwinError
from twin.alerts import WardImpact, issue_alerts, validate_cap_xml, verify_cap_signature

RING = [(107.581, 16.458), (107.587, 16.458), (107.587, 16.463), (107.581, 16.463)]


def test_served_cap_is_signed(
    city_path: Path, tmp_path: Path, make_cap_keys: Callable[..., tuple[bytes, bytes]]
) -> None:
    key, cert = make_cap_keys()
    (tmp_path / "key.pem").write_bytes(key)
    (tmp_path / "cert.pem").write_bytes(cert)
    settings = Settings(
        city_path=city_path,
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'twin.db'}",
        cap_signing_key=tmp_path / "key.pem",
        cap_signing_cert=tmp_path / "cert.pem",
    )
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.twin.engine  # type: ignore[attr-defined]
        now = datetime.now(UTC) - timedelta(minutes=5)
        ward = WardImpact(
            "W01", "Phú Hội", RING, people_by_hazard_class=(6000, 2000, 900, 100),
            max_hazard_class=3, arrival=now + timedelta(hours=2),
        )  # fmt: skip
        (msg,) = issue_alerts(engine, [ward], now=now)
        response = client.get(f"/alerts/{msg.identifier}.xml")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/cap+xml")
        validate_cap_xml(response.content)
        verify_cap_signature(response.content, cert)
        assert validate_cap_message(response.content, strict=True).passed


def test_half_a_signing_pair_stops_the_start(city_path: Path, tmp_path: Path) -> None:
    settings = Settings(
        city_path=city_path,
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'twin.db'}",
        cap_signing_key=tmp_path / "key.pem",
    )
    with pytest.raises(TwinError, match="set both"):
        create_app(settings)
