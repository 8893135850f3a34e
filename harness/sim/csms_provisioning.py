"""Provisioning of the simulated CSMS (2.0.1 Part 2 block B, with G02 Heartbeat; 1.6
§4.2, §4.6): the stations' BootNotification, Heartbeat and (2.0.1) NotifyReport.

The BootNotification answer follows the CSMS's boot plan, which the module text of
:mod:`harness.sim.csms` describes; Heartbeat (Part 2 puts it in block G) sits here
because the boot answer sets its interval and both answer the CSMS's current time. The
gate that refuses what a Pending or Rejected station may not send (B02.FR.09,
B03.FR.07) guards every action, so it is the dispatcher's
(:meth:`harness.sim.csms_handlers.CsmsHandlers.answer`), not this block's.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import math
from typing import TYPE_CHECKING, Any

from harness.sim.blocks import CSMS, Block
from harness.sim.declare import BOTH, V201, Defect, declare
from harness.sim.peer import Reply
from harness.sim.util import utc_now

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms, StationRecord
    from harness.sim.csms_handlers import Caller

__all__ = ["BLOCKS", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # notify_report
    Defect(
        "notify-report-not-supported",
        "csms",
        V201,
        "answers every NotifyReport with CALLERROR NotSupported",
        "answer:NotifyReport",
    ),
    # boot_notification
    Defect(
        "boot-response-invalid",
        "csms",
        BOTH,
        "BootNotificationResponse omits currentTime",
        "schema:BootNotificationResponse:required",
    ),
    # heartbeat
    Defect(
        "heartbeat-response-invalid",
        "csms",
        BOTH,
        "HeartbeatResponse omits currentTime",
        "schema:HeartbeatResponse:required",
    ),
    # heartbeat
    Defect(
        "heartbeat-time-in-microseconds",
        "csms",
        V201,
        "answers a Heartbeat with a currentTime of six decimals of a second (Part 2 §3.1 "
        "allows three)",
        "schema:HeartbeatResponse:time-precision",
    ),
    # boot_notification
    Defect(
        "closes-on-pending",
        "csms",
        V201,
        "closes the connection right after answering a BootNotification Pending",
        "B02.FR.06",
    ),
    # _boot_answer
    Defect(
        "boot-after-reset-pending",
        "csms",
        V201,
        "answers the BootNotification of a station back from a reset (reason RemoteReset "
        "or ScheduledReset) Pending instead of Accepted",
        "B01.FR.02",
    ),
    # _boot_answer
    Defect(
        "triggered-boot-pending",
        "csms",
        V201,
        "set to answer Pending first, it answers the BootNotification it asked for with "
        "TriggerMessage Pending too, until the interval is over",
        "B01.FR.02",
    ),
    # _boot_answer
    Defect(
        "pending-never-accepts",
        "csms",
        V201,
        "set to answer Pending first, it answers every later BootNotification Pending too",
        "B02.FR.01",
    ),
)


def _retry_interval(csms: SimCsms, status: str) -> int:
    """The interval of a Pending or Rejected answer (0: the station picks its wait)."""
    if status == "Pending" and csms.has_option("pending-interval-zero"):
        return 0
    return csms.boot_retry_interval


def _boot_answer(
    csms: SimCsms, record: StationRecord, reason: str | None = None
) -> tuple[str, int]:
    """(status, interval) for a BootNotification of ``record`` (sent for ``reason``):
    the boot plan the module text of :mod:`harness.sim.csms` describes."""
    now = asyncio.get_running_loop().time()
    if reason in ("RemoteReset", "ScheduledReset") and csms.has("boot-after-reset-pending"):
        return "Pending", _retry_interval(csms, "Pending")
    if csms.next_boot is not None:
        # A plan made after the last answer replaces what that answer held: the
        # CSMS was reconfigured (boot_reject after boot_pending, say).
        status, csms.next_boot = csms.next_boot, None
        interval = _retry_interval(csms, status)
        record.hold = (status, now + csms.timers.scaled(interval))
        return status, interval
    if record.hold is not None:
        status, until = record.hold
        triggered = record.asked_for("BootNotification") and not csms.has("triggered-boot-pending")
        if now < until and not triggered:
            remaining = math.ceil((until - now) / max(csms.timers.interval_scale, 1e-9))
            return status, max(1, remaining)  # too early: the same answer again
        if status == "Pending" and csms.has("pending-never-accepts"):
            return status, _retry_interval(csms, status)
        record.hold = None
        return "Accepted", csms.heartbeat_interval
    if csms.boot_mode == "Accepted":
        return "Accepted", csms.heartbeat_interval
    return csms.boot_mode, _retry_interval(csms, csms.boot_mode)


async def boot_notification(caller: Caller, payload: dict[str, Any]) -> Reply:
    """B01-B03 (1.6 §4.2): the boot plan's status and interval, and the current time."""
    csms, record = caller.csms, caller.record
    status, interval = _boot_answer(csms, record, payload.get("reason"))
    record.boots.append(payload)
    record.boot_status = status
    # What the CSMS asked for before this answer no longer opens the gate.
    record.boot_gate.boot_answered(status, interval, asyncio.get_running_loop().time())
    response: dict[str, Any] = {
        "currentTime": _current_time(csms),  # UTC, Z suffix (an option: another offset)
        "interval": interval,
        "status": status,
    }
    if csms.has("boot-response-invalid"):
        del response["currentTime"]
    if status == "Pending" and csms.has("closes-on-pending"):
        peer = record.peer

        async def close() -> None:
            if peer is not None:
                await peer.close(1000, "closing while Pending")

        return Reply(response, after=close)
    return Reply(response)


async def heartbeat(caller: Caller, payload: dict[str, Any]) -> Reply:
    """G02 (1.6 §4.6): counted, and answered with the current time."""
    caller.record.heartbeats += 1
    if caller.csms.has("heartbeat-response-invalid"):
        return Reply({})
    if caller.csms.has("heartbeat-time-in-microseconds"):
        return Reply({"currentTime": utc_now("microseconds")})
    return Reply({"currentTime": _current_time(caller.csms)})


def _current_time(csms: SimCsms) -> str:
    """The CSMS's clock for its answers: UTC with Z, or (option current-time-with-offset)
    the same moment at +01:00, which RFC 3339 allows and Part 2 only advises against."""
    if not csms.has_option("current-time-with-offset"):
        return utc_now()
    now = _dt.datetime.now(_dt.UTC).astimezone(_dt.timezone(_dt.timedelta(hours=1)))
    return now.isoformat(timespec="milliseconds")


async def notify_report(caller: Caller, payload: dict[str, Any]) -> Reply:
    """B07/B08: the report is taken as it comes; the answer is empty."""
    if caller.csms.has("notify-report-not-supported"):
        return Reply(error_code="NotSupported", description="NotifyReport is not supported")
    caller.record.reports.append(payload)
    return Reply({})


#: one block per version set: NotifyReport is 2.0.1's only
BLOCKS: tuple[Block[Caller], ...] = (
    Block(
        "provisioning",
        BOTH,
        {"BootNotification": boot_notification, "Heartbeat": heartbeat},
        sides=CSMS,
    ),
    Block("provisioning", V201, {"NotifyReport": notify_report}, sides=CSMS),
)
