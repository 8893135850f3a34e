"""Signed meter values (2.0.1 J01.FR.21, J02.FR.21): one sampled value, signed.

Both stations sign their readings the same way, the simulated one and the harness's own
(harness.steps.station_meter): the reading as OCMF-like text, signed with the station's
ECDSA P-256 key, and the public key as base64 DER. Pure: a key and a value in, the
signedMeterValue out.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = ["ENCODING_METHOD", "SIGNING_METHOD", "new_key", "public_key_text", "signed_meter_value"]

SIGNING_METHOD = "ECDSA-secp256r1-SHA256"
ENCODING_METHOD = "OCMF"


def new_key() -> ec.EllipticCurvePrivateKey:
    """A station's signing key (made once, on its first signed reading)."""
    return ec.generate_private_key(ec.SECP256R1())


def public_key_text(key: ec.EllipticCurvePrivateKey) -> str:
    """The publicKey field: the key's SubjectPublicKeyInfo, DER, base64."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def signed_meter_value(
    key: ec.EllipticCurvePrivateKey,
    value: dict[str, Any],
    *,
    evse: int,
    timestamp: str,
    public_key: str,
) -> dict[str, str]:
    """The signedMeterValue of sampled value ``value`` read on ``evse`` at
    ``timestamp``; ``public_key`` as the station sends it with this value (it may send
    it empty, OCPPCommCtrlr.PublicKeyWithSignedMeterValue)."""
    data = json.dumps(
        {
            "TM": timestamp,
            "EV": evse,
            "RD": [
                {
                    "RV": value["value"],
                    "RI": value["measurand"],
                    "RU": value["unitOfMeasure"]["unit"],
                    "CX": value["context"],
                }
            ],
        },
        separators=(",", ":"),
    )
    signature = key.sign(data.encode(), ec.ECDSA(hashes.SHA256()))
    text = f"OCMF|{data}|{json.dumps({'SA': SIGNING_METHOD, 'SD': signature.hex()})}"
    return {
        "signedMeterData": base64.b64encode(text.encode()).decode(),
        "signingMethod": SIGNING_METHOD,
        "encodingMethod": ENCODING_METHOD,
        "publicKey": public_key,
    }
