"""The harness's own charging station when the DUT is a CSMS (2.x): one state for a case.

A CSMS under test sends the station what it likes, when it likes: a local list after
the boot, a default charging profile, a status query about a transaction the case is
running. A station that answers "Accepted" and keeps nothing is caught out by the next
request (a GetLocalListVersion that forgets the list, a GetChargingProfiles with no
report), and the CSMS is blamed for it. So the station keeps what it accepts, in the
simulated station's own keepers (one model, shared, not a second one):

- the device model (:mod:`harness.station_model`, Part 6 §3.1's values);
- the Local Authorization List (:class:`harness.sim.local_list_v201.LocalAuthList`,
  D01/D02);
- the charging profiles (:class:`harness.sim.charging_profiles_v201.ChargingProfiles`,
  K01/K09/K10), their reports sent as messages the station owes;
- the transactions the case runs, read from the TransactionEvents the station sends
  (which EVSE each runs at, whether it ended: E14, and a TxProfile's K01.FR.09).

What it does not keep it refuses, which OCPP allows it (:mod:`harness.station_answers`):
it never claims to have done what it did not do. The case's script still decides what
the station does in the steps its Part 6 table names; this is everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.connectors import read_connector_states, report_payloads
from harness.ocppj import OcppVersion
from harness.sim.charging_profiles_v201 import ChargingProfiles
from harness.sim.device_model import DeviceModel, memory_variables
from harness.sim.local_list_v201 import LocalAuthList
from harness.station_answers import StationLayout, answer, follow_ups
from harness.station_model import (
    base_report_reply,
    report_follow_ups,
    report_reply,
    station_model,
)

__all__ = ["HarnessStation", "Message"]

#: a CALL the station owes: (action, payload)
Message = tuple[str, dict[str, Any]]


def _no_defect(name: str) -> bool:
    """The keepers ask for their defects by name: the harness's station has none."""
    return False


