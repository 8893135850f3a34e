"""The simulated 2.0.1 station's trust store: InstallCertificate, GetInstalledCertificateIds,
DeleteCertificate (M03-M05).

The station keeps the root certificates the CSMS installs, by certificate type, and
names them by their hash data (harness.certificates). It starts empty: the simulator
uses security profiles 0 and 1, which need no CSMS root. A certificate it cannot read,
that is not valid now or that is not a CA certificate (every type InstallCertificate
takes is a root) is invalid and Rejected (M05.FR.07); a full store is Rejected too
(M05.FR.06). Requirement ids are from OCPP 2.0.1 Part 2.

Not simulated: AdditionalRootCertificateCheck (M05.FR.09-.16, for security profiles 2
and 3) and the station's own certificates (A02/A03), so V2GCertificateChain is always
NotFound and M04.FR.06 cannot arise.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from harness.certificates import HASH_ALGORITHMS, hash_data, load_certificate, same_certificate
from harness.sim.blocks import Block, Handler
from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

__all__ = ["BLOCK", "DEFECTS", "MAX_CERTIFICATES", "Certificates"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # Certificates.install
    Defect(
        "install-certificate-failed",
        "station",
        V201,
        "answers InstallCertificate Failed for a valid root certificate",
        "M05.FR.02",
    ),
    # Certificates.hash_chain
    Defect(
        "certificate-ids-omit-installed",
        "station",
        V201,
        "answers GetInstalledCertificateIds NotFound although certificates are installed",
        "M03.FR.03",
    ),
    # Certificates.delete
    Defect(
        "delete-certificate-not-found",
        "station",
        V201,
        "answers DeleteCertificate NotFound for a certificate it has installed, and keeps it",
        "M04.FR.02",
    ),
)


#: how many certificates the store holds (SecurityCtrlr.CertificateEntries' maxLimit)
MAX_CERTIFICATES = 16


@dataclass
class _Stored:
    certificate_type: str
    certificate: x509.Certificate


def _invalid(certificate: x509.Certificate) -> bool:
    """Not valid now, or not a CA certificate."""
    now = _dt.datetime.now(_dt.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return True
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return True
    return not constraints.value.ca


class Certificates:
    """The installed certificates and the answers to the CSMS's requests about them."""

    def __init__(self, has: Callable[[str], bool]) -> None:
        self._has = has
        self._stored: list[_Stored] = []

    def __len__(self) -> int:
        return len(self._stored)

    def install(self, certificate_type: str, pem: str) -> str:
        """The status of an InstallCertificateResponse (M05.FR.01)."""
        try:
            certificate = load_certificate(pem)
        except ValueError:
            return "Rejected"  # M05.FR.07: not a certificate
        if _invalid(certificate):
            return "Rejected"  # M05.FR.07
        if self._has("install-certificate-failed"):
            return "Failed"
        # M05.FR.17: the same certificate again replaces the stored one
        self._stored = [s for s in self._stored if s.certificate != certificate]
        if len(self._stored) >= MAX_CERTIFICATES:
            return "Rejected"  # M05.FR.06
        self._stored.append(_Stored(certificate_type, certificate))
        return "Accepted"  # M05.FR.02

    def hash_chain(self, types: list[str] | None) -> list[dict[str, Any]]:
        """CertificateHashDataChainType items for the stored certificates of ``types``
        (all when None), hashed with SHA256 (M03.FR.04)."""
        if self._has("certificate-ids-omit-installed"):
            return []
        return [
            {"certificateType": s.certificate_type, "certificateHashData": hash_data(s.certificate)}
            for s in self._stored
            if types is None or s.certificate_type in types
        ]

    def delete(self, wanted: Mapping[str, Any]) -> str:
        """The status of a DeleteCertificateResponse (M04.FR.01)."""
        if wanted.get("hashAlgorithm") not in HASH_ALGORITHMS:
            return "NotFound"
        algorithm = str(wanted["hashAlgorithm"])
        for stored in self._stored:
            if same_certificate(hash_data(stored.certificate, algorithm), dict(wanted)):
                if self._has("delete-certificate-not-found"):
                    return "NotFound"
                self._stored.remove(stored)
                return "Accepted"  # M04.FR.02
        return "NotFound"  # M04.FR.04

    # -- the CSMS's requests ----------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        """This keeper's calls (:data:`BLOCK`), bound to it."""
        return dict(BLOCK.bind(self).handlers)

    async def _install_certificate(self, payload: dict[str, Any]) -> Reply:
        return Reply({"status": self.install(payload["certificateType"], payload["certificate"])})

    async def _get_installed_certificate_ids(self, payload: dict[str, Any]) -> Reply:
        chain = self.hash_chain(payload.get("certificateType"))
        if not chain:
            return Reply({"status": "NotFound"})  # M03.FR.02
        return Reply({"status": "Accepted", "certificateHashDataChain": chain})  # M03.FR.03/.04

    async def _delete_certificate(self, payload: dict[str, Any]) -> Reply:
        return Reply({"status": self.delete(payload["certificateHashData"])})


BLOCK: Block[Certificates] = Block(
    "security",
    V201,
    {
        "InstallCertificate": Certificates._install_certificate,
        "GetInstalledCertificateIds": Certificates._get_installed_certificate_ids,
        "DeleteCertificate": Certificates._delete_certificate,
    },
)
