"""How the simulated CSMS answers the CALLs stations send, for 1.6 and 2.0.1.

The answers are composed of functional blocks (:mod:`harness.sim.blocks`), one feature
module each: provisioning (:mod:`harness.sim.csms_provisioning`: BootNotification and
the boot plan, Heartbeat, NotifyReport), notifications
(:mod:`harness.sim.csms_notifications`: StatusNotification, NotifyEvent,
SecurityEventNotification), authorization, transactions and metering
(:mod:`harness.sim.csms_transactions`), diagnostics (:mod:`harness.sim.csms_diagnostics`:
LogStatusNotification, NotifyCustomerInformation) and data transfer
(:mod:`harness.sim.data_transfer`, which the stations share). Each station that calls
gets this version's blocks bound to it (:class:`Caller`: the CSMS and the station's
record), so each answer also updates the station's record, where tests and the control
API see what arrived.

Answers are the conformant minimum: Accepted where the station asks for permission,
``{}`` where it only reports; a known action no block claims gets a schema-valid
minimal answer. Before any block, :meth:`CsmsHandlers.answer` refuses what a Pending or
Rejected station may not send (B02.FR.09, B03.FR.07).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.ocppj import Call, CallError, validate_payload
from harness.sim.blocks import Block, Handler, dispatch
from harness.sim.csms_diagnostics import BLOCKS as DIAGNOSTICS
from harness.sim.csms_notifications import BLOCKS as NOTIFICATIONS
from harness.sim.csms_provisioning import BLOCKS as PROVISIONING
from harness.sim.csms_transaction_status import ask_after_reconnect
from harness.sim.csms_transactions import BLOCKS as TRANSACTIONS
from harness.sim.data_transfer import BLOCK as DATA_TRANSFER
from harness.sim.declare import BOTH, V201, Defect, declare
from harness.sim.peer import Reply, request_problem

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms, StationRecord

__all__ = ["DEFECTS", "Caller", "CsmsHandlers"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
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
    # CsmsHandlers._refuses_unhandled
    Defect(
        "firmware-status-notification-refused",
        "csms",
        V201,
        "answers FirmwareStatusNotification with CALLERROR NotImplemented",
        "answer:FirmwareStatusNotification",
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
    # CsmsHandlers.unreadable
    Defect(
        "ignores-malformed-json",
        "csms",
        BOTH,
        "answers nothing to a text that is not JSON",
        "OCPP-J 4.2.3",
    ),
    # CsmsHandlers.unreadable
    Defect(
        "malformed-json-error-with-made-up-id",
        "csms",
        V201,
        'answers a text that is not JSON with a CALLERROR whose id is "0", not "-1"',
        "OCPP-J 4.2.3",
    ),
)


@dataclass(frozen=True)
class Caller:
    """What the CSMS's blocks work on: the CSMS, and the station that called as the
    CSMS knows it (its record, which the answers update)."""

    csms: SimCsms
    record: StationRecord


#: every block the CSMS answers with, of either version (each CSMS takes its version's)
COMPOSED: tuple[Block[Caller] | Block[object], ...] = (
    *PROVISIONING,
    *NOTIFICATIONS,
    *TRANSACTIONS,
    DATA_TRANSFER,
    *DIAGNOSTICS,
)


class CsmsHandlers:
    """The answers of one simulated CSMS: its version's blocks, bound to each station."""

    def __init__(self, csms: SimCsms) -> None:
        self.csms = csms
        self.blocks = tuple(b for b in COMPOSED if csms.version.value in b.versions)
        self._tables: dict[str, dict[str, Handler]] = {}

    def table(self, record: StationRecord) -> dict[str, Handler]:
        """action -> handler for ``record``'s station: the blocks bound to it, once per
        station identity (its record lasts as long as the CSMS). ``ValueError`` when
        two blocks claim one action: built at a station's first CALL, the table cannot
        be checked when the CSMS is made, so tests/sim/test_sim_blocks.py checks the
        blocks' claims without a station."""
        table = self._tables.get(record.identity)
        if table is None:
            caller = Caller(self.csms, record)
            bound = [block.bind(caller) for block in self.blocks]
            table = dispatch(self.csms.version.value, *bound, side="csms")
            self._tables[record.identity] = table
        return table

    async def answer(self, record: StationRecord, call: Call) -> Reply:
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
        handler = self.table(record).get(call.action)
        if handler is not None:
            reply = await handler(call.payload)
        else:
            reply = self._minimal_reply(call.action)
        reply = ask_after_reconnect(csms, record, call.action, reply)  # an option
        csms.changed()
        return reply

    def unreadable(self, conformant: CallError) -> CallError | None:
        """The answer to a text that is not JSON (OCPP-J §4.2.3): the conformant
        CALLERROR, unless a defect says otherwise."""
        if self.csms.has("ignores-malformed-json"):
            return None
        if self.csms.has("malformed-json-error-with-made-up-id"):
            return CallError("0", conformant.error_code, conformant.description)
        return conformant

    def _refuses(self, record: StationRecord, action: str) -> bool:
        """Whether a CALL other than BootNotification gets SecurityError now."""
        if record.boot_status == "Rejected":
            return not self.csms.has("rejected-accepts-requests")  # B03.FR.07
        if record.boot_status == "Pending":  # B02.FR.09, with its exceptions
            return not (self.csms.has("pending-accepts-requests") or record.asked_for(action))
        return False

    def _refuses_unhandled(self, action: str) -> bool:
        """Whether a defect makes this CSMS refuse a report no block handles, as a CSMS
        without the feature behind it (firmware) would. (LogStatusNotification is
        answered, and refused, by :mod:`harness.sim.csms_diagnostics`.)"""
        if action == "FirmwareStatusNotification":
            return self.csms.has("firmware-status-notification-refused")
        return False

    def _minimal_reply(self, action: str) -> Reply:
        """A schema-valid answer for a known action this CSMS does nothing with."""
        if self._refuses_unhandled(action):
            return Reply(error_code="NotImplemented", description=f"{action} is not implemented")
        for candidate in ({}, {"status": "Rejected"}):
            if not validate_payload(self.csms.version, action, candidate, response=True):
                return Reply(dict(candidate))
        return Reply(error_code="NotSupported", description=f"{action} is not supported")
