"""The simulated 2.0.1 station's meter (harness/sim/meter_values_v201.py): what each
TransactionEvent of a transaction carries as SampledDataCtrlr and AlignedDataCtrlr say,
and signed readings a CSMS can verify with the public key they come with."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from simkit import linked, run

VERSION = "2.0.1"


def _item(component: str, name: str, value: str) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": name}, "attributeValue": value}


async def _configure(link: Any, *items: dict[str, Any]) -> None:
    answer = await link.csms.act(
        "call", {"action": "SetVariables", "payload": {"setVariableData": list(items)}}
    )
    assert {r["attributeStatus"] for r in answer["setVariableResult"]} == {"Accepted"}


def _contexts(value: dict[str, Any]) -> set[str]:
    return {s["context"] for s in value["sampledValue"]}


async def _transaction(link: Any, *settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Configure ``settings``, charge until three periodic readings came (1 s interval,
    scaled), stop by the token: the transaction's events."""
    await link.booted()
    await _configure(link, _item("SampledDataCtrlr", "TxUpdatedInterval", "1"), *settings)
    await link.station.act("plug_in", {"evse": 1, "connector": 1})
    await link.station.act("present_token", {"token": "TOKEN1"})

    def periodic() -> int:
        return sum(
            p["triggerReason"] == "MeterValuePeriodic"
            for p in link.sent_by_station("TransactionEvent")
        )

    await link.at_csms.wait_for(lambda _: periodic() >= 3, 3)
    await link.station.act("present_token", {"token": "TOKEN1"})

    def ended() -> bool:
        return any(p["eventType"] == "Ended" for p in link.sent_by_station("TransactionEvent"))

    await link.at_csms.wait_for(lambda _: ended(), 3)
    link.assert_schema_valid()
    return link.sent_by_station("TransactionEvent")


def test_each_event_carries_its_configured_readings() -> None:
    async def scenario() -> None:
        async with linked(VERSION, heartbeat_interval=3600) as link:
            events = await _transaction(
                link,
                _item("SampledDataCtrlr", "TxEndedInterval", "1"),
                _item(
                    "SampledDataCtrlr",
                    "TxUpdatedMeasurands",
                    "Energy.Active.Import.Register,Voltage",
                ),
            )
        started = events[0]
        assert started["eventType"] == "Started"
        assert [_contexts(v) for v in started["meterValue"]] == [{"Transaction.Begin"}]
        periodic = [e for e in events if e["triggerReason"] == "MeterValuePeriodic"]
        for event in periodic:
            (value,) = event["meterValue"]
            assert _contexts(value) == {"Sample.Periodic"}
            assert {s["measurand"] for s in value["sampledValue"]} == {
                "Energy.Active.Import.Register",
                "Voltage",
            }
        ended = events[-1]
        contexts = [_contexts(v) for v in ended["meterValue"]]
        # readings taken during the transaction, then the one of its end
        assert contexts[-1] == {"Transaction.End"}
        assert len(contexts) >= 3 and all(c == {"Sample.Periodic"} for c in contexts[:-1])
        stamps = [v["timestamp"] for v in ended["meterValue"]]
        assert stamps == sorted(stamps)
        # the energy register only grows
        energy = [v["sampledValue"][0]["value"] for v in ended["meterValue"]]
        assert energy == sorted(energy) and energy[-1] > energy[0]

    run(scenario())


def test_signed_readings_verify_with_their_public_key() -> None:
    async def scenario() -> None:
        async with linked(VERSION, heartbeat_interval=3600) as link:
            events = await _transaction(link, _item("SampledDataCtrlr", "SignReadings", "true"))
        signed = [
            s["signedMeterValue"]
            for e in events
            for v in e.get("meterValue", [])
            for s in v["sampledValue"]
        ]
        assert signed, "no signed reading"
        for value in signed:
            assert value["signingMethod"] == "ECDSA-secp256r1-SHA256"
            assert value["encodingMethod"] == "OCMF"
            key = serialization.load_der_public_key(base64.b64decode(value["publicKey"]))
            assert isinstance(key, ec.EllipticCurvePublicKey)
            marker, data, signature = base64.b64decode(value["signedMeterData"]).decode().split("|")
            assert marker == "OCMF"
            key.verify(
                bytes.fromhex(json.loads(signature)["SD"]), data.encode(), ec.ECDSA(hashes.SHA256())
            )

    run(scenario())


def test_public_key_never_sent_when_the_station_is_told_so() -> None:
    async def scenario() -> None:
        async with linked(VERSION, heartbeat_interval=3600) as link:
            events = await _transaction(
                link,
                _item("SampledDataCtrlr", "SignReadings", "true"),
                _item("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue", "Never"),
            )
        keys = {
            s["signedMeterValue"]["publicKey"]
            for e in events
            for v in e.get("meterValue", [])
            for s in v["sampledValue"]
        }
        assert keys == {""}

    run(scenario())
