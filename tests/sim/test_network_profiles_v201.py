"""The simulated 2.0.1 station's network connection profiles (B09, B10): it migrates to
the CSMS a new profile and priority name at its next start, tries each profile
NetworkProfileConnectionAttempts times, and falls back to the one it last connected
with when every profile has failed."""

from __future__ import annotations

from typing import Any

from simkit import FAST, linked, run

from harness.sim import SimCsms

VERSION = "2.0.1"


def _variable(name: str, value: str) -> dict[str, Any]:
    return {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": name},
        "attributeValue": value,
    }


async def _call(csms: SimCsms, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    return await csms.act("call", {"action": action, "payload": payload})


async def _set(csms: SimCsms, name: str, value: str) -> str:
    answer = await _call(csms, "SetVariables", {"setVariableData": [_variable(name, value)]})
    return str(answer["setVariableResult"][0]["attributeStatus"])


async def _active(csms: SimCsms) -> str:
    """The station's OCPPCommCtrlr.ActiveNetworkProfile (the slot it is connected with)."""
    item = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "ActiveNetworkProfile"}}
    answer = await _call(csms, "GetVariables", {"getVariableData": [item]})
    return str(answer["getVariableResult"][0]["attributeValue"])


def _profile(url: str) -> dict[str, Any]:
    return {
        "configurationSlot": 1,
        "connectionData": {
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": url,
            "messageTimeout": 30,
            "securityProfile": 0,
            "ocppInterface": "Wired0",
        },
    }


def test_a_priority_naming_an_empty_slot_is_rejected() -> None:
    async def scenario() -> None:
        async with linked(VERSION, heartbeat_interval=3600) as link:
            await link.booted()
            assert await _set(link.csms, "NetworkConfigurationPriority", "1,0") == "Rejected"
            assert await _set(link.csms, "NetworkConfigurationPriority", "0,0") == "Rejected"
            assert await _set(link.csms, "NetworkConfigurationPriority", "0") == "Accepted"

    run(scenario())


def test_after_a_reset_the_station_connects_to_the_new_first_profile() -> None:
    """The new profile and priority count from the next start; ActiveNetworkProfile
    names the slot in use before and after."""

    async def scenario() -> None:
        other = SimCsms(VERSION, timers=FAST, heartbeat_interval=3600)
        await other.start()
        try:
            async with linked(VERSION, heartbeat_interval=3600) as link:
                await link.booted()
                assert await _active(link.csms) == "0"
                answer = await _call(link.csms, "SetNetworkProfile", _profile(other.url))
                assert answer == {"status": "Accepted"}
                assert await _set(link.csms, "NetworkConfigurationPriority", "1,0") == "Accepted"
                # the new order counts from the next start only
                assert link.station.url.startswith(link.csms.url)
                await _call(link.csms, "Reset", {"type": "OnIdle"})
                await other.wait_until(lambda: "CP1" in other.stations, 2)
                await link.station.wait_until(lambda: link.station.accepted.is_set(), 2)
                assert link.station.url.startswith(other.url)
                assert await _active(other) == "1"  # the slot it uses now (errata 6.2.17)
        finally:
            await other.stop()

    run(scenario())


def test_every_profile_failing_it_falls_back_to_the_one_it_last_connected_with() -> None:
    """The new profile's CSMS is unreachable: NetworkProfileConnectionAttempts attempts
    there, then the old profile, where it connects and boots again."""

    async def scenario() -> None:
        gone = SimCsms(VERSION, timers=FAST)
        await gone.start()
        unreachable = gone.url
        await gone.stop()  # nothing listens there any more
        async with linked(VERSION, heartbeat_interval=3600) as link:
            await link.booted()
            await _call(link.csms, "SetNetworkProfile", _profile(unreachable))
            assert await _set(link.csms, "NetworkProfileConnectionAttempts", "2") == "Accepted"
            assert await _set(link.csms, "NetworkConfigurationPriority", "1,0") == "Accepted"
            connections = link.station.connections
            await _call(link.csms, "Reset", {"type": "OnIdle"})
            await link.station.wait_until(
                lambda: link.station.connections > connections and link.station.accepted.is_set(),
                3,
            )
            assert link.station.url.startswith(link.csms.url)
            assert link.station.behaviour.network.last_connected == 0

    run(scenario())
