"""The simulated station's ChangeAvailability while a transaction runs, in both versions.

Where a transaction runs the change waits for its end (Scheduled: 2.0.1 G03.FR.05,
G04.FR.06; 1.6 §5.2), the idle connectors change at once, an Operative request cancels
what waits, and the availability set survives a restart (G03.FR.08, G04.FR.09). The
catalog's G cases drive the common path; these show the parts no conformant case run
reaches on a one-EVSE station (the other EVSE, a cancelled change).
"""

from __future__ import annotations

from typing import Any

import pytest
from simkit import Link, linked, run

VERSIONS = ["1.6", "2.0.1"]

#: two EVSEs (1.6: two connectors), a transaction to run on the first
LAYOUT = [(1, [1]), (2, [1])]


async def _inoperative(link: Link, operative: bool = False) -> str:
    """ChangeAvailability for the whole station; its status."""
    if link.version.value == "1.6":
        kind = "Operative" if operative else "Inoperative"
        payload: dict[str, Any] = {"connectorId": 0, "type": kind}
    else:
        payload = {"operationalStatus": "Operative" if operative else "Inoperative"}
    answer = await link.csms.act("call", {"action": "ChangeAvailability", "payload": payload})
    return str(answer["status"])


async def _charging(link: Link) -> None:
    """A transaction runs on EVSE 1: the cable in, the token presented."""
    await link.station.act("plug_in", {"evse": 1, "connector": 1})
    started = await link.station.act("present_token", {"evse": 1})
    assert started["transaction"] == "started"


def _status(version: str, payload: dict[str, Any]) -> str:
    return str(payload["status" if version == "1.6" else "connectorStatus"])


def _operative(link: Link) -> dict[int, bool]:
    return {evse: c.operative for (evse, _), c in sorted(link.station.connectors.items())}


@pytest.mark.parametrize("version", VERSIONS)
def test_inoperative_waits_for_the_transaction(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, evses=LAYOUT, heartbeat_interval=3600) as link:
            await link.booted()
            await _charging(link)
            assert await _inoperative(link) == "Scheduled"
            # the idle EVSE now, the charging one at the end of its transaction
            assert _operative(link) == {1: True, 2: False}
            stopped = await link.station.act("present_token", {"evse": 1})
            assert stopped["transaction"] == "stopped"
            await link.station.wait_until(lambda: _operative(link) == {1: False, 2: False})
            unplugged = await link.station.act("unplug", {"evse": 1, "connector": 1})
            assert unplugged["status"] == "Unavailable"
            # set explicitly, so kept across a restart: every report after it Unavailable
            before = len(link.reports())
            await link.station.act("reboot", {})
            await link.station.wait_until(lambda: link.station.boots_accepted == 2)
            count = before + link.statuses_after_boot()
            await link.at_csms.wait_for(lambda _: len(link.reports()) >= count, 2)
            assert {_status(link.version.value, p) for _, p in link.reports()[before:]} == {
                "Unavailable"
            }
            link.assert_schema_valid()

    run(scenario())


@pytest.mark.parametrize("version", VERSIONS)
def test_operative_cancels_what_waits(version: str) -> None:
    async def scenario() -> None:
        async with linked(version, evses=LAYOUT, heartbeat_interval=3600) as link:
            await link.booted()
            await _charging(link)
            assert await _inoperative(link) == "Scheduled"
            assert await _inoperative(link, operative=True) == "Accepted"
            assert _operative(link) == {1: True, 2: True}
            stopped = await link.station.act("present_token", {"evse": 1})
            assert stopped["transaction"] == "stopped"
            unplugged = await link.station.act("unplug", {"evse": 1, "connector": 1})
            assert unplugged["status"] == "Available"
            assert _operative(link) == {1: True, 2: True}
            link.assert_schema_valid()

    run(scenario())
