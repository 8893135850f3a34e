"""How the simulated CSMS answers the CALLs stations send, for 1.6 and 2.0.1.

Answers are the conformant minimum: Accepted where the station asks for permission,
``{}`` where it only reports. Each answer also updates the station's record, so tests
and the control API can see what arrived. Before any handler, :meth:`CsmsHandlers.answer`
refuses what a Pending or Rejected station may not send (B02.FR.09, B03.FR.07); the
BootNotification answer follows the CSMS's boot plan (see :mod:`harness.sim.csms`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.ocppj import Call, OcppVersion, validate_payload
from harness.sim.declare import BOTH, V201, Defect, declare
from harness.sim.peer import Reply, request_problem
from harness.sim.util import utc_now

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms, StationRecord

__all__ = ["DEFECTS", "CsmsHandlers"]

Handler = Callable[["StationRecord", dict[str, Any]], Reply]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # CsmsHandlers._boot
    Defect(
        "boot-response-invalid",
        "csms",
        BOTH,
        "BootNotificationResponse omits currentTime",
        "schema:BootNotificationResponse:required",
    ),
    # CsmsHandlers._heartbeat
    Defect(
        "heartbeat-response-invalid",
        "csms",
        BOTH,
        "HeartbeatResponse omits currentTime",
        "schema:HeartbeatResponse:required",
    ),
    # CsmsHandlers._refuses
    Defect(
        "pending-accepts-requests",
        "csms",
        BOTH,
        "answers a Pending station's CALLs normally instead of with SecurityError",
        # 1.6 §4.2 lets a Pending charge point send nothing unasked; the SecurityError
        # answer is 2.0.1's (B02.FR.09), which the simulated central system keeps for 1.6
        {"1.6": "C16.4.2", "2.0.1": "B02.FR.09"},
    ),
    # CsmsHandlers.answer
    Defect(
        "never-replies",
        "csms",
        BOTH,
        "never answers station CALLs",
        "timeout",
    ),
    # CsmsHandlers._refuses
    Defect(
        "rejected-accepts-requests",
        "csms",
        V201,
        "answers the CALLs of a station it Rejected (other than BootNotification) "
        "normally instead of with SecurityError",
        "B03.FR.07",
    ),
    # CsmsHandlers._boot
    Defect(
        "closes-on-pending",
        "csms",
        V201,
        "closes the connection right after answering a BootNotification Pending",
        "B02.FR.06",
    ),
    # CsmsHandlers._boot_answer
    Defect(
        "pending-never-accepts",
        "csms",
        V201,
        "set to answer Pending first, it answers every later BootNotification Pending too",
        "B02.FR.01",
    ),
    # CsmsHandlers._authorize
    Defect(
        "authorize-rejects-valid-token",
        "csms",
        V201,
        "answers every Authorize with idTokenInfo.status Invalid, the valid token's too",
        "C01.FR.07",
    ),
    # CsmsHandlers._transaction_event
    Defect(
        "transaction-event-omits-id-token-info",
        "csms",
        V201,
        "answers a TransactionEvent that carries an idToken without idTokenInfo",
        # the first such event of a transaction started by authorization (E03); a
        # transaction started by the cable (E02) fails for E02.FR.02 instead
        "E03.FR.02",
    ),
    # CsmsHandlers._transaction_event
    Defect(
        "transaction-event-rejects-valid-token",
        "csms",
        V201,
        "answers a TransactionEvent that carries the valid idToken with idTokenInfo.status Invalid",
        "E03.FR.02",
    ),
    # CsmsHandlers._transaction_event
    Defect(
        "stop-authorized-omits-id-token-info",
        "csms",
        V201,
        "answers the TransactionEvent with triggerReason StopAuthorized (and the idToken "
        "that stopped the charging) without idTokenInfo",
        "E01.FR.12",
    ),
)


class CsmsHandlers:
    """The action -> handler table of one simulated CSMS."""

    def __init__(self, csms: SimCsms) -> None:
        self.csms = csms
        self.table: dict[str, Handler] = {
            "BootNotification": self._boot,
            "Heartbeat": self._heartbeat,
            "StatusNotification": self._status,
            "Authorize": self._authorize,
            "MeterValues": self._empty,
            "DataTransfer": self._data_transfer,
        }
        if csms.version is OcppVersion.V16:
            self.table.update(
                StartTransaction=self._start_transaction,
                StopTransaction=self._stop_transaction,
            )
        else:
            self.table.update(
                TransactionEvent=self._transaction_event,
                NotifyReport=self._empty,
                NotifyEvent=self._notify_event,
                SecurityEventNotification=self._security_event,
            )

    def answer(self, record: StationRecord, call: Call) -> Reply:
        """The answer to one CALL of ``record``'s station."""
        csms = self.csms
        if csms.has("never-replies"):
            return Reply(silent=True)
        problem = request_problem(csms.version, call)
        if problem is not None:
            return problem
        if call.action != "BootNotification" and self._refuses(record, call.action):
            return Reply(
                error_code="SecurityError",
                description=f"boot is {record.boot_status}; only BootNotification allowed",
            )
        handler = self.table.get(call.action)
        if handler is not None:
            reply = handler(record, call.payload)
        else:
            reply = self._minimal_reply(call.action)
        csms.changed()
        return reply

    def _refuses(self, record: StationRecord, action: str) -> bool:
        """Whether a CALL other than BootNotification gets SecurityError now."""
        if record.boot_status == "Rejected":
            return not self.csms.has("rejected-accepts-requests")  # B03.FR.07
        if record.boot_status == "Pending":  # B02.FR.09, with its exceptions
            return not (self.csms.has("pending-accepts-requests") or record.asked_for(action))
        return False

    def _minimal_reply(self, action: str) -> Reply:
        """A schema-valid answer for a known action this CSMS does nothing with."""
        for candidate in ({}, {"status": "Rejected"}):
            if not validate_payload(self.csms.version, action, candidate, response=True):
                return Reply(dict(candidate))
        return Reply(error_code="NotSupported", description=f"{action} is not supported")

    def _retry_interval(self, status: str) -> int:
        """The interval of a Pending or Rejected answer (0: the station picks its wait)."""
        if status == "Pending" and self.csms.has_option("pending-interval-zero"):
            return 0
        return self.csms.boot_retry_interval

    def _boot_answer(self, record: StationRecord) -> tuple[str, int]:
        """(status, interval) for a BootNotification of ``record``: the boot plan the
        module text of :mod:`harness.sim.csms` describes."""
        csms = self.csms
        now = asyncio.get_running_loop().time()
        if csms.next_boot is not None:
            # A plan made after the last answer replaces what that answer held: the
            # CSMS was reconfigured (boot_reject after boot_pending, say).
            status, csms.next_boot = csms.next_boot, None
            interval = self._retry_interval(status)
            record.hold = (status, now + csms.timers.scaled(interval))
            return status, interval
        if record.hold is not None:
            status, until = record.hold
            triggered = record.asked_for("BootNotification")
            if now < until and not triggered:
                remaining = math.ceil((until - now) / max(csms.timers.interval_scale, 1e-9))
                return status, max(1, remaining)  # too early: the same answer again
            if status == "Pending" and csms.has("pending-never-accepts"):
                return status, self._retry_interval(status)
            record.hold = None
            return "Accepted", csms.heartbeat_interval
        if csms.boot_mode == "Accepted":
            return "Accepted", csms.heartbeat_interval
        return csms.boot_mode, self._retry_interval(csms.boot_mode)

    def _boot(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        csms = self.csms
        status, interval = self._boot_answer(record)
        record.boots.append(payload)
        record.boot_status = status
        # What the CSMS asked for before this answer no longer opens the gate.
        record.boot_gate.boot_answered(status, interval, asyncio.get_running_loop().time())
        response: dict[str, Any] = {
            "currentTime": utc_now(),  # UTC, Z suffix
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

    def _heartbeat(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        record.heartbeats += 1
        if self.csms.has("heartbeat-response-invalid"):
            return Reply({})
        return Reply({"currentTime": utc_now()})

    def _status(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        if self.csms.version is OcppVersion.V16:
            key, status = str(payload["connectorId"]), payload["status"]
        else:
            key = f"{payload['evseId']}/{payload['connectorId']}"
            status = payload["connectorStatus"]
        record.statuses[key] = status
        return Reply({})

    def _notify_event(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        """Connector states reported as Connector.AvailabilityState events count as
        statuses (the station may report either way)."""
        for event in payload.get("eventData", []):
            component, variable = event.get("component", {}), event.get("variable", {})
            evse = component.get("evse") or {}
            if component.get("name") == "Connector" and variable.get("name") == (
                "AvailabilityState"
            ):
                key = f"{evse.get('id')}/{evse.get('connectorId')}"
                record.statuses[key] = str(event.get("actualValue"))
        return Reply({})

    def _security_event(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        record.security_events.append(payload["type"])
        return Reply({})

    def _authorize(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        if self.csms.version is OcppVersion.V16:
            return Reply({"idTagInfo": {"status": "Accepted"}})
        status = "Invalid" if self.csms.has("authorize-rejects-valid-token") else "Accepted"
        return Reply({"idTokenInfo": {"status": status}})

    def _empty(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        return Reply({})

    def _data_transfer(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        return Reply({"status": "UnknownVendorId"})

    def _start_transaction(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        transaction_id = next(self.csms.transaction_ids)
        record.last_transaction_id = transaction_id
        return Reply({"transactionId": transaction_id, "idTagInfo": {"status": "Accepted"}})

    def _stop_transaction(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        if "idTag" in payload:
            return Reply({"idTagInfo": {"status": "Accepted"}})
        return Reply({})

    def _transaction_event(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        """An event that carries an idToken gets that token's authorization status in
        ``idTokenInfo`` (E01.FR.12, E02.FR.02, E03.FR.02); any other just ``{}``."""
        csms = self.csms
        if payload["eventType"] == "Started":
            record.last_transaction_id = payload["transactionInfo"]["transactionId"]
        if "idToken" not in payload or csms.has("transaction-event-omits-id-token-info"):
            return Reply({})
        if payload["triggerReason"] == "StopAuthorized" and csms.has(
            "stop-authorized-omits-id-token-info"
        ):
            return Reply({})
        status = "Invalid" if csms.has("transaction-event-rejects-valid-token") else "Accepted"
        return Reply({"idTokenInfo": {"status": status}})
