"""XML signatures on CAP messages (CAP 1.2 §3.3.2.1: an enveloped XML-DSig ``Signature``).

A receiver that trusts the issuer's certificate can tell a warning really came from it and
was not altered on the way. The signature is the last child of ``<alert>`` (where the CAP
1.2 schema allows elements of the XML-DSig namespace), over the whole message (enveloped
transform, exclusive C14N, RSA or ECDSA with SHA-256), with the signer's X.509 certificate
in ``KeyInfo``. The message is signed in its compact form (no indentation between
elements), the form validators such as ``capvalidator`` re-serialise it to before checking.

The key and certificate come from PEM files (:meth:`CapSigner.configured`); the service and
the CLI name them in their settings (``TWIN_CAP_SIGNING_KEY`` and ``TWIN_CAP_SIGNING_CERT``,
:class:`api.settings.Settings`): the service signs every CAP document it serves and every
run signs the files it writes when both are set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    InvalidInput,
    InvalidSignature,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidCertificate, InvalidDigest

from twin._errors import TwinError

__all__ = ["CERT_ENV", "KEY_ENV", "CapSigner", "verify_cap_signature"]

KEY_ENV = "TWIN_CAP_SIGNING_KEY"
CERT_ENV = "TWIN_CAP_SIGNING_CERT"
_DS = "http://www.w3.org/2000/09/xmldsig#"


def _compact(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise TwinError(f"not well-formed XML: {exc}") from None


@dataclass(frozen=True)
class CapSigner:
    """Signs CAP messages with one private key and its certificate (PEM bytes).

    Examples
    --------
    >>> CapSigner.configured(None, None) is None  # no key configured: nothing is signed
    True
    """

    key_pem: bytes
    cert_pem: bytes
    _key: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            key = serialization.load_pem_private_key(self.key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise TwinError(
                f"CAP signing key: not an unencrypted PEM private key ({exc})"
            ) from None
        try:
            cert = x509.load_pem_x509_certificate(self.cert_pem)
        except ValueError as exc:
            raise TwinError(
                f"CAP signing certificate: not a PEM X.509 certificate ({exc})"
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise TwinError("CAP signing key: use an RSA or an elliptic-curve key")
        mine = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        theirs = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if mine != theirs:
            raise TwinError("CAP signing key and certificate do not belong together")
        # parsed once: sign() runs on every CAP document served
        object.__setattr__(self, "_key", key)

    @classmethod
    def from_files(cls, key_path: str | Path, cert_path: str | Path) -> CapSigner:
        """Read the PEM key and certificate; a :class:`TwinError` names what is wrong."""
        try:
            return cls(Path(key_path).read_bytes(), Path(cert_path).read_bytes())
        except OSError as exc:
            raise TwinError(f"CAP signing: cannot read {exc.filename}: {exc.strerror}") from None

    @classmethod
    def configured(
        cls, key_path: str | Path | None, cert_path: str | Path | None
    ) -> CapSigner | None:
        """The signer of a key and certificate pair as configured: None when neither is given.

        Raises
        ------
        TwinError
            If only one of them is given, or the files are unreadable or do not match.
        """
        if not key_path and not cert_path:
            return None
        if not key_path or not cert_path:
            raise TwinError(f"set both {KEY_ENV} and {CERT_ENV} (PEM files) to sign CAP")
        return cls.from_files(key_path, cert_path)

    def sign(self, xml: bytes) -> bytes:
        """The message with an enveloped XML-DSig ``Signature`` as the last child of ``alert``.

        A message that is already signed is refused (sign the unsigned message).
        """
        root = _compact(xml)
        if root.find(f"{{{_DS}}}Signature") is not None:
            raise TwinError("this CAP message is already signed")
        key = self._key
        algorithm = (
            SignatureMethod.ECDSA_SHA256
            if isinstance(key, ec.EllipticCurvePrivateKey)
            else SignatureMethod.RSA_SHA256
        )
        signer = XMLSigner(
            signature_algorithm=algorithm,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        signed = signer.sign(root, key=key, cert=self.cert_pem.decode("ascii"))
        return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def verify_cap_signature(xml: bytes, cert_pem: bytes) -> None:
    """Check the signature of a CAP message against the certificate the receiver trusts.

    Raises
    ------
    TwinError
        When the message is not signed, the signature does not verify with ``cert_pem``,
        or the message was changed after signing.
    """
    root = _compact(xml)
    if root.find(f"{{{_DS}}}Signature") is None:
        raise TwinError("the CAP message is not signed")
    try:
        XMLVerifier().verify(root, x509_cert=cert_pem.decode("ascii"))
    except (InvalidSignature, InvalidDigest, InvalidCertificate, InvalidInput) as exc:
        raise TwinError(f"the CAP message's signature does not verify: {exc}") from None
