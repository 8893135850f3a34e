"""X.509 helpers for the certificate messages of OCPP 2.x (M03-M05), shared by both sides.

A CSMS names an installed certificate by its *hash data* (Part 2 CertificateHashDataType):
the hashes of the issuer's name and public key and the serial number, the three parts of
an OCSP CertID (RFC 6960). The harness needs them to find the certificate it installed in
a station's GetInstalledCertificateIds answer and to delete it again; the simulated
station needs them to answer those requests. Both compute them here, so the two cannot
drift apart. The hashes come from ``cryptography``'s OCSP request builder, which computes
exactly that CertID.

:func:`throwaway_root_pem` makes a throw-away root CA (``trustme``): something valid to
install when a case does not bring its own certificate.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

__all__ = [
    "HASH_ALGORITHMS",
    "hash_data",
    "load_certificate",
    "same_certificate",
    "throwaway_root_pem",
]

#: HashAlgorithmEnumType -> the hash
HASH_ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}


def load_certificate(pem: str) -> x509.Certificate:
    """The first certificate of a PEM text; ``ValueError`` when there is none."""
    return x509.load_pem_x509_certificate(pem.encode("ascii", errors="replace"))


def hash_data(
    certificate: x509.Certificate,
    algorithm: str = "SHA256",
    *,
    issuer: x509.Certificate | None = None,
) -> dict[str, str]:
    """The CertificateHashDataType of ``certificate`` (issued by ``issuer``; a root is
    its own issuer): lower-case hex hashes, the serial number in hex without leading
    zeros, as Part 2 writes them."""
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, issuer or certificate, HASH_ALGORITHMS[algorithm]())
        .build()
    )
    return {
        "hashAlgorithm": algorithm,
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(certificate.serial_number, "x"),
    }


def same_certificate(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Do two hash data name the same certificate? Hex is compared without regard to
    case and the serial number without leading zeros, which some stations keep."""

    def key(data: dict[str, Any]) -> tuple[str, ...]:
        return (
            str(data.get("hashAlgorithm", "")),
            str(data.get("issuerNameHash", "")).lower(),
            str(data.get("issuerKeyHash", "")).lower(),
            str(data.get("serialNumber", "")).lower().lstrip("0"),
        )

    return key(left) == key(right)


def throwaway_root_pem(organization: str = "ocpp-harness test CA") -> str:
    """A fresh self-signed root certificate (PEM) that nothing trusts: safe to install
    on a device under test and to delete again."""
    import trustme

    return trustme.CA(organization_name=organization).cert_pem.bytes().decode("ascii")
