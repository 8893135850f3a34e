"""How the simulated CSMS answers the CALLs stations send, for 1.6 and 2.0.1.

Answers are the conformant minimum: Accepted where the station asks for permission,
``{}`` where it only reports. Each answer also updates the station's record, so tests
and the control API can see what arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.ocppj import OcppVersion
from harness.sim.peer import Reply
from harness.sim.util import utc_now

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms, StationRecord

__all__ = ["CsmsHandlers"]

Handler = Callable[["StationRecord", dict[str, Any]], Reply]


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

    def _boot(self, record: StationRecord, payload: dict[str, Any]) -> Reply:
        csms = self.csms
        status, interval = csms.boot_answer(record)
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
