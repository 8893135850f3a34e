"""Log upload of the simulated 2.0.1 station (Part 2 block N, use case N01): GetLog.

A GetLog is Accepted with the name of the file (N01.FR.01) and the station starts one
upload to the request's location (N01.FR.02): Uploading (N01.FR.08), then Uploaded
when the transfer succeeds (N01.FR.09) or, once every attempt has failed, UploadFailure
(N01.FR.10). A failed attempt is tried again ``retries`` times, ``retryInterval``
seconds apart (the request's; without them no retry). Every report carries the
request's requestId (N01.FR.07, N01.FR.13). A new GetLog during an upload cancels it:
AcceptedCanceled in the answer (N01.FR.12) and in a LogStatusNotification for the old
request (N01.FR.20). The upload in progress is what a LogStatusNotification trigger
reports (F06.FR.14/.15, :mod:`harness.sim.remote_control_v201`).

The simulator keeps no log and opens no connection: its transfer is a model of one to
a log server that has the directories :data:`LOG_SERVER_DIRECTORIES` on any host. An
upload into one of them succeeds after :data:`UPLOAD_SECONDS`; any other path does not
exist on that server, so the attempt fails at once (as an HTTP 404 would). So both
outcomes are reachable from the location alone, the runs stay fast and need no server,
and the simulator run as its own process behaves the same with a fixed profile. Part 6
checks only the notifications, never the file. Option ``log-status-every-attempt``
reports each attempt of a failing upload (Uploading, UploadFailure), which N01.FR.10
allows. Requirement ids are from OCPP 2.0.1 Part 2.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harness.sim.blocks import Block
from harness.sim.declare import V201, Defect, declare
from harness.sim.peer import Reply

__all__ = ["BLOCK", "DEFECTS", "LOG_SERVER_DIRECTORIES", "UPLOAD_SECONDS", "LogUploads"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # get_log
    Defect(
        "get-log-no-filename",
        "station",
        V201,
        "answers a GetLog for a log it has Accepted without the name of the file",
        "N01.FR.01",
    ),
    # LogUploads.report
    Defect(
        "log-no-uploading-status",
        "station",
        V201,
        "starts a log upload without reporting it Uploading",
        "N01.FR.08",
    ),
    # LogUploads._run
    Defect(
        "log-uploaded-not-reported",
        "station",
        V201,
        "says nothing when a log upload has succeeded (no Uploaded)",
        "N01.FR.09",
    ),
    # LogUploads._run
    Defect(
        "log-failure-reported-uploaded",
        "station",
        V201,
        "reports a log upload whose every attempt failed as Uploaded",
        "N01.FR.10",
    ),
    # LogUploads._run
    Defect(
        "log-upload-not-retried",
        "station",
        V201,
        "gives a failed log upload up after the first attempt, whatever retries the "
        "GetLog asked for",
        "N01.FR.10",
    ),
    # LogUploads.report
    Defect(
        "log-status-wrong-request-id",
        "station",
        V201,
        "the LogStatusNotifications of an upload carry a requestId other than the GetLog's",
        "N01.FR.07",
    ),
    # LogUploads.report
    Defect(
        "log-status-no-request-id",
        "station",
        V201,
        "the LogStatusNotifications of an upload leave the requestId out",
        "N01.FR.13",
    ),
    # get_log
    Defect(
        "get-log-cancel-answered-accepted",
        "station",
        V201,
        "a GetLog during an upload cancels it but is answered Accepted, not AcceptedCanceled",
        "N01.FR.12",
    ),
    # get_log
    Defect(
        "log-cancel-not-notified",
        "station",
        V201,
        "cancels an upload for a new GetLog without a LogStatusNotification AcceptedCanceled "
        "for the old request",
        "N01.FR.20",
    ),
)

#: how long the simulated upload lasts: longer than the embedded response timeout (1 s),
#: so that a trigger answered but not carried out cannot pass for the end of the upload
UPLOAD_SECONDS = 1.5

#: the directories the simulated log server has (on any host); an upload elsewhere fails
LOG_SERVER_DIRECTORIES = ("/logs/",)

Send = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _reachable(location: str) -> bool:
    """Whether an upload to ``location`` would reach a directory of the log server."""
    path = urlsplit(location).path
    return any(path.startswith(directory) for directory in LOG_SERVER_DIRECTORIES)


@dataclass(eq=False)
class _Upload:
    """One requested upload: its request and how many times to try."""

    request_id: int
    location: str
    attempts: int
    interval: float


@dataclass
class LogUploads:
    """The station's log upload: at most one at a time."""

    send: Send
    has: Callable[[str], bool] = lambda _: False
    has_option: Callable[[str], bool] = lambda _: False
    #: real seconds for the protocol's seconds (the retry interval)
    scaled: Callable[[float], float] = lambda seconds: seconds
    #: the upload in progress, None when none runs
    current: _Upload | None = field(default=None, init=False)

    @property
    def request_id(self) -> int | None:
        """The requestId of the upload in progress, None when none runs."""
        return None if self.current is None else self.current.request_id

    def status_report(self) -> dict[str, Any]:
        """The LogStatusNotification a trigger asks for: Uploading with the requestId
        while an upload runs (F06.FR.14), else Idle without one (F06.FR.15, N01.FR.13)."""
        if self.current is None:
            return {"status": "Idle"}
        return {"status": "Uploading", "requestId": self.current.request_id}

    async def report(self, upload: _Upload, status: str) -> None:
        """One LogStatusNotification about ``upload``, with its requestId (N01.FR.07/.13)."""
        if status == "Uploading" and self.has("log-no-uploading-status"):
            return
        payload: dict[str, Any] = {"status": status, "requestId": upload.request_id}
        if self.has("log-status-wrong-request-id"):
            payload["requestId"] = upload.request_id + 1
        if self.has("log-status-no-request-id"):
            del payload["requestId"]
        await self.send("LogStatusNotification", payload)

    async def _run(self, upload: _Upload) -> None:
        """Try the transfer until it succeeds or the attempts are spent; report the end
        unless a newer request cancelled the upload meanwhile."""
        every_attempt = self.has_option("log-status-every-attempt")
        attempts = 1 if self.has("log-upload-not-retried") else upload.attempts
        for attempt in range(attempts):
            if self.current is not upload:
                return  # cancelled (N01.FR.12)
            if attempt == 0 or every_attempt:  # N01.FR.08; each retry may say so again
                await self.report(upload, "Uploading")
            if _reachable(upload.location):
                await asyncio.sleep(UPLOAD_SECONDS)  # the transfer itself
                if self.current is upload:
                    self.current = None
                    if not self.has("log-uploaded-not-reported"):
                        await self.report(upload, "Uploaded")  # N01.FR.09
                return
            last = attempt == attempts - 1
            if every_attempt and not last:
                await self.report(upload, "UploadFailure")
            if not last:
                await asyncio.sleep(upload.interval)
        if self.current is upload:
            self.current = None
            failed = "Uploaded" if self.has("log-failure-reported-uploaded") else "UploadFailure"
            await self.report(upload, failed)  # N01.FR.10: after the last attempt

    def start(self, payload: dict[str, Any]) -> tuple[_Upload | None, _Upload]:
        """Take a GetLog's upload as the one in progress: (the one it cancels, itself)."""
        retries = max(0, int(payload.get("retries", 0)))
        interval = self.scaled(max(0, int(payload.get("retryInterval", 0))))
        upload = _Upload(
            request_id=int(payload["requestId"]),
            location=str(payload["log"]["remoteLocation"]),
            attempts=1 + retries,
            interval=interval,
        )
        cancelled, self.current = self.current, upload
        return cancelled, upload


async def get_log(uploads: LogUploads, payload: dict[str, Any]) -> Reply:
    """N01: start uploading the requested log (answered first, then reported)."""
    cancelled, upload = uploads.start(payload)
    name = "security.log" if payload["logType"] == "SecurityLog" else "diagnostics.log"

    async def begin() -> None:
        if cancelled is not None and not uploads.has("log-cancel-not-notified"):
            await uploads.report(cancelled, "AcceptedCanceled")  # N01.FR.20
        await uploads._run(upload)

    status = "Accepted" if cancelled is None else "AcceptedCanceled"  # N01.FR.01/.12
    if uploads.has("get-log-cancel-answered-accepted"):
        status = "Accepted"
    answer: dict[str, Any] = {"status": status, "filename": name}
    if uploads.has("get-log-no-filename"):
        del answer["filename"]
    return Reply(answer, after=begin)


BLOCK: Block[LogUploads] = Block("diagnostics", V201, {"GetLog": get_log})
