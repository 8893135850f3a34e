"""Group ids (C09) and the master pass (C16) of the simulated 2.0.1 station.

The CSMS may put a token into a group by giving a groupIdToken in its idTokenInfo
(C09.FR.02). The station remembers the group of the token that authorized each
session, so that a different token of the same group, which the CSMS accepted, may end
that authorization (C09.FR.03); one the CSMS did not accept may not (C09.FR.11). A
token of no common group ends nothing (C01.FR.03).

A group equal to AuthCtrlr.MasterPassGroupId makes the token a master pass: it never
starts a transaction (C16.FR.03, C12.FR.09). Without a user interface a master pass
stops every ongoing transaction at once (C16.FR.02, with stoppedReason MasterPass). With
option ``master-pass-ui`` the station has one (Part 5 C-07): the master pass shows its
screen (C16.FR.01), and the operator's choice there (all transactions, or the one at an
EVSE: the control actions master_pass_stop_all and master_pass_stop) ends them.

Kept free of I/O: the station asks here what a presented token does and sends the
events itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import DeviceModel, Variable
from harness.sim.transactions_v201 import Session, TxEvent, end_now
from harness.sim.util import utc_now

__all__ = ["DEFECTS", "TokenGroups", "variables"]

_AUTH = "AuthCtrlr"
_MASTER_PASS = "MasterPassGroupId"

#: the defects that live in this module, each under the method that perturbs it
DEFECTS = declare(
    # TokenGroups.ends
    Defect(
        "group-token-not-stopping",
        "station",
        V201,
        "an accepted token of the same group as the one that authorized a transaction "
        "does not end its authorization",
        "C09.FR.03",
    ),
    # TokenGroups.ends
    Defect(
        "group-stop-refused-token",
        "station",
        V201,
        "a token of the same group ends the authorization although the CSMS did not accept it",
        "C09.FR.11",
    ),
    # TokenGroups.ends
    Defect(
        "stops-on-any-token",
        "station",
        V201,
        "any accepted token presented at a charging EVSE ends its authorization, "
        "whatever its group",
        "C01.FR.03",
    ),
    # TokenGroups.master_pass
    Defect(
        "master-pass-starts",
        "station",
        V201,
        "a master pass token (group MasterPassGroupId) starts a transaction like any "
        "accepted token",
        "C16.FR.03",
    ),
    # TokenGroups.master_pass_stops, TokenGroups.chosen
    Defect(
        "master-pass-ignored",
        "station",
        V201,
        "a master pass token presented during transactions stops none of them",
        "C16.FR.02",
    ),
    # TokenGroups.master_pass_stops (StationV201._master_pass sends the events a moment
    # after the answer, as a device busy with other work would)
    Defect(
        "master-pass-screen-skipped",
        "station",
        V201,
        "a station with a user interface stops every transaction as soon as a master pass "
        "is presented, without showing its screen for the operator to choose",
        "C16.FR.01",
    ),
    # TokenGroups.master_pass_stops, TokenGroups.chosen
    Defect(
        "master-pass-ends-before-choice",
        "station",
        V201,
        "a station with a user interface ends every transaction when the master pass is "
        "presented (the Ended events stamped then), and shows its screen only to send "
        "them once the operator chose",
        "C16.FR.01",
    ),
    # TokenGroups.held_back (StationV201.master_pass_choice suspends them)
    Defect(
        "master-pass-suspends-others",
        "station",
        V201,
        "the choice of one transaction on the master pass screen ends it and holds back "
        "the energy of the others (SuspendedEVSE)",
        "C16.FR.01",
    ),
    # TokenGroups.chosen
    Defect(
        "master-pass-choice-ignored",
        "station",
        V201,
        "the transaction chosen on the master pass screen is not stopped, or others with it",
        "C16.FR.01",
    ),
)


def variables() -> list[Variable]:
    """AuthCtrlr.MasterPassGroupId: empty (no master pass) until the CSMS sets one."""
    return [Variable(_AUTH, _MASTER_PASS, "")]


def _end_by_master_pass(sessions: Iterable[Session]) -> list[tuple[Session, list[TxEvent]]]:
    """End each running transaction of ``sessions`` with stoppedReason MasterPass."""
    stopped = []
    for session in sessions:
        if not session.running:
            continue
        session.authorized = False
        session.energy = False
        stopped.append((session, end_now(session, "StopAuthorized", "MasterPass")))
    return stopped


def group_of(info: Mapping[str, Any] | None) -> str | None:
    """The groupIdToken value of an idTokenInfo, if it has one."""
    group = (info or {}).get("groupIdToken") or {}
    value = group.get("idToken") if isinstance(group, Mapping) else None
    return str(value) if value else None


class TokenGroups:
    """The group of the token behind each authorized session, and the master pass."""

    def __init__(self, model: DeviceModel, has: Callable[[str], bool]) -> None:
        self._model = model
        self._has = has
        #: EVSE id -> the groupIdToken of the token that authorized its session
        self._groups: dict[int, str | None] = {}
        #: a station with a UI shows its master pass screen, awaiting a choice (C16.FR.01)
        self.screen_shown = False
        #: transactions ended before the choice, their events not sent yet (a defect)
        self._untold: list[tuple[Session, list[TxEvent]]] = []

    def granted(self, evse: int, info: Mapping[str, Any] | None) -> None:
        """The session at ``evse`` was authorized by a token with ``info``."""
        self._groups[evse] = group_of(info)

    def master_pass(self, info: Mapping[str, Any] | None) -> bool:
        """Is this an accepted master pass token (C16)? Such a token never starts a
        transaction (C16.FR.03)."""
        if self._has("master-pass-starts"):
            return False
        wanted = self._model.value(_AUTH, _MASTER_PASS)
        accepted = (info or {}).get("status") == "Accepted"
        return accepted and bool(wanted) and group_of(info) == wanted

    def master_pass_stops(
        self, sessions: Iterable[Session], *, screen: bool = False
    ) -> list[tuple[Session, list[TxEvent]]]:
        """A master pass was presented: a station without a UI ends every running
        transaction (C16.FR.02): the events to send, per session. With a UI
        (``screen``) it shows the master pass screen and ends nothing yet (C16.FR.01)."""
        if screen and self._has("master-pass-ends-before-choice"):
            now = utc_now()
            self._untold = [
                (session, [replace(event, at=now) for event in events])
                for session, events in _end_by_master_pass(sessions)
            ]
        if screen and not self._has("master-pass-screen-skipped"):
            self.screen_shown = True
            return []
        if self._has("master-pass-ignored"):
            return []
        return _end_by_master_pass(sessions)

    def chosen(
        self, sessions: Iterable[Session], evse: int | None
    ) -> list[tuple[Session, list[TxEvent]]]:
        """The operator's choice on the master pass screen: end the transaction at
        ``evse``, or every one (None) (C16.FR.01); the events to send, per session."""
        self.screen_shown = False
        if self._untold:
            untold, self._untold = self._untold, []
            return untold
        if self._has("master-pass-ignored"):
            return []
        if self._has("master-pass-choice-ignored"):
            evse = None if evse is not None else -1  # the others, or none of them
        return _end_by_master_pass(s for s in sessions if evse is None or s.evse == evse)

    def held_back(self, sessions: Iterable[Session], evse: int | None) -> list[Session]:
        """The sessions whose energy the choice of ``evse`` holds back: none (C16.FR.01
        ends the chosen transaction only)."""
        if evse is None or not self._has("master-pass-suspends-others"):
            return []
        return [s for s in sessions if s.evse != evse and s.running and s.energy]

    def ends(
        self, sessions: Iterable[Session], info: Mapping[str, Any] | None, evse: int | None
    ) -> Session | None:
        """The authorized session that a presented token (the CSMS's ``info`` about it)
        ends as a member of its group (C09.FR.03), at ``evse`` when given; None when it
        ends none (no common group, or not Accepted: C09.FR.11)."""
        accepted = (info or {}).get("status") == "Accepted"
        group = group_of(info)
        for session in sessions:
            if not session.authorized or session.ended:
                continue
            if evse is not None and session.evse != evse:
                continue
            if self._has("stops-on-any-token") and accepted:
                return session
            same = group is not None and self._groups.get(session.evse) == group
            if not same or self._has("group-token-not-stopping"):
                continue
            if accepted or self._has("group-stop-refused-token"):
                return session
        return None
