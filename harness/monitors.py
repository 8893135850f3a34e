"""The rules the harness judges on every CALL of the DUT, whatever the case does.

A case checks what its Part 6 table asks; some rules hold all the time and no case
should have to remember them: the boot gate (B01–B03, :mod:`harness.spec.boot`: what a
station may send before its boot is Accepted, and when it may boot again), the
numbering of TransactionEvents (E01.FR.07, :mod:`harness.seqno`), a case's only-allow
window (``only_allow``: nothing but the named actions may come), the numbering of the
EVSEs and connectors a 2.x station reports (Part 1 §7, against the DUT profile's
layout), and the CALLERROR codes of the version. :class:`RuleMonitors` holds them for
one session and answers each event with the :class:`Finding` s it makes; it does no I/O
and reads no clock (the session passes the time), so the same monitors can be fed a
recorded trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.connectors import read_connector_states
from harness.ocppj import OcppVersion
from harness.ocppj.codes import ERROR_CODES
from harness.seqno import SEQNO_RULE, SeqNoMonitor
from harness.spec.boot import BootGate, BootStatus

__all__ = ["Finding", "RuleMonitors"]


@dataclass(frozen=True)
class Finding:
    """A rule a monitor saw broken: a failure of the case, or (``note``) a note on it."""

    rule: str
    reason: str
    note: bool = False


class RuleMonitors:
    """The always-on rules of one session (one DUT identity, across its connections)."""

    def __init__(self, version: OcppVersion, *, peer: str, deviation: float = 0.0) -> None:
        self.version = version
        self.peer = peer
        #: what a station may send around its boot (harness as CSMS)
        self.boot_gate = BootGate(version, deviation=deviation)
        #: TransactionEvent numbering; kept across cases, a transaction may span two
        self.seq_nos = SeqNoMonitor()
        #: (allowed actions, rule) while the DUT may send no other CALL
        self.restriction: tuple[tuple[str, ...], str] | None = None
        #: interval of the last Accepted boot answer the harness gave (kept across
        #: cases): the station's periodic heartbeat, as far as the harness knows
        self.heartbeat_interval_given: int | None = None
        #: loop time of the latest event a periodic Heartbeat is counted from: that
        #: Accepted boot answer or the station's latest Heartbeat, whichever came last
        self.heartbeat_counted_from: float | None = None
        #: the station's EVSEs and their connector ids, as its DUT profile declares them
        #: (None: not known, nothing is checked)
        self.layout: dict[int, tuple[int, ...]] | None = None

    def new_device(self) -> None:
        """The DUT was replaced by a fresh one: what the monitors knew of its
        predecessor (the boot intervals it was given, the transactions it left open)
        binds nobody now."""
        self.boot_gate.forget()
        self.seq_nos = SeqNoMonitor()
        self.heartbeat_interval_given = None
        self.heartbeat_counted_from = None

    def begin_case(self) -> None:
        # The boot gate is kept: a station left Pending by one case is still Pending
        # when the next begins (the preconditions deal with it).
        self.restriction = None

    # -- what the DUT sends -------------------------------------------------------------

    def dut_call(
        self, action: str, payload: dict[str, Any], *, seq: int, now: float, is_send: bool = False
    ) -> list[Finding]:
        """Judge a CALL (or SEND) of the DUT, frame ``seq`` of the trace, at ``now``."""
        findings = []
        if action == "Heartbeat":
            self.heartbeat_counted_from = now
        violation = self.boot_gate.check(action, now)
        if action == "BootNotification":
            self.boot_gate.boot_requested()
        if violation is not None:
            findings.append(
                Finding(violation.rule, f"{self.peer} {violation.reason} (frame {seq})")
            )
        if action == "TransactionEvent" and not is_send and self.version is not OcppVersion.V16:
            numbering = self.seq_nos.observe(payload)
            if numbering is not None:
                findings.append(
                    Finding(
                        SEQNO_RULE,
                        f"{self.peer} numbered its TransactionEvents wrongly (frame {seq}): "
                        f"{numbering.reason}",
                    )
                )
        if self.layout is not None and self.version is not OcppVersion.V16:
            findings += self._outside_layout(action, payload, seq)
        if self.restriction is not None:
            allowed, rule = self.restriction
            if action not in allowed:
                findings.append(
                    Finding(
                        rule,
                        f"{self.peer} sent {action} (frame {seq}) where only "
                        f"{', '.join(allowed) or 'nothing'} may be sent",
                    )
                )
        return findings

    def _outside_layout(self, action: str, payload: dict[str, Any], seq: int) -> list[Finding]:
        """A connector report naming an EVSE or connector the station does not have.

        Part 1 §7 numbers EVSEs 1 to their total and each EVSE's connectors 1 to
        theirs; the DUT profile's layout says how many there are. So a report outside
        it is a station numbering wrongly, or a layout short of the station's: the
        reason says both, and which profile key to fix in the second case."""
        assert self.layout is not None
        findings = []
        for key, _ in read_connector_states(self.version, action, payload):
            evse, connector = key if isinstance(key, tuple) else (None, None)
            if not isinstance(evse, int) or not isinstance(connector, int):
                continue  # a schema violation, judged as such
            if evse in self.layout and connector in self.layout[evse]:
                continue
            where = f"{action} (frame {seq}) reports EVSE {evse} connector {connector}"
            if evse not in self.layout:
                rule, has = "Part 1 §7.1", f"EVSEs {_ids(self.layout)}"
            else:
                rule, has = "Part 1 §7.2", f"EVSE {evse} with connectors {_ids(self.layout[evse])}"
            findings.append(
                Finding(
                    rule,
                    f"{self.peer} {where}, which it does not have: the DUT profile's "
                    f"layout gives it {has}, numbered from 1 (if it has more, declare them "
                    "in [layout])",
                )
            )
        return findings

    def dut_error_code(self, code: str, *, seq: int) -> Finding | None:
        """A CALLERROR code the version does not define is a note (OCPP-J lists them)."""
        if code in ERROR_CODES[self.version]:
            return None
        return Finding(
            "ocppj.error-code",
            f"frame {seq} is a CALLERROR with the unknown code {code!r}",
            note=True,
        )

    def end_of_case(self) -> list[Finding]:
        """Rules that can only be judged once the case's frames are all in: the
        numbering of every transaction that ended (its messages may come in any order)."""
        return [
            Finding(
                SEQNO_RULE,
                f"{self.peer} numbered its TransactionEvents wrongly: {finding.reason}",
            )
            for finding in self.seq_nos.complete_transactions()
        ]

    def periodic_heartbeat_due(self, now: float) -> float | None:
        """Seconds from ``now`` until the station's periodic Heartbeat is due: the
        interval last given, counted from that boot answer or the latest Heartbeat (a
        station that restarts its count on other traffic sends later, never earlier);
        negative when overdue, None when the harness gave this device no interval."""
        if self.heartbeat_interval_given is None or self.heartbeat_counted_from is None:
            return None
        return self.heartbeat_counted_from + self.heartbeat_interval_given - now

    # -- what the harness sends ---------------------------------------------------------

    def harness_call(self, action: str, payload: dict[str, Any]) -> None:
        """The harness (as CSMS) asks for something: a boot it triggers, a report."""
        self.boot_gate.csms_requested(action, payload)

    def harness_boot_answer(self, status: str | None, interval: int, now: float) -> None:
        """The harness answered a BootNotification (``status`` None: with a CALLERROR)."""
        self.boot_gate.boot_answered(status, interval, now)
        if BootStatus.read(status) is BootStatus.ACCEPTED:
            self.heartbeat_interval_given = interval
            self.heartbeat_counted_from = now


def _ids(ids: Any) -> str:
    return ", ".join(str(i) for i in sorted(ids))
