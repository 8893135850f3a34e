"""The simulated 2.0.1 CSMS's diagnostics (harness.sim.csms_diagnostics) against the
simulated station: the GetLog and CustomerInformation it sends, and what it keeps of
the station's LogStatusNotification and NotifyCustomerInformation."""

from __future__ import annotations

from typing import Any

import pytest
from simkit import Link, linked, run

from harness.sim.csms_diagnostics import reports_of
from harness.sim.errors import InvalidParams


def _requests(link: Link, action: str) -> list[dict[str, Any]]:
    """The ``action`` CALLs the station received, in order."""
    return [r.payload or {} for r in link.at_station.calls(action, direction="in")]


def test_get_log_is_reported_by_the_station_and_recorded() -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            answer = await link.csms.act("get_log", {"log_type": "SecurityLog"})
            assert answer["status"] == "Accepted" and answer["filename"]
            [request] = _requests(link, "GetLog")
            assert request["logType"] == "SecurityLog" and request["requestId"] == 1
            # the CSMS's own upload URL, in the simulated log server's directory
            assert request["log"]["remoteLocation"].endswith("/logs/")
            await link.at_csms.wait_call("LogStatusNotification", count=2)
            statuses = reports_of(link.csms, "CP1").log_statuses
            assert [(s["status"], s["requestId"]) for s in statuses] == [
                ("Uploading", 1),
                ("Uploaded", 1),
            ]
            link.assert_schema_valid()

    run(scenario())


def test_a_second_get_log_gets_its_own_request_id() -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            await link.csms.act("get_log", {"remote_location": "http://logs.test/logs/a"})
            await link.at_csms.wait_call("LogStatusNotification")  # Uploading
            answer = await link.csms.act("get_log", {})
            assert answer["status"] == "AcceptedCanceled"
            first, second = _requests(link, "GetLog")
            assert first["log"]["remoteLocation"] == "http://logs.test/logs/a"
            assert (first["requestId"], second["requestId"]) == (1, 2)
            await link.at_csms.wait_for(
                lambda _: len(reports_of(link.csms, "CP1").log_statuses) >= 4, 3
            )
            statuses = reports_of(link.csms, "CP1").log_statuses
            assert ("AcceptedCanceled", 1) in [(s["status"], s["requestId"]) for s in statuses]
            assert statuses[-1] == {"status": "Uploaded", "requestId": 2}
            link.assert_schema_valid()

    run(scenario())


def test_customer_information_names_one_customer_and_takes_the_report() -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            params = {"token": "04A1B2C3D4", "token_type": "ISO14443", "clear": "true"}
            answer = await link.csms.act("customer_information", params)
            assert answer["status"] == "Accepted"
            [request] = _requests(link, "CustomerInformation")
            assert request == {
                "requestId": 1,
                "report": True,
                "clear": True,
                "idToken": {"idToken": "04A1B2C3D4", "type": "ISO14443"},
            }
            await link.at_csms.wait_call("NotifyCustomerInformation")
            parts = reports_of(link.csms, "CP1").customer_parts
            assert parts and all(p["requestId"] == 1 for p in parts)
            await link.csms.act("customer_information", {"customer_identifier": "OCA"})
            second = _requests(link, "CustomerInformation")[-1]
            assert second["customerIdentifier"] == "OCA" and "idToken" not in second
            assert second["requestId"] == 2
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize(
    "params",
    [{}, {"token": "04A1B2C3D4", "report": "maybe"}],
    ids=["no-customer", "bad-flag"],
)
def test_customer_information_refuses_what_it_cannot_send(params: dict[str, Any]) -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            with pytest.raises(InvalidParams):
                await link.csms.act("customer_information", params)
            assert _requests(link, "CustomerInformation") == []

    run(scenario())
