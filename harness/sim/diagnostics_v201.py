"""Log upload of the simulated 2.0.1 station (Part 2 block N, use case N01): GetLog.

The simulator keeps no log and uploads nothing anywhere: a GetLog is Accepted with a
file name (N01.FR.01), the upload is reported Uploading (N01.FR.08) and, after
:data:`UPLOAD_SECONDS`, Uploaded (N01.FR.09), each report with the request's requestId
(N01.FR.07). A new GetLog during an upload cancels it (N01.FR.12/.20). The upload in
progress is what a LogStatusNotification trigger reports (F06.FR.14/.15,
:mod:`harness.sim.remote_control_v201`). Requirement ids are from OCPP 2.0.1 Part 2.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from harness.sim.blocks import Block
from harness.sim.declare import V201
from harness.sim.peer import Reply

__all__ = ["BLOCK", "UPLOAD_SECONDS", "LogUploads"]

#: how long the simulated upload lasts: longer than the embedded response timeout (1 s),
#: so that a trigger answered but not carried out cannot pass for the end of the upload
UPLOAD_SECONDS = 1.5

Send = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class LogUploads:
    """The station's log upload: at most one at a time, named by its requestId."""

    send: Send
    #: the requestId of the upload in progress, None when none runs
    request_id: int | None = None

    def status_report(self) -> dict[str, Any]:
        """The LogStatusNotification a trigger asks for: Uploading with the requestId
        while an upload runs (F06.FR.14), else Idle without one (F06.FR.15, N01.FR.13)."""
        if self.request_id is None:
            return {"status": "Idle"}
        return {"status": "Uploading", "requestId": self.request_id}

    async def upload(self, request_id: int) -> None:
        """Report the upload's start, let it run, report its end (unless cancelled)."""
        await self.send("LogStatusNotification", {"status": "Uploading", "requestId": request_id})
        await asyncio.sleep(UPLOAD_SECONDS)  # the transfer itself
        if self.request_id == request_id:
            self.request_id = None
            await self.send(
                "LogStatusNotification", {"status": "Uploaded", "requestId": request_id}
            )


async def get_log(uploads: LogUploads, payload: dict[str, Any]) -> Reply:
    """N01: start uploading the requested log (answered first, then reported)."""
    cancelled = uploads.request_id
    request_id = int(payload["requestId"])
    uploads.request_id = request_id
    name = "security.log" if payload["logType"] == "SecurityLog" else "diagnostics.log"

    async def start() -> None:
        if cancelled is not None:  # N01.FR.20
            await uploads.send(
                "LogStatusNotification", {"status": "AcceptedCanceled", "requestId": cancelled}
            )
        await uploads.upload(request_id)

    status = "Accepted" if cancelled is None else "AcceptedCanceled"  # N01.FR.01/.12
    return Reply({"status": status, "filename": name}, after=start)


BLOCK: Block[LogUploads] = Block("diagnostics", V201, {"GetLog": get_log})
