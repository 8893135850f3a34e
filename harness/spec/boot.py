"""What a charging station may send around its BootNotification: B01.FR.08, B02, B03.

One table of the boot rules for both sides (as h11 keeps one state machine for client
and server): a sans-IO gate that is told what the CSMS answered and asked, and the time,
and judges every CALL the station would send. The harness, playing the CSMS, feeds it
what it answered and judges what a station DUT sends (the session's monitor); the
simulated station feeds it what its CSMS answered and asks it before every CALL, so it
obeys exactly the rules the harness checks. A case never calls it. The rules, in OCPP
2.0.1 Part 2 terms:

* between a BootNotification and its answer the station sends no other request
  (B01.FR.08);
* while the answer was **Pending**, no CALL but BootNotification, unless the CSMS asked
  for it: a TriggerMessage for that message, or a GetBaseReport/GetReport for the
  NotifyReports (B02.FR.02 names exactly these three); and BootNotification itself not
  before the interval of the answer has passed, unless triggered (B02.FR.04);
* while the answer was **Rejected**, nothing at all until the interval has passed
  (B03.FR.02): a BootNotification after the interval is the only way back.

OCPP 1.6 has one rule for both (§4.2: nothing but BootNotification until Accepted), named
``C16.4.2`` like the harness's other 1.6 section rules.

Times compare with a tolerance: Part 6 lets the tool accept a configured deviation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from harness.ocppj import OcppVersion

__all__ = ["BootGate", "BootStatus", "BootViolation", "TRIGGERED_ACTIONS"]


class BootStatus(enum.StrEnum):
    """The status of a BootNotification answer (RegistrationStatus, the same three
    values in 1.6 and 2.x)."""

    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"

    @classmethod
    def read(cls, value: object) -> BootStatus | None:
        """The status a CSMS answered, or None for a value that is not one (a hostile
        CSMS DUT may answer anything; the schema check names that, the gate ignores it)."""
        return cls(value) if isinstance(value, str) and value in cls._value2member_map_ else None


#: MessageTriggerEnumType value -> the action of the CALL it asks for
TRIGGERED_ACTIONS = {
    "BootNotification": "BootNotification",
    "LogStatusNotification": "LogStatusNotification",
    "DiagnosticsStatusNotification": "DiagnosticsStatusNotification",
    "FirmwareStatusNotification": "FirmwareStatusNotification",
    "Heartbeat": "Heartbeat",
    "MeterValues": "MeterValues",
    "SignChargingStationCertificate": "SignCertificate",
    "SignV2GCertificate": "SignCertificate",
    "SignCombinedCertificate": "SignCertificate",
    "StatusNotification": "StatusNotification",
    "TransactionEvent": "TransactionEvent",
    "PublishFirmwareStatusNotification": "PublishFirmwareStatusNotification",
}

#: requests of the CSMS whose answers come as NotifyReport CALLs (B02.FR.02)
REPORT_REQUESTS = ("GetBaseReport", "GetReport")


@dataclass(frozen=True)
class BootViolation:
    """A CALL the station should not have sent: the rule and why."""

    rule: str
    reason: str


class BootGate:
    """The station's boot state as the harness (CSMS) sees it; see the module docstring."""

    def __init__(self, version: OcppVersion, *, deviation: float = 0.0) -> None:
        self.version = version
        self.deviation = deviation
        self.forget()

    def forget(self) -> None:
        """Back to a station never seen: the DUT was replaced by a fresh one (each case
        gets a new simulator), so the intervals its predecessor was given bind nobody."""
        #: status of the last answer to a BootNotification, None before the first
        self.status: BootStatus | None = None
        #: a BootNotification arrived and is not answered yet
        self.awaiting_answer = False
        self._retry_at = 0.0
        self._interval = 0
        self._triggered: set[str] = set()
        self._report_asked = False

    def restarted(self) -> None:
        """The station was restarted from outside OCPP (a power cycle, a reboot at its
        own interface): an interval a Pending or Rejected answer gave it before binds it
        no more, since the boot of a restarted station comes when it comes."""
        self._retry_at = 0.0

    # -- what the CSMS did ---------------------------------------------------------

    def boot_requested(self) -> None:
        """The station sent a BootNotification; its answer is awaited."""
        self.awaiting_answer = True

    def boot_answered(self, status: str | None, interval: int, now: float) -> None:
        """The CSMS answered a BootNotification (a CALLERROR counts as no answer)."""
        self.awaiting_answer = False
        self.status = BootStatus.read(status)
        self._interval = interval if self.status is not BootStatus.ACCEPTED else 0
        self._retry_at = now + self._interval
        self._triggered = set()
        self._report_asked = False

    def csms_requested(self, action: str, payload: dict[str, Any]) -> None:
        """The CSMS sent a CALL: a trigger or a report request opens an exception."""
        if action == "TriggerMessage":
            requested = str(payload.get("requestedMessage", ""))
            self._triggered.add(TRIGGERED_ACTIONS.get(requested, requested))
        elif action in REPORT_REQUESTS:
            self._report_asked = True

    def asked_for(self, action: str) -> bool:
        """Whether the CSMS asked for a CALL of ``action`` since the last boot answer
        (a TriggerMessage for it, or a report request for NotifyReport): B02.FR.02's
        exceptions while Pending."""
        return action in self._triggered or (action == "NotifyReport" and self._report_asked)

    # -- judging the station ----------------------------------------------------------

    def check(self, action: str, now: float) -> BootViolation | None:
        """Whether the station may send a CALL of ``action`` at ``now``."""
        v16 = self.version is OcppVersion.V16
        if self.awaiting_answer and action != "BootNotification":
            return BootViolation(
                "C16.4.2" if v16 else "B01.FR.08",
                f"sent {action} before its BootNotification was answered",
            )
        if self.status not in (BootStatus.PENDING, BootStatus.REJECTED):
            return None
        pending = self.status is BootStatus.PENDING
        if action == "BootNotification":
            early = self._retry_at - now
            if early <= self.deviation or (pending and "BootNotification" in self._triggered):
                return None
            if pending and self._interval == 0:
                return None  # the station picks its own wait (B02.FR.07)
            return BootViolation(
                "C16.4.2" if v16 else "B02.FR.04" if pending else "B03.FR.02",
                f"sent BootNotification again {early:.2f} s before the {self._interval} s "
                f"interval of the {self.status} answer had passed",
            )
        if pending and self.asked_for(action):
            return None
        if pending:
            allowed = "BootNotification, or what the CSMS asked for"
            rule = "C16.4.2" if v16 else "B02.FR.02"
        else:
            allowed = "nothing until the interval has passed"
            rule = "C16.4.2" if v16 else "B03.FR.02"
        return BootViolation(
            rule, f"sent {action} while its boot was {self.status}; allowed is {allowed}"
        )
