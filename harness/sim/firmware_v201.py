"""Firmware update of the simulated 2.0.1 station (Part 2 block L, use case L01):
UpdateFirmware.

The simulator downloads and installs nothing: an UpdateFirmware is Accepted, the
download waits for retrieveDateTime (DownloadScheduled, L01.FR.13), lasts
:data:`DOWNLOAD_SECONDS` (Downloading, then Downloaded), the signature counts as
verified when one was given (SignatureVerified), and the installation needs no reboot
(Installing, Installed, L01.FR.28, then the security event FirmwareUpdated, L01.FR.31).
Every report carries the request's requestId (L01.FR.10). The signing certificate is
not checked (L01.FR.21 is beyond this model). The last status sent is what a
FirmwareStatusNotification trigger reports (L01.FR.25/.26,
:mod:`harness.sim.remote_control_v201`). Requirement ids are from OCPP 2.0.1 Part 2.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from harness.sim.blocks import Block
from harness.sim.declare import V201
from harness.sim.peer import Reply
from harness.sim.util import utc_now

__all__ = ["BLOCK", "DOWNLOAD_SECONDS", "FirmwareUpdates"]

#: how long the simulated download lasts: longer than the embedded response timeout (1 s),
#: so that a trigger answered but not carried out cannot pass for the next status
DOWNLOAD_SECONDS = 1.5

Send = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class FirmwareUpdates:
    """The station's firmware update: the one in progress and the status last sent."""

    send: Send
    request_id: int | None = None
    last_status: str | None = None

    def status_report(self) -> dict[str, Any]:
        """The FirmwareStatusNotification a trigger asks for: Idle when none ran or the
        last one was Installed (F06.FR.16, L01.FR.25), else the last status sent with
        its requestId (L01.FR.26)."""
        if self.last_status in (None, "Installed"):
            return {"status": "Idle"}
        return {"status": self.last_status, "requestId": self.request_id}

    async def report(self, request_id: int, status: str) -> None:
        """Send ``status`` for update ``request_id``, unless a newer update replaced it."""
        if self.request_id != request_id:
            return
        self.last_status = status
        await self.send("FirmwareStatusNotification", {"status": status, "requestId": request_id})

    async def run(self, request_id: int, firmware: dict[str, Any]) -> None:
        wait = _seconds_until(firmware["retrieveDateTime"])
        if wait > 0:
            await self.report(request_id, "DownloadScheduled")  # L01.FR.13
            await asyncio.sleep(wait)
        await self.report(request_id, "Downloading")
        await asyncio.sleep(DOWNLOAD_SECONDS)  # the transfer itself
        steps = ["Downloaded"]
        if "signature" in firmware:
            steps.append("SignatureVerified")  # L01.FR.04
        for status in [*steps, "Installing", "Installed"]:
            await self.report(request_id, status)
        if self.request_id == request_id:
            event = {"type": "FirmwareUpdated", "timestamp": utc_now()}
            await self.send("SecurityEventNotification", event)  # L01.FR.31


def _seconds_until(when: str) -> float:
    moment = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - dt.datetime.now(dt.UTC)).total_seconds()


async def update_firmware(updates: FirmwareUpdates, payload: dict[str, Any]) -> Reply:
    """L01: take the update (answered first), then report each step of it."""
    replaced = updates.request_id is not None and updates.last_status != "Installed"
    request_id = int(payload["requestId"])
    updates.request_id = request_id
    updates.last_status = None

    async def start() -> None:
        await updates.run(request_id, dict(payload["firmware"]))

    # L01.FR.24: a new update cancels the one in progress
    return Reply({"status": "AcceptedCanceled" if replaced else "Accepted"}, after=start)


BLOCK: Block[FirmwareUpdates] = Block("firmware", V201, {"UpdateFirmware": update_firmware})
