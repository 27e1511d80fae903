"""XML signatures on CAP messages: made here, checked by an independent validator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from capvalidator import validate_cap_message
from shapely.geometry import Polygon

from twin import TwinError
from twin.alerts import WardImpact, issue_alerts, validate_cap_xml
from twin.alerts.sign import CapSigner, verify_cap_signature
from twin.db import make_engine

NOW = datetime(2025, 10, 27, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def message() -> bytes:
    engine = make_engine("sqlite://")
    ward = WardImpact(
        "W01", "Phú Hội", Polygon([(107.58, 16.46), (107.59, 16.46), (107.59, 16.47)]),
        people_by_hazard_class=(0, 900, 0, 0), max_hazard_class=1,
        arrival=NOW + timedelta(hours=3),
    )  # fmt: skip
    (msg,) = issue_alerts(engine, [ward], now=NOW)
    return msg.to_xml()


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_signed_message_is_valid_cap_and_verifies(
    message: bytes, kind: str, make_cap_keys: Any
) -> None:
    key, cert = make_cap_keys(kind)
    signed = CapSigner(key, cert).sign(message)
    assert b"<ds:Signature" in signed and signed.rstrip().endswith(b"</ds:Signature></alert>")
    validate_cap_xml(signed)  # still CAP 1.2: the schema takes XML-DSig at the end of alert
    verify_cap_signature(signed, cert)
    # an independent validator (schema and signature, strict) accepts it
    result = validate_cap_message(signed, strict=True)
    assert result.passed, result.message


def test_a_changed_message_or_another_certificate_fails(message: bytes, make_cap_keys: Any) -> None:
    key, cert = make_cap_keys()
    signed = CapSigner(key, cert).sign(message)
    tampered = signed.replace("Phú Hội".encode(), "Phú Hậu".encode(), 1)
    assert tampered != signed
    with pytest.raises(TwinError, match="does not verify"):
        verify_cap_signature(tampered, cert)
    assert not validate_cap_message(tampered, strict=True).passed
    _, stranger = make_cap_keys(name="someone else")
    with pytest.raises(TwinError, match="does not verify"):
        verify_cap_signature(signed, stranger)
    with pytest.raises(TwinError, match="not signed"):
        verify_cap_signature(message, cert)
    with pytest.raises(TwinError, match="already signed"):
        CapSigner(key, cert).sign(signed)


def test_bad_keys_are_refused_with_a_reason(tmp_path: Path, make_cap_keys: Any) -> None:
    key, cert = make_cap_keys()
    other_key, _ = make_cap_keys()
    with pytest.raises(TwinError, match="do not belong together"):
        CapSigner(other_key, cert)
    with pytest.raises(TwinError, match="PEM private key"):
        CapSigner(b"not a key", cert)
    with pytest.raises(TwinError, match=r"X\.509"):
        CapSigner(key, b"not a cert")
    with pytest.raises(TwinError, match="cannot read"):
        CapSigner.from_files(tmp_path / "missing.pem", tmp_path / "missing.crt")
    assert CapSigner.configured(None, None) is None
    (tmp_path / "k.pem").write_bytes(key)
    with pytest.raises(TwinError, match="set both"):
        CapSigner.configured(tmp_path / "k.pem", None)
    (tmp_path / "c.pem").write_bytes(cert)
    signer = CapSigner.configured(tmp_path / "k.pem", tmp_path / "c.pem")
    assert signer is not None and signer.cert_pem == cert
