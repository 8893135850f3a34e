"""The simulated CSMS's report and network-profile actions (harness.sim.csms_reports,
harness.sim.csms_network_profiles): what each sends the station and what it returns."""

from __future__ import annotations

import contextlib

import pytest
from simkit import linked, run

from harness.sim.errors import CallErrorReceived, InvalidParams, UnsupportedAction


def _calls(link, action: str) -> list[dict]:
    return [
        r.frame.payload  # type: ignore[union-attr]
        for r in link.at_station.frames
        if r.action == action and r.is_call
    ]


def test_get_report_sends_criteria_and_component_variables() -> None:
    async def scenario() -> None:
        async with linked("2.0.1", heartbeat_interval=3600) as link:
            await link.booted()
            # the simulated station has no GetReport (a CALLERROR NotSupported): what
            # counts here is the request the CSMS sent
            with contextlib.suppress(CallErrorReceived):
                await link.csms.act(
                    "get_report",
                    {
                        "criteria": ["Available"],
                        "items": [
                            {
                                "component": {"name": "EVSE", "evse": {"id": 1}},
                                "variable": "AvailabilityState",
                            }
                        ],
                    },
                )
            (request,) = _calls(link, "GetReport")
            assert request["componentCriteria"] == ["Available"]
            assert request["componentVariable"] == [
                {
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "AvailabilityState"},
                }
            ]
            assert isinstance(request["requestId"], int) and request["requestId"] >= 0
            link.assert_schema_valid()

    run(scenario())


def test_get_base_report_refuses_an_unknown_base() -> None:
    async def scenario() -> None:
        async with linked("2.0.1", heartbeat_interval=3600) as link:
            await link.booted()
            with pytest.raises(InvalidParams):
                await link.csms.act("get_base_report", {"report_base": "Everything"})

    run(scenario())


def test_set_network_profile_sends_the_slot_and_the_data_over_defaults() -> None:
    async def scenario() -> None:
        async with linked("2.0.1", heartbeat_interval=3600) as link:
            await link.booted()
            answer = await link.csms.act(
                "set_network_profile",
                {"configuration_slot": 1, "network_profile": {"messageTimeout": 45}},
            )
            assert "status" in answer
            (request,) = _calls(link, "SetNetworkProfile")
            assert request["configurationSlot"] == 1
            assert request["connectionData"] == {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": link.csms.url,
                "messageTimeout": 45,
                "securityProfile": 0,
                "ocppInterface": "Wired0",
            }
            with pytest.raises(InvalidParams):
                await link.csms.act("set_network_profile", {"network_profile": {"port": 1}})
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("action", ["get_base_report", "get_report", "set_network_profile"])
def test_the_feature_actions_are_2x_only(action: str) -> None:
    async def scenario() -> None:
        async with linked("1.6", heartbeat_interval=3600) as link:
            await link.booted()
            with pytest.raises(UnsupportedAction):
                await link.csms.act(action, {})

    run(scenario())