@dataclass
class HarnessStation:
    """What the station keeps during one case, and its answers from it."""

    version: OcppVersion
    layout: StationLayout
    model: DeviceModel
    #: transaction id -> the EVSE it runs at, for every transaction not yet Ended
    running: dict[str, int] = field(default_factory=dict)
    #: (evse, connector) -> the state the station last reported for it
    reported: dict[tuple[int, int], str] = field(default_factory=dict)
    #: (evse, connector) of the connectors a ChangeAvailability made Inoperative
    inoperative: set[tuple[int, int]] = field(default_factory=set)
    #: the ChangeAvailability requests answered Scheduled, each waiting for the
    #: transactions it concerns to end (G03.FR.05, G04.FR.06)
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    _before_unavailable: dict[tuple[int, int], str] = field(default_factory=dict)
    local_list: LocalAuthList = field(init=False)
    profiles: ChargingProfiles = field(init=False)

    @classmethod
    def for_case(
        cls,
        version: OcppVersion,
        layout: StationLayout,
        *,
        heartbeat_interval: int,
        security_profile: int,
    ) -> HarnessStation:
        """A station as each CSMS case finds it: Part 6 §3.1's configuration, nothing
        kept. Its model has the simulated station's variables of what it keeps (the
        local list's, smart charging's), their counts read from the keepers."""
        made: list[HarnessStation] = []
        kept = memory_variables(
            local_list_entries=lambda: len(made[0].local_list),
            charging_profile_entries=lambda: len(made[0].profiles),
            certificate_entries=lambda: 0,
        )
        model = station_model(
            heartbeat_interval=heartbeat_interval, security_profile=security_profile, extra=kept
        )
        made.append(cls(version, layout, model))
        return made[0]

    def __post_init__(self) -> None:
        self.local_list = LocalAuthList(self.model, _no_defect)
        self.profiles = ChargingProfiles(
            self.model,
            _no_defect,
            evses=lambda: [evse for evse, _ in self.layout.evses],
            transaction_at=self._transaction_at,
        )

    def _transaction_at(self, evse: int) -> str | None:
        return next((tx for tx, at in self.running.items() if at == evse), None)

    # -- what the station sent ------------------------------------------------------------

    def sent(self, action: str, payload: dict[str, Any], now: str) -> list[Message]:
        """Note a CALL the station sent (the case's or an owed one); returns what it owes
        after it: the reports of an availability change that waited for the
        transaction this event ended.

        A TransactionEvent begins or ends a transaction; one that does not name its
        EVSE keeps the one an earlier event named (E01.FR.17: the first to know it names
        it). A connector report sets what the station last said of the connector. A
        payload a case made invalid on purpose (sent unvalidated) is read as far as it
        makes sense."""
        if not isinstance(payload, dict):
            return []
        for key, state in read_connector_states(self.version, action, payload):
            if isinstance(key, tuple) and all(isinstance(part, int) for part in key):
                connector = (int(key[0]), int(key[1]))
                before = self.reported.get(connector, "Available")
                if state == "Unavailable" and before != "Unavailable":
                    self._before_unavailable[connector] = before
                self.reported[connector] = state
        if action != "TransactionEvent":
            return []
        info, where = payload.get("transactionInfo"), payload.get("evse")
        tx = info.get("transactionId") if isinstance(info, dict) else None
        if not isinstance(tx, str) or not tx:
            return []
        if payload.get("eventType") == "Ended":
            self.running.pop(tx, None)
            return self._scheduled_now(now)
        evse = where.get("id") if isinstance(where, dict) else None
        if isinstance(evse, int):
            self.running[tx] = evse
        else:
            self.running.setdefault(tx, 0)  # 0 until an event names the EVSE
        return []

    # -- the CSMS's requests --------------------------------------------------------------

    def answer(self, action: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """The station's answer to ``request``; None when the default reply book's own
        answer stands (GetVariables, SetVariables: from the same device model)."""
        keeper = getattr(self, f"_{action}", None)
        if keeper is not None:
            reply: dict[str, Any] = keeper(request)
            return reply
        return answer(action, request)

    def follow_ups(
        self, action: str, request: dict[str, Any], reply: dict[str, Any], now: str
    ) -> list[Message]:
        """The CALLs the station owes after it gave ``reply`` to ``request``."""
        if reply.get("status") != "Accepted":
            return []
        if action in ("GetBaseReport", "GetReport"):
            return report_follow_ups(self.model, action, request, now)
        if action == "GetChargingProfiles":
            return [("ReportChargingProfiles", m) for m in self.profiles.reports(request)]
        if action == "ChangeAvailability":
            return self._change_availability(request, now)
        return follow_ups(self.version, action, request, reply, now)

    # -- availability (G03, G04) ----------------------------------------------------------

    def _targets(self, request: dict[str, Any]) -> list[tuple[int, int]]:
        """The connectors a ChangeAvailability names: the whole station when it names no
        EVSE (G04.FR.01), else the EVSE's, or its one connector."""
        target = request.get("evse") or {}
        return [
            (evse, connector)
            for evse, connectors in self.layout.evses
            for connector in connectors
            if target.get("id") in (None, 0, evse)
            and target.get("connectorId") in (None, connector)
        ]

    def _is_inoperative(self, key: tuple[int, int]) -> bool:
        """Made Inoperative by a ChangeAvailability this station answered, or reported
        Unavailable by the case's own script (a change it scripted)."""
        return key in self.inoperative or self.reported.get(key) == "Unavailable"

    def _busy(self, targets: list[tuple[int, int]]) -> bool:
        evses = {evse for evse, _ in targets}
        return any(at in evses or at == 0 for at in self.running.values())

    def _ChangeAvailability(self, request: dict[str, Any]) -> dict[str, Any]:
        targets = self._targets(request)
        if not targets:
            return {"status": "Rejected"}  # no such EVSE or connector
        inoperative = request.get("operationalStatus") == "Inoperative"
        if all(self._is_inoperative(key) == inoperative for key in targets):
            return {"status": "Accepted"}  # G03.FR.03, G04.FR.04: already so
        if self._busy(targets):
            self.scheduled.append(dict(request))
            return {"status": "Scheduled"}  # G03.FR.05, G04.FR.06
        return {"status": "Accepted"}

    def _change_availability(self, request: dict[str, Any], now: str) -> list[Message]:
        """Carry out a ChangeAvailability; the reports of the connectors whose state
        changed (G03.FR.04, G04.FR.05): Unavailable, or back to what they were before
        (G03.FR.07, G04.FR.08: Occupied if a cable is still in)."""
        inoperative = request.get("operationalStatus") == "Inoperative"
        targets = self._targets(request)
        changed = [key for key in targets if self._is_inoperative(key) != inoperative]
        reports: list[Message] = []
        for evse, connector in changed:
            if inoperative:
                self.inoperative.add((evse, connector))
                if self.reported.get((evse, connector)) == "Faulted":
                    continue  # G03.FR.06: only operative connectors become Unavailable
                state = "Unavailable"
            else:
                self.inoperative.discard((evse, connector))
                before = self._before_unavailable.pop((evse, connector), "Available")
                state = "Occupied" if before == "Occupied" else "Available"
            reports += report_payloads(
                self.version,
                [(evse, (connector,))],
                status=state,
                style=self.layout.connector_report,
                timestamp=now,
            )
        return reports

    def _scheduled_now(self, now: str) -> list[Message]:
        """The scheduled changes whose transactions have all ended, carried out."""
        due = [r for r in self.scheduled if not self._busy(self._targets(r))]
        self.scheduled = [r for r in self.scheduled if r not in due]
        return [message for request in due for message in self._change_availability(request, now)]

    def _GetBaseReport(self, request: dict[str, Any]) -> dict[str, Any]:
        return base_report_reply(self.model, request)

    def _GetReport(self, request: dict[str, Any]) -> dict[str, Any]:
        return report_reply(self.model, request)

    def _SendLocalList(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"status": self.local_list.update(request)}  # D01

    def _GetLocalListVersion(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"versionNumber": self.local_list.version_number()}  # D02

    def _SetChargingProfile(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.profiles.set_answer(request)  # K01

    def _ClearChargingProfile(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"status": self.profiles.clear(request)}  # K10

    def _GetChargingProfiles(self, request: dict[str, Any]) -> dict[str, Any]:
        # K09: Accepted, then the reports (follow_ups); NoProfiles when none matches
        return {"status": "Accepted" if self.profiles.matching(request) else "NoProfiles"}

    def _GetTransactionStatus(self, request: dict[str, Any]) -> dict[str, Any]:
        # The station sends each event as it happens and keeps no queue (E14.FR.05/.08);
        # ongoingIndicator only for a transaction asked about (E14.FR.06), true while it
        # runs (E14.FR.02), false once it ended or when it never ran (E14.FR.01/.03).
        reply: dict[str, Any] = {"messagesInQueue": False}
        if "transactionId" in request:
            reply["ongoingIndicator"] = request["transactionId"] in self.running
        return reply
