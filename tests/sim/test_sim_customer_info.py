"""The simulated 2.0.1 station's customer information (N09, N10): what it holds about a
token or a customerIdentifier, reported part by part, cleared but for the local list,
and the answers to requests it refuses (the paths no catalog case takes)."""

from __future__ import annotations

from typing import Any

from simkit import Link, linked, run

TOKEN = {"idToken": "04A1B2C3D4", "type": "ISO14443"}


async def _ask(link: Link, request_id: int, **payload: Any) -> str:
    payload = {"requestId": request_id, "report": True, "clear": False, **payload}
    answer = await link.csms.act("call", {"action": "CustomerInformation", "payload": payload})
    return str(answer["status"])


async def _parts(link: Link, request_id: int) -> list[dict[str, Any]]:
    """The NotifyCustomerInformation parts of ``request_id``, once the last is in."""

    def parts() -> list[dict[str, Any]]:
        return [
            p
            for p in link.sent_by_station("NotifyCustomerInformation")
            if p["requestId"] == request_id
        ]

    await link.at_csms.wait_for(lambda _: any(not p.get("tbc") for p in parts()), 2)
    return parts()


def test_a_token_is_reported_cleared_and_then_not_found() -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            await link.station.act("plug_in", {"evse": 1, "connector": 1})
            await link.station.act("present_token", {})  # Authorize: the cache keeps it
            await link.at_csms.wait_call("TransactionEvent", count=2)
            assert await _ask(link, 1, idToken=TOKEN) == "Accepted"  # N09.FR.02
            parts = await _parts(link, 1)
            # N09.FR.05: one part per thing held, numbered, tbc on all but the last
            assert [p["seqNo"] for p in parts] == [0, 1]
            assert [p.get("tbc", False) for p in parts] == [True, False]
            assert "authorization cache entry, status Accepted" in parts[0]["data"]
            assert "transaction" in parts[1]["data"]
            assert await _ask(link, 2, idToken=TOKEN, clear=True) == "Accepted"  # N10.FR.01
            cleared = await _parts(link, 2)
            assert [p["data"] for p in cleared] == [p["data"] for p in parts]  # N10.FR.03
            assert await _ask(link, 3, idToken=TOKEN) == "Accepted"
            # N09.FR.06: nothing is left, one part with empty data says so
            assert [(p["seqNo"], p["data"], p.get("tbc")) for p in await _parts(link, 3)] == [
                (0, "", None)
            ]
            link.assert_schema_valid()

    run(scenario())


def test_a_clear_keeps_the_local_list_entry_and_is_confirmed_without_report() -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            update = {
                "versionNumber": 1,
                "updateType": "Full",
                "localAuthorizationList": [
                    {"idToken": TOKEN, "idTokenInfo": {"status": "Accepted"}}
                ],
            }
            sent = await link.csms.act("call", {"action": "SendLocalList", "payload": update})
            assert sent == {"status": "Accepted"}
            assert await _ask(link, 1, idToken=TOKEN, clear=True, report=False) == "Accepted"
            # N10.FR.06: one message, saying the data is cleared
            assert [p["data"] for p in await _parts(link, 1)] == ["customer data cleared"]
            assert await _ask(link, 2, idToken=TOKEN) == "Accepted"
            # N10.FR.03: the list is the CSMS's to change, so its entry is still held
            [entry] = await _parts(link, 2)
            assert "local authorization list entry, status Accepted" in entry["data"]
            link.assert_schema_valid()

    run(scenario())


def test_a_customer_identifier_an_operator_stored() -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            identifier = {"customerIdentifier": "CUSTOMER-7"}
            assert await _ask(link, 1, **identifier) == "Accepted"
            assert [p["data"] for p in await _parts(link, 1)] == [""]  # nothing stored yet
            stored = await link.station.act(
                "store_customer_identifier", {"customer_identifier": "CUSTOMER-7"}
            )
            assert stored == {"customer_identifier": "CUSTOMER-7"}
            assert await _ask(link, 2, clear=True, **identifier) == "Accepted"
            [part] = await _parts(link, 2)
            assert "CUSTOMER-7" in part["data"]
            assert await _ask(link, 3, **identifier) == "Accepted"
            assert [p["data"] for p in await _parts(link, 3)] == [""]  # cleared
            link.assert_schema_valid()

    run(scenario())


def test_requests_it_refuses() -> None:
    async def scenario() -> None:
        async with linked("2.0.1") as link:
            await link.booted()
            # N09.FR.09: exactly one reference to the customer
            assert await _ask(link, 1) == "Invalid"
            assert await _ask(link, 2, idToken=TOKEN, customerIdentifier="C") == "Invalid"
            # N09.FR.07: neither report nor clear is not worth carrying out
            assert await _ask(link, 3, idToken=TOKEN, report=False) == "Rejected"
            assert link.sent_by_station("NotifyCustomerInformation") == []
            link.assert_schema_valid()

    run(scenario())
