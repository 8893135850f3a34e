"""The start and stop options the defects of harness.sim.csms_tx_options refuse: each
refuses its own kind of TransactionEvent and no other, and without a defect nothing is
refused (the conformant CSMS takes every start and stop option)."""

from __future__ import annotations

import pytest

from harness.sim.csms_tx_options import DEFECTS, refusal


class _Csms:
    def __init__(self, *defects: str) -> None:
        self.defects = set(defects)

    def has(self, name: str) -> bool:
        return name in self.defects


def _event(event: str, trigger: str, **fields) -> dict:
    info = {"transactionId": "TX-1", **fields.pop("info", {})}
    return {
        "eventType": event,
        "timestamp": "2024-01-01T00:00:00Z",
        "triggerReason": trigger,
        "seqNo": 0,
        "transactionInfo": info,
        **fields,
    }


TOKEN = {"idToken": "04A1B2C3D4", "type": "ISO14443"}
SIGNED = [
    {
        "timestamp": "2024-01-01T00:00:00Z",
        "sampledValue": [
            {
                "value": 0.0,
                "context": "Transaction.Begin",
                "signedMeterValue": {
                    "signedMeterData": "AA==",
                    "signingMethod": "ECDSA-secp256r1-SHA256",
                    "encodingMethod": "OCMF",
                    "publicKey": "",
                },
            }
        ],
    }
]

#: an event of each start and stop option the cases send
EVENTS = {
    "cable-start": _event("Started", "CablePluggedIn", info={"chargingState": "EVConnected"}),
    "parking-bay-start": _event("Started", "EVDetected"),
    "token-start": _event("Started", "Authorized", idToken=TOKEN),
    "signed-start": _event("Started", "SignedDataReceived", idToken=TOKEN, meterValue=SIGNED),
    "local-stop": _event("Ended", "StopAuthorized", info={"stoppedReason": "Local"}),
    "stop-without-reason": _event("Ended", "StopAuthorized"),
    "deauthorized-stop": _event("Ended", "Deauthorized", info={"stoppedReason": "DeAuthorized"}),
    "unplug-stop": _event("Ended", "EVCommunicationLost", info={"stoppedReason": "EVDisconnected"}),
    "update": _event("Updated", "ChargingStateChanged", info={"chargingState": "Charging"}),
}

REFUSED = {
    "started-without-token-refused": {"cable-start", "parking-bay-start"},
    "signed-meter-value-refused": {"signed-start"},
    "local-stop-refused": {"local-stop", "stop-without-reason", "deauthorized-stop"},
    "ev-disconnect-stop-refused": {"unplug-stop"},
}


def test_every_defect_of_the_module_is_tried():
    assert set(REFUSED) == {defect.name for defect in DEFECTS}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_defect_refuses_its_events_only(name: str) -> None:
    csms = _Csms(name)
    refused = {kind for kind, event in EVENTS.items() if refusal(csms, event) is not None}
    assert refused == REFUSED[name]
    for kind in refused:
        reply = refusal(csms, EVENTS[kind])
        assert reply is not None and reply.error_code == "InternalError"


def test_the_conformant_csms_refuses_nothing() -> None:
    assert all(refusal(_Csms(), event) is None for event in EVENTS.values())
