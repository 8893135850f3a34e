"""What the stations notify the simulated CSMS of their state (2.0.1 Part 2 blocks G and
A, with N's NotifyEvent; 1.6 §4.9): StatusNotification, NotifyEvent and
SecurityEventNotification.

The CSMS takes each one as it comes (the answer is empty) and records it in the
station's record, so tests and the control API can see the connector states and the
security events that arrived. A connector state reported as a NotifyEvent
(Connector.AvailabilityState) counts as a status, since a 2.0.1 station may report
either way; other events are only answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.ocppj import OcppVersion
from harness.sim.blocks import CSMS, Block
from harness.sim.declare import BOTH, V201, Defect, declare
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.csms_handlers import Caller

__all__ = ["BLOCKS", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # status_notification
    Defect(
        "status-notification-unavailable-refused",
        "csms",
        V201,
        "answers a StatusNotification that reports a connector Unavailable with CALLERROR "
        "InternalError",
        "answer:StatusNotification",
    ),
    # status_notification
    Defect(
        "status-notification-custom-data-refused",
        "csms",
        V201,
        "answers a StatusNotification that carries customData with CALLERROR FormatViolation "
        "instead of ignoring the extension",
        "OCPP-J 9",
    ),
    # notify_event
    Defect(
        "notify-event-problem-refused",
        "csms",
        V201,
        "answers a NotifyEvent that reports no connector's AvailabilityState (a "
        "ConnectorPlugRetentionLock Problem, say) with CALLERROR NotSupported",
        "G05.FR.03",
    ),
)


async def status_notification(caller: Caller, payload: dict[str, Any]) -> Reply:
    """G01 (1.6 §4.9): the connector's status, keyed "connector" (1.6) or "evse/connector"."""
    csms = caller.csms
    if csms.version is OcppVersion.V16:
        key, status = str(payload["connectorId"]), payload["status"]
    else:
        key = f"{payload['evseId']}/{payload['connectorId']}"
        status = payload["connectorStatus"]
        if status == "Unavailable" and csms.has("status-notification-unavailable-refused"):
            return Reply(error_code="InternalError", description="cannot take Unavailable")
        if "customData" in payload and csms.has("status-notification-custom-data-refused"):
            return Reply(error_code="FormatViolation", description="customData not expected")
    caller.record.statuses[key] = status
    return Reply({})


async def notify_event(caller: Caller, payload: dict[str, Any]) -> Reply:
    """Connector states reported as Connector.AvailabilityState events count as
    statuses (the station may report either way)."""
    states = 0
    for event in payload.get("eventData", []):
        component, variable = event.get("component", {}), event.get("variable", {})
        evse = component.get("evse") or {}
        if component.get("name") == "Connector" and variable.get("name") == ("AvailabilityState"):
            key = f"{evse.get('id')}/{evse.get('connectorId')}"
            caller.record.statuses[key] = str(event.get("actualValue"))
            states += 1
    if not states and caller.csms.has("notify-event-problem-refused"):
        return Reply(error_code="NotSupported", description="only connector states are taken")
    return Reply({})


async def security_event_notification(caller: Caller, payload: dict[str, Any]) -> Reply:
    """A04: the event's type, in the order they came."""
    caller.record.security_events.append(payload["type"])
    return Reply({})


#: one block per version set: NotifyEvent and security events are 2.0.1's only
BLOCKS: tuple[Block[Caller], ...] = (
    Block("availability", BOTH, {"StatusNotification": status_notification}, sides=CSMS),
    Block("availability", V201, {"NotifyEvent": notify_event}, sides=CSMS),
    Block("security", V201, {"SecurityEventNotification": security_event_notification}, sides=CSMS),
)
