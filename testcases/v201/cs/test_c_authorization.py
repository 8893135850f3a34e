"""Block C, Authorization — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls, the rules are the Part 2
requirement ids the table names. The harness as CSMS decides what each token is: it
answers the station's AuthorizeRequest with the status (and group) the table gives
(``will_reply``). Where Part 6 says the station must stay silent, the case listens for
<Configured message timeout> (the profile's response timeout) and then judges what came.

Part 6 ends several of these cases with a cable plugged in or a transaction running;
the harness then ends the transaction and unplugs the cable after the case
(harness.steps.idle), so the next case finds the station as Part 6 §2.1 wants it.
"""

import datetime as _dt
from collections.abc import Callable
from typing import Any

import pytest

from harness import DutFailure, testcase
from harness.matching import ANY, absent_or, one_of
from harness.states import cs as cs_states
from harness.states import cs_memory as memory
from harness.states import cs_offline as offline
from harness.states import cs_transactions as tx_states
from harness.steps import device_model as dm
from harness.steps.idle import leave_idle

BLOCK = "C Authorization"

AUTH_ENABLED = dm.Variable("AuthCtrlr", "AuthEnabled")
DISABLE_REMOTE_AUTHORIZATION = dm.Variable("AuthCtrlr", "DisableRemoteAuthorization")
MASTER_PASS_GROUP_ID = dm.Variable("AuthCtrlr", "MasterPassGroupId")
TX_START_POINT = dm.Variable("TxCtrlr", "TxStartPoint")
LOCAL_PRE_AUTHORIZE = dm.Variable("AuthCtrlr", "LocalPreAuthorize")
CACHE_ENABLED = dm.Variable("AuthCacheCtrlr", "Enabled")
CACHE_DISABLE_POST_AUTHORIZE = dm.Variable("AuthCacheCtrlr", "DisablePostAuthorize")
CACHE_LIFETIME = dm.Variable("AuthCacheCtrlr", "LifeTime")
LOCAL_LIST_ENABLED = dm.Variable("LocalAuthListCtrlr", "Enabled")
STOP_TX_ON_INVALID_ID = dm.Variable("TxCtrlr", "StopTxOnInvalidId")
LOCAL_AUTHORIZE_OFFLINE = dm.Variable("AuthCtrlr", "LocalAuthorizeOffline")
MAX_ENERGY_ON_INVALID_ID = dm.Variable("TxCtrlr", "MaxEnergyOnInvalidId")

#: events a station may send before it reports what a refusal did (the charging-state
#: change of the start, a signed meter value)
_MAX_BEFORE_REFUSAL = 3

#: the IdTokenEnumType the harness gives a groupIdToken: a CSMS-side identifier
GROUP_TYPE = "Central"


# -- helpers ---------------------------------------------------------------------------------


def _token(dut, value: str) -> dict[str, str]:
    """A profile token as the station presents it (idToken and the profile's type)."""
    return {"idToken": value, "type": dut.tokens.type}


def _info(status: str, group: str | None = None) -> dict[str, Any]:
    """An idTokenInfo the harness answers with: a status, and a group when given."""
    info: dict[str, Any] = {"status": status}
    if group is not None:
        info["groupIdToken"] = {"idToken": group, "type": GROUP_TYPE}
    return info


def _remote_authorization(csms) -> None:
    """The configuration state of the local-start cases: authorization on, and asked of
    the CSMS (AuthEnabled true, DisableRemoteAuthorization false; each if implemented)."""
    dm.configure_if_implemented(csms, AUTH_ENABLED, "true")
    dm.configure_if_implemented(csms, DISABLE_REMOTE_AUTHORIZATION, "false")


def _leave_idle(csms, dut, tx: tx_states.Session) -> None:
    """After the case, passed or failed: end what it left at the session's EVSE (the
    transaction, the cable, the EV in the bay) with the shared post-condition."""
    csms.finally_do(f"leave EVSE {tx.evse} idle", leave_idle, csms, dut, tx)


def _present(csms, dut, tx: tx_states.Session, token: str, info: dict[str, Any] | None) -> int:
    """Manual action: present ``token`` at the session's EVSE, the harness answering
    its AuthorizeRequest with ``info`` (None: the default answer, Accepted). Returns
    the trace position before it."""
    if info is not None:
        csms.will_reply("Authorize", idTokenInfo=info)
    mark = csms.mark()
    dut.act("present_token", token=token, evse=tx.evse)
    return mark


def _authorize_request(csms, dut, mark: int, token: str, rule: str) -> None:
    """The AuthorizeRequest for the presented ``token`` (the tool validation of the
    step: idToken and type as configured)."""
    csms.expect("Authorize", after=mark, rule=rule, idToken=_token(dut, token))


def _listen(csms, dut) -> None:
    """Part 6: the OCTT waits <Configured message timeout> before it ends the case."""
    csms.hold_for(dut.timeouts.response, "Part 6: the OCTT waits <Configured message timeout>")


def _no_transaction_event(
    csms, mark: int, rule: str, why: str, which: Callable[[Any], bool] = lambda _: True
) -> None:
    """Fail with ``rule`` if a TransactionEvent (one ``which`` picks) came after ``mark``."""
    for event in csms.received("TransactionEvent", after=mark):
        if which(event):
            event.entry.failing = True
            raise DutFailure(
                f"TransactionEvent {event.get('eventType')} (frame {event.entry.seq}) {why}",
                rule,
                event.entry.raw,
            )


def _authorize_rule(dut, local_rule: str | None) -> str:
    """The rule an AuthorizeRequest for the presented token answers to, where a table
    names C01.FR.02 or the local token's rule (``local_rule``, C06.FR.02): the token's
    type decides. A locally generated id (type Local, use case C06) is judged by the
    latter, a card or a key code by C01.FR.02 (the tokens' type is the profile's
    [tokens] type). The caller names the local rule, so that a case whose table lacks it
    does not name it."""
    return local_rule if local_rule and dut.tokens.type == "Local" else "C01.FR.02"


def _refused_at_start(csms, dut, token: str, status: str, *, local_rule: str | None = None) -> None:
    """TC_C_02/06/07/56_CS: the EV is connected, the driver presents ``token``, the
    CSMS answers ``status``; the station must not start a transaction for it."""
    _remote_authorization(csms)
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    mark = _present(csms, dut, tx, token, _info(status))
    csms.step("1-2", f"AuthorizeRequest for the presented token, answered {status}")
    _authorize_request(csms, dut, mark, token, _authorize_rule(dut, local_rule))
    # The table's note: no TransactionEvent after the AuthorizeRequest; the station may
    # offer energy only after an authorization (C01.FR.01).
    _listen(csms, dut)
    _no_transaction_event(csms, mark, "C01.FR.01", f"followed a token the CSMS answered {status}")


# -- local start, refused ------------------------------------------------------------------


def _named(case: Callable[..., None], case_id: str) -> Callable[..., None]:
    """A case made by a factory carries the name of its module attribute, as a case
    written out does (pytest and the catalog find it by that name)."""
    case.__name__ = case.__qualname__ = f"test_{case_id.lower()}"
    return case


def _refused_case(case_id: str, title: str, table: int, token: str, status: str, *rules: str):
    """One of the four tables that differ only in the token and the CSMS's answer (a
    table that also names C06.FR.02 judges a token of type Local by it)."""
    # the rule of a token of type Local, where the table names one (C06's)
    local_rule = next((rule for rule in rules if rule.startswith("C06.")), None)
    catches: dict[str, str | None] = dict.fromkeys(
        ["no-authorize-for-unknown-token", "starts-on-refused-token"]
    )
    if local_rule:
        catches["no-authorize-for-local-token"] = local_rule

    @testcase(
        case_id,
        title,
        table=table,
        requirements=["C01.FR.02", *rules],
        catches=catches,
    )
    def case(csms, dut):
        _refused_at_start(csms, dut, getattr(dut.tokens, token), status, local_rule=local_rule)

    return _named(case, case_id)


# C06.FR.02 (a token of type Local) is Table 65's alternative rule: the profile's token
# type decides which one judges the step. Table 68 answers "Locked", which is no
# AuthorizationStatus: Blocked is meant (the blocked token).
test_tc_c_02_cs = _refused_case(
    "TC_C_02_CS",
    "Local start transaction - Authorization Invalid/Unknown",
    65,
    "invalid",
    "Invalid",
    "C06.FR.02",
)
test_tc_c_06_cs = _refused_case(
    "TC_C_06_CS", "Local start transaction - AuthorizationBlocked", 68, "blocked", "Blocked"
)
test_tc_c_07_cs = _refused_case(
    "TC_C_07_CS", "Local start transaction - Authorization Expired", 69, "expired", "Expired"
)
test_tc_c_56_cs = _refused_case(
    "TC_C_56_CS", "Local start transaction - Authorization Unknown", 117, "invalid", "Unknown"
)


@testcase(
    "TC_C_05_CS",
    "Local start transaction - Authorization invalid - Cable lock",
    table=66,
    requirements=["C01.FR.02", "C06.FR.02"],
    catches={
        "no-authorize-for-unknown-token": None,
        "no-authorize-for-local-token": "C06.FR.02",
        "starts-on-refused-token": None,
    },
)
def test_tc_c_05_cs(csms, dut):
    # A cable lock keeps the cable out until the driver is authorized (Part 5 AQ-2), so
    # the token comes first, no EV connected. Part 6's prerequisite: TxStartPoint holds
    # Authorized or can be set to it, so that an accepted token would start a transaction.
    _remote_authorization(csms)
    value, _ = dm.get_variable(csms, TX_START_POINT)
    if "Authorized" not in {p.strip() for p in str(value or "").split(",")}:
        dm.configure(csms, TX_START_POINT, "Authorized")
    tx = tx_states.session(csms, dut)
    _leave_idle(csms, dut, tx)
    invalid = dut.tokens.invalid
    mark = _present(csms, dut, tx, invalid, _info("Invalid"))
    csms.step("1-2", "AuthorizeRequest for the presented token, answered Invalid")
    # Table 66 names C01.FR.02 or C06.FR.02: the token's type decides
    _authorize_request(csms, dut, mark, invalid, _authorize_rule(dut, "C06.FR.02"))
    # The note: no TransactionEvent after the AuthorizeRequest (C01.FR.01); the harness
    # waits <Configured message timeout>.
    _listen(csms, dut)
    _no_transaction_event(csms, mark, "C01.FR.01", "followed a token the CSMS answered Invalid")


# -- local stop with another token ---------------------------------------------------------


@testcase(
    "TC_C_04_CS",
    "Local Stop Transaction - Different idToken",
    table=67,
    requirements=["C01.FR.02", "C01.FR.03"],
    catches=["no-authorize-for-unknown-token", "stops-on-any-token"],
)
def test_tc_c_04_cs(csms, dut):
    _remote_authorization(csms)
    csms.comment("Reusable state EnergyTransferStarted")
    tx = tx_states.energy_transfer_started(csms, dut)
    _leave_idle(csms, dut, tx)
    # Memory state: the different token (valid2) is of another group and known to
    # neither the list nor the cache (the CSMS gives it no group).
    other = dut.tokens.valid2
    mark = _present(csms, dut, tx, other, _info("Accepted"))
    csms.step("1-2", "AuthorizeRequest for the different token, answered Accepted")
    _authorize_request(csms, dut, mark, other, "C01.FR.02")
    _listen(csms, dut)
    # The note: no TransactionEvent with an idToken after the different token; the
    # post-scenario validation: no Ended one. Only the starting token (or one of its
    # group) ends the authorization (C01.FR.03).
    _no_transaction_event(
        csms,
        mark,
        "C01.FR.03",
        "named a token after a different one was presented",
        lambda event: "idToken" in event.payload,
    )
    _no_transaction_event(
        csms,
        mark,
        "C01.FR.03",
        "ended the transaction after a different token was presented",
        lambda event: event.get("eventType") == "Ended",
    )


# -- group id ------------------------------------------------------------------------------


def _answer_group(csms, dut) -> None:
    """Steps 4 and 9 of Tables 94 and 97: every TransactionEvent that names a token is
    answered Accepted with the configured groupIdToken (C09.FR.12)."""

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        if "idToken" not in request:
            return {}
        return {"idTokenInfo": _info("Accepted", dut.tokens.group_id)}

    csms.will_reply("TransactionEvent", answer, always=True)


def _charging_in_group(csms, dut) -> tx_states.Session:
    """Steps 1-5 of Tables 94 and 97: the EV is connected, the driver presents the
    valid token, the CSMS accepts it as a member of the configured group (C09.FR.02),
    and the EV charges."""
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    _answer_group(csms, dut)
    csms.will_reply("Authorize", idTokenInfo=_info("Accepted", dut.tokens.group_id))
    csms.step("1-4", "The valid token: AuthorizeRequest, answered with its group; the event")
    # Reusable state Authorized: the AuthorizeRequest names the token, the event (when
    # TxStartPoint makes one due) says Authorized with it, Started or Updated.
    tx_states.authorized(csms, dut, tx)
    csms.step(5, "Reusable state EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, tx)
    return tx


def _stopped(tx: tx_states.Session) -> None:
    """The driver's stop has happened: the session goes on as after StopAuthorized."""
    tx.stop = "local"
    tx.energy = False


@testcase(
    "TC_C_39_CS",
    "Authorization by GroupId - Success",
    table=94,
    requirements=["C09.FR.02", "C09.FR.03", "C09.FR.05"],
    catches=["group-token-not-stopping"],
)
def test_tc_c_39_cs(csms, dut):
    tx = _charging_in_group(csms, dut)
    group_token = dut.tokens.group
    mark = _present(csms, dut, tx, group_token, _info("Accepted", dut.tokens.group_id))
    csms.step("6-7", "The other token of the group: AuthorizeRequest (C09.FR.05), Accepted")
    _authorize_request(csms, dut, mark, group_token, "C09.FR.05")
    csms.step("8-9", "It ends the authorization: TransactionEvent StopAuthorized (C09.FR.03)")
    # Part 6 lists valid's token at step 8; the token that stopped is the group's
    # (E07.FR.02 asks for it and lets it differ), so either, or none, passes.
    event = tx_states.transaction_event(
        csms,
        tx,
        rule="C09.FR.03",
        trigger="StopAuthorized",
        trigger_rule="C09.FR.03",
        idToken=absent_or(one_of(tx.token, _token(dut, group_token))),
    )
    _stopped(tx)
    if event["eventType"] != "Ended":
        csms.step(10, "Reusable state EVConnectedPostSession")
        tx_states.ev_connected_post_session(csms, dut, tx)
    else:
        tx.post_session = True
    csms.step(11, "Reusable state EVDisconnected")
    tx_states.ev_disconnected(csms, dut, tx)
    csms.step(12, "Reusable state ParkingBayUnoccupied")
    tx_states.parking_bay_unoccupied(csms, dut, tx)


def _nothing_follows_refused_member(csms, mark: int) -> None:
    """Tables 97/99: a refused token of the group stops nothing (C09.FR.11): no
    TransactionEvent since ``mark`` but the readings of a station metering the
    transaction, which OCTT's "no TransactionEvent" would not let pass either."""
    why = "followed a refused token of the group"
    _no_transaction_event(csms, mark, "C09.FR.11", why, lambda e: not offline.only_a_reading(e))
    with csms.octt_expects("Part 6 notes no TransactionEvent at all, readings included"):
        _no_transaction_event(csms, mark, "C09.FR.11", why)


@testcase(
    "TC_C_42_CS",
    "Authorization by GroupId - Not stopped by GroupId",
    table=97,
    requirements=["C09.FR.11"],
    catches=["group-stop-refused-token"],
)
def test_tc_c_42_cs(csms, dut):
    tx = _charging_in_group(csms, dut)
    refused = dut.tokens.invalid
    mark = _present(csms, dut, tx, refused, _info("Invalid", dut.tokens.group_id))
    csms.step("6-7", "A refused token of the group: AuthorizeRequest, answered Invalid")
    _authorize_request(csms, dut, mark, refused, "C09.FR.05")
    # The note and the post-scenario validation: the station sends no TransactionEvent
    # and the energy transfer goes on (C09.FR.11).
    _listen(csms, dut)
    _nothing_follows_refused_member(csms, mark)


# -- master pass -----------------------------------------------------------------------------


def _master_pass_configured(csms, dut) -> None:
    """Configuration state: AuthCtrlr.MasterPassGroupId is <Configured MasterPassGroupId>."""
    dm.configure(csms, MASTER_PASS_GROUP_ID, dut.tokens.master_pass_group_id)


def _master_pass_info(dut) -> dict[str, Any]:
    return _info("Accepted", dut.tokens.master_pass_group_id)


def _start_only_by_authorization(csms) -> None:
    """Table 100's configuration state: TxStartPoint holds Authorized or PowerPathClosed
    and neither ParkingBayOccupancy nor EVConnected (else it is set to Authorized)."""
    value, _ = dm.get_variable(csms, TX_START_POINT)
    points = {p.strip() for p in str(value or "").split(",") if p.strip()}
    wanted = points & {"Authorized", "PowerPathClosed"}
    if wanted and not points & {"ParkingBayOccupancy", "EVConnected"}:
        return
    dm.configure(csms, TX_START_POINT, "Authorized")


@testcase(
    "TC_C_45_CS",
    "Authorization by GroupId - Master pass - Not able to start transaction + groupId",
    table=100,
    requirements=["C16.FR.03"],
    catches=["master-pass-starts"],
)
def test_tc_c_45_cs(csms, dut):
    _start_only_by_authorization(csms)
    _master_pass_configured(csms, dut)
    tx = tx_states.session(csms, dut)
    _leave_idle(csms, dut, tx)
    master = dut.tokens.master_pass
    mark = _present(csms, dut, tx, master, _master_pass_info(dut))
    csms.step("1-2", "The master pass: AuthorizeRequest, Accepted with MasterPassGroupId")
    # Part 6 lists valid's token at step 1; the token presented is the master pass.
    _authorize_request(csms, dut, mark, master, "C16.FR.03")
    csms.step(3, "Reusable state EVConnectedPreSession")
    tx_states.ev_connected_pre_session(csms, dut, tx)
    csms.step(4, "No transaction starts and no energy flows for the master pass (C16.FR.03)")
    _listen(csms, dut)
    _no_transaction_event(csms, mark, "C16.FR.03", "followed a master pass token")


def _charging_everywhere(csms, dut) -> list[tx_states.Session]:
    """Table 104's reusable state: EnergyTransferStarted on EVSE 1 with the valid token
    and, on a station with more EVSEs, on EVSE 2 with valid2."""
    sessions = []
    tokens = (dut.tokens.valid, dut.tokens.valid2)
    for layout, token in zip(dut.profile.layout[:2], tokens, strict=False):
        tx = tx_states.session(csms, dut, evse=layout.id)
        tx.token = _token(dut, token)
        _leave_idle(csms, dut, tx)
        csms.comment(f"Reusable state EnergyTransferStarted on EVSE {tx.evse}")
        sessions.append(tx_states.energy_transfer_started(csms, dut, tx))
    return sessions


def _ended_by_master_pass(csms, dut, sessions: list[tx_states.Session], rule: str) -> None:
    """Tables 102-104, steps 3-4: each transaction ends, stoppedReason MasterPass, the
    event naming the master pass or no token."""
    master = _token(dut, dut.tokens.master_pass)
    for tx in sessions:
        # One EVSE after the other: a station that ends them in another order fails
        # the transactionId check of the first (Part 6 §2.1 lets messages come in any
        # order; with two EVSEs this is a limit of the case).
        tx_states.transaction_event(
            csms,
            tx,
            rule=rule,
            trigger=ANY,
            eventType="Ended",
            transactionInfo={"stoppedReason": "MasterPass"},
            idToken=absent_or(master),
        )
        _stopped(tx)
        tx.post_session = True  # nothing of the ended transaction is left to report


def _after_master_pass(csms, dut, sessions: list[tx_states.Session]) -> None:
    """Tables 102-104, steps 5-7: EVConnectedPostSession, EVDisconnected and
    ParkingBayUnoccupied at each EVSE whose transaction the master pass ended."""
    for tx in sessions:
        csms.step(5, f"Reusable state EVConnectedPostSession on EVSE {tx.evse}")
        tx_states.ev_connected_post_session(csms, dut, tx)
        csms.step(6, f"Reusable state EVDisconnected on EVSE {tx.evse}")
        tx_states.ev_disconnected(csms, dut, tx)
        csms.step(7, f"Reusable state ParkingBayUnoccupied on EVSE {tx.evse}")
        tx_states.parking_bay_unoccupied(csms, dut, tx)


def _master_pass_presented(csms, dut, sessions: list[tx_states.Session], rule: str) -> int:
    """Steps 1-2 of Tables 102-104: the master pass is presented, its AuthorizeRequest
    answered Accepted with MasterPassGroupId. Returns the trace position before it."""
    master = dut.tokens.master_pass
    mark = _present(csms, dut, sessions[0], master, _master_pass_info(dut))
    csms.step("1-2", "The master pass: AuthorizeRequest, Accepted with MasterPassGroupId")
    _authorize_request(csms, dut, mark, master, rule)
    return mark


def _master_pass_screen(csms, dut, sessions: list[tx_states.Session]) -> None:
    """Tables 102 and 103 up to the operator's choice: the master pass on a station with
    a user interface shows its master pass screen (C16.FR.01), so no transaction may end
    before the operator chooses there. A station that skips the screen ends them on its
    own a little after the AuthorizeResponse: the harness listens <Configured message
    timeout> for that before the operator is asked. The TransactionEvents that name the
    master pass are answered Accepted with its group (step 4)."""
    master = dut.tokens.master_pass

    def answer(request: dict[str, Any]) -> dict[str, Any] | None:
        if (request.get("idToken") or {}).get("idToken") == master:
            return {"idTokenInfo": _master_pass_info(dut)}
        return None  # the default answer

    csms.will_reply("TransactionEvent", answer, always=True)
    mark = _master_pass_presented(csms, dut, sessions, "C16.FR.01")
    _listen(csms, dut)
    _no_transaction_event(
        csms,
        mark,
        "C16.FR.01",
        "ended a transaction before the operator chose on the master pass screen",
        lambda event: event.get("eventType") == "Ended",
    )


def _operator_chooses(csms, dut, action: str, **params: Any) -> tuple[int, _dt.datetime]:
    """Manual action: the operator's choice on the master pass screen. Returns the trace
    position and the time (UTC) before it, for :func:`_none_ended_before`."""
    choice, asked = csms.mark(), _dt.datetime.now(_dt.UTC)
    dut.act(action, **params)
    return choice, asked


def _none_ended_before(csms, dut, choice: tuple[int, _dt.datetime]) -> None:
    """C16.FR.01: an Ended event that came after the choice, but that the station stamped
    before the operator was asked (beyond the time deviation), ended its transaction
    before the choice: the station only held the event back."""
    mark, asked = choice
    earliest = asked - _dt.timedelta(seconds=dut.profile.tolerances.time_deviation)

    def before(event: Any) -> bool:
        stamp = str(event.get("timestamp") or "")
        if event.get("eventType") != "Ended" or not stamp:
            return False
        return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) < earliest

    _no_transaction_event(
        csms,
        mark,
        "C16.FR.01",
        f"is stamped before the operator chose on the master pass screen ({asked:%H:%M:%S})",
        before,
    )


@testcase(
    "TC_C_47_CS",
    "Stop Transaction with a Master Pass - With UI - All transactions",
    table=102,
    requirements=["C16.FR.01"],
    catches={
        "master-pass-screen-skipped": "C16.FR.01",
        "master-pass-ends-before-choice": "C16.FR.01",
        "master-pass-choice-ignored": "C16.FR.01",
        "master-pass-ignored": "C16.FR.01",
    },
)
def test_tc_c_47_cs(csms, dut):
    _master_pass_configured(csms, dut)
    sessions = _charging_everywhere(csms, dut)
    _master_pass_screen(csms, dut, sessions)
    # Manual action: on the master pass screen, choose to stop all transactions.
    choice = _operator_chooses(csms, dut, "master_pass_stop_all")
    csms.step("3-4", "Every transaction ends, stoppedReason MasterPass (C16.FR.01)")
    _ended_by_master_pass(csms, dut, sessions, "C16.FR.01")
    _none_ended_before(csms, dut, choice)
    _after_master_pass(csms, dut, sessions)


@testcase(
    "TC_C_48_CS",
    "Stop Transaction with a Master Pass - With UI - With UI - Specific transactions",
    table=103,
    requirements=["C16.FR.01"],
    catches={
        "master-pass-screen-skipped": "C16.FR.01",
        "master-pass-ends-before-choice": "C16.FR.01",
        "master-pass-ignored": "C16.FR.01",
        # tests/test_two_evses.py: there is no transaction but the chosen one on one EVSE
        "master-pass-choice-ignored": "C16.FR.01",
        "master-pass-suspends-others": "C16.FR.01",
    },
)
def test_tc_c_48_cs(csms, dut):
    _master_pass_configured(csms, dut)
    sessions = _charging_everywhere(csms, dut)
    chosen, *others = sessions
    _master_pass_screen(csms, dut, sessions)
    # Manual action: on the master pass screen, choose to stop the transaction on EVSE 1.
    choice = _operator_chooses(csms, dut, "master_pass_stop", evse=chosen.evse)
    csms.step("3-4", f"The transaction on EVSE {chosen.evse} ends, stoppedReason MasterPass")
    _ended_by_master_pass(csms, dut, [chosen], "C16.FR.01")
    _none_ended_before(csms, dut, choice)
    _after_master_pass(csms, dut, [chosen])
    # Post-scenario validation: every other EVSE still transfers energy (C16.FR.01: the
    # choice ends only the chosen transaction). On a station with one EVSE there is no
    # other, and the validation has nothing to look at.
    if others:
        csms.comment("Post-scenario validation: the other EVSEs still transfer energy")
        _listen(csms, dut)
        for tx in others:
            _still_charging(csms, choice[0], tx)


def _still_charging(csms, mark: int, tx: tx_states.Session) -> None:
    """TC_C_48_CS's post-scenario validation for a transaction not chosen: since ``mark``
    the station neither ended it nor reported it away from Charging (C16.FR.01)."""

    def stopped(event: Any) -> bool:
        info = event.get("transactionInfo") or {}
        if info.get("transactionId") != tx.transaction_id:
            return False
        state = info.get("chargingState")
        return event.get("eventType") == "Ended" or (state is not None and state != "Charging")

    _no_transaction_event(
        csms,
        mark,
        "C16.FR.01",
        f"stopped the energy transfer on EVSE {tx.evse}, whose transaction was not chosen",
        stopped,
    )


@testcase(
    "TC_C_49_CS",
    "Stop Transaction with a Master Pass - Without UI",
    table=104,
    requirements=["C16.FR.02"],
    catches=["master-pass-ignored"],
)
def test_tc_c_49_cs(csms, dut):
    _master_pass_configured(csms, dut)
    sessions = _charging_everywhere(csms, dut)
    _master_pass_presented(csms, dut, sessions, "C16.FR.02")
    csms.step("3-4", "Every transaction ends, stoppedReason MasterPass (C16.FR.02)")
    _ended_by_master_pass(csms, dut, sessions, "C16.FR.02")
    _after_master_pass(csms, dut, sessions)


# -- the authorization cache ----------------------------------------------------------------


def _cache_on(csms, *, post_authorize: bool | None = None) -> None:
    """The cache cases' configuration state: AuthCacheCtrlr.Enabled and AuthCtrlr
    LocalPreAuthorize true, and with ``post_authorize`` the cache's
    DisablePostAuthorize false (each if implemented)."""
    dm.configure_if_implemented(csms, CACHE_ENABLED, "true")
    dm.configure_if_implemented(csms, LOCAL_PRE_AUTHORIZE, "true")
    if post_authorize:
        dm.configure_if_implemented(csms, CACHE_DISABLE_POST_AUTHORIZE, "false")


def _fresh_cache(csms) -> None:
    """Beyond Part 6: ClearCache (any answer) before the memory states, so an earlier
    answer about a token (without the group) cannot stand in for the one they store."""
    csms.call("ClearCache")


def _due_at_authorization(tx: tx_states.Session) -> bool:
    """Does the authorization make a TransactionEvent due (TxStartPoint Authorized, or
    PowerPathClosed with the cable in, or a transaction already running)?"""
    return (
        tx.running
        or tx.starts_at("Authorized")
        or (tx.ev_connected and tx.starts_at("PowerPathClosed"))
    )


def _authorized_locally(
    csms, dut, tx: tx_states.Session, *, rule: str, info: dict[str, Any] | None = None
) -> int:
    """Reusable state Authorized (Table 428, local) for the session's token: presented
    (an AuthorizeRequest, if one comes, answered ``info``), and the TransactionEvent
    the authorization makes due: Authorized, with the token, Started or Updated
    (``rule``). Returns the trace position before the token."""
    mark = _present(csms, dut, tx, tx.token["idToken"], info)
    tx.authorized, tx.token_due = "local", True
    if _due_at_authorization(tx):
        tx_states.transaction_event(csms, tx, rule=rule, trigger="Authorized", trigger_rule=rule)
    return mark


@testcase(
    "TC_C_08_CS",
    "Authorization through authorization cache - Accepted",
    table=70,
    requirements=["C12.FR.02", "C12.FR.04"],
    catches=["cached-token-refused"],
)
def test_tc_c_08_cs(csms, dut):
    _cache_on(csms)
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    csms.step(1, "Reusable state Authorized with the cached token (C12.FR.02)")
    _authorized_locally(csms, dut, tx, rule="C12.FR.02")
    csms.step(2, "Reusable state EnergyTransferStarted: the energy offer starts (C12.FR.04)")
    tx_states.energy_transfer_started(csms, dut, tx)


@testcase(
    "TC_C_13_CS",
    "Authorization through authorization cache - Accepted but cable not connected yet.",
    table=75,
    requirements=["C12.FR.02", "C12.FR.04"],
    catches=["cached-token-refused"],
)
def test_tc_c_13_cs(csms, dut):
    _cache_on(csms)
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    csms.comment("Reusable state ParkingBayOccupied, where TxStartPoint needs it")
    tx = tx_states.parking_bay_occupied(csms, dut)
    _leave_idle(csms, dut, tx)
    csms.step("1-2", "The cached token, no cable yet: TransactionEvent Authorized (C12.FR.02)")
    _authorized_locally(csms, dut, tx, rule="C12.FR.02")
    csms.step(3, "Reusable state EVConnectedPreSession")
    tx_states.ev_connected_pre_session(csms, dut, tx)
    csms.step(4, "Reusable state EnergyTransferStarted: the energy offer starts (C12.FR.04)")
    tx_states.energy_transfer_started(csms, dut, tx)


def _cached_refused_case(case_id: str, title: str, table: int, token: str, status: str):
    """Tables 71-73: a token the cache holds with ``status`` is presented again; the
    station asks the CSMS (C12.FR.05, C10.FR.03), which says ``status`` again."""

    @testcase(
        case_id,
        title,
        table=table,
        requirements=["C12.FR.05", "C10.FR.03"],
        catches=["cache-refuses-without-asking"],
    )
    def case(csms, dut):
        value = getattr(dut.tokens, token)
        _cache_on(csms, post_authorize=True)
        csms.comment(f"Memory state IdTokenCached for the {token} token ({status})")
        memory.id_token_cached_refused(csms, dut, value, status)
        csms.comment("Reusable state EVConnectedPreSession")
        tx = tx_states.ev_connected_pre_session(csms, dut)
        _leave_idle(csms, dut, tx)
        mark = _present(csms, dut, tx, value, _info(status))
        csms.step("1-2", f"The cached {status} token goes to the CSMS again, answered {status}")
        _authorize_request(csms, dut, mark, value, "C12.FR.05")

    return _named(case, case_id)


test_tc_c_09_cs = _cached_refused_case(
    "TC_C_09_CS",
    "Authorization through authorization cache - Invalid & Not Accepted",
    71,
    "invalid",
    "Invalid",
)
# Table 72 answers "Restricted", which is no AuthorizationStatus; its purpose and tool
# validation name the blocked token, so the cache holds it Blocked and the CSMS says so.
test_tc_c_10_cs = _cached_refused_case(
    "TC_C_10_CS", "Authorization through authorization cache - Restricted", 72, "blocked", "Blocked"
)
# Table 73's tool validation names valid's token; the token presented is the expired one.
test_tc_c_11_cs = _cached_refused_case(
    "TC_C_11_CS", "Authorization through authorization cache - Expired", 73, "expired", "Expired"
)


@testcase(
    "TC_C_12_CS",
    "Authorization through authorization cache - Invalid & Accepted",
    table=74,
    requirements=["C12.FR.05", "C10.FR.03"],
    catches=["cache-refuses-without-asking"],
)
def test_tc_c_12_cs(csms, dut):
    _cache_on(csms, post_authorize=True)
    csms.comment("Memory state IdTokenCached for the invalid token (Invalid)")
    memory.id_token_cached_refused(csms, dut, dut.tokens.invalid, "Invalid")
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    tx.token = _token(dut, dut.tokens.invalid)
    _leave_idle(csms, dut, tx)
    mark = _present(csms, dut, tx, dut.tokens.invalid, _info("Accepted"))
    csms.step("1-2", "The cached Invalid token goes to the CSMS again (C12.FR.05): Accepted now")
    # Part 6 names valid's token at step 1; the token presented is the invalid one.
    _authorize_request(csms, dut, mark, dut.tokens.invalid, "C12.FR.05")
    tx.authorized, tx.token_due = "local", True
    if _due_at_authorization(tx):
        csms.step("3-4", "The TransactionEvent of the authorization (optional in Part 6)")
        tx_states.transaction_event(
            csms, tx, rule="E02.FR.20", trigger="Authorized", trigger_rule="E02.FR.20"
        )
    csms.step(5, "Reusable state EnergyTransferStarted (the post-scenario validation)")
    tx_states.energy_transfer_started(csms, dut, tx)


@testcase(
    "TC_C_57_CS",
    "Authorization through authorization cache - AuthCacheDisablePostAuthorize",
    table=81,
    requirements=["C12.FR.05", "C10.FR.03"],
    catches=["cache-ignores-disable-post-authorize"],
)
def test_tc_c_57_cs(csms, dut):
    _cache_on(csms)
    dm.configure(csms, CACHE_DISABLE_POST_AUTHORIZE, "true")
    csms.comment("Memory state IdTokenCached for the invalid token (Invalid)")
    memory.id_token_cached_refused(csms, dut, dut.tokens.invalid, "Invalid")
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    mark = _present(csms, dut, tx, dut.tokens.invalid, _info("Invalid"))
    csms.step(1, "No AuthorizeRequest for the cached Invalid token, and it is refused")
    _listen(csms, dut)
    for request in csms.received("Authorize", after=mark):
        request.entry.failing = True
        raise DutFailure(
            f"AuthorizeRequest (frame {request.entry.seq}) for a cached token that is not "
            "Accepted, with AuthCacheCtrlr.DisablePostAuthorize true",
            "C10.FR.03",
            request.entry.raw,
        )
    _no_transaction_event(csms, mark, "C01.FR.01", "followed a token the cache holds as Invalid")


def _clear_cache(csms, status: str, rule: str) -> None:
    """ClearCacheRequest; tool validation: the status."""
    csms.call("ClearCache").expect(rule=rule, status=status)


@testcase(
    "TC_C_37_CS",
    "Clear Authorization Data in Authorization Cache - Accepted",
    table=92,
    requirements=["C11.FR.01", "C11.FR.02", "C11.FR.03"],
    catches=["clear-cache-rejected", "clear-cache-keeps-entries"],
)
def test_tc_c_37_cs(csms, dut):
    dm.configure_if_implemented(csms, CACHE_ENABLED, "true")
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    with csms.beyond_octt("Part 6 Table 92 leaves LocalPreAuthorize as it finds it"):
        # With LocalPreAuthorize true a station that kept the token would not ask the
        # CSMS at step 5, so the step shows whether the cache was cleared.
        dm.configure_if_implemented(csms, LOCAL_PRE_AUTHORIZE, "true")
    csms.step("1-2", "ClearCacheRequest: Accepted (C11.FR.03)")
    _clear_cache(csms, "Accepted", "C11.FR.03")
    csms.step("3-4", "Reusable states ParkingBayOccupied and EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    csms.step("5-8", "The token is not cached any more: AuthorizeRequest (C11.FR.01), the event")
    mark = _authorized_locally(csms, dut, tx, rule="E02.FR.20", info=_info("Accepted"))
    _authorize_request(csms, dut, mark, tx.token["idToken"], "C11.FR.01")
    csms.step(9, "Reusable state EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, tx)


@testcase(
    "TC_C_38_CS",
    "Clear Authorization Data in Authorization Cache - Rejected",
    table=93,
    requirements=["C11.FR.01", "C11.FR.02", "C11.FR.04"],
    catches=["clear-cache-accepted-when-disabled"],
)
def test_tc_c_38_cs(csms, dut):
    if not dm.configure_if_implemented(csms, CACHE_ENABLED, "false"):
        pytest.skip("AuthCacheCtrlr.Enabled is not implemented: the cache cannot be disabled")
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    csms.step("1-2", "ClearCacheRequest with the cache disabled: Rejected (C11.FR.04)")
    _clear_cache(csms, "Rejected", "C11.FR.04")


@testcase(
    "TC_C_46_CS",
    "Store Authorization Data in the Authorization Cache - AuthCacheLifeTime",
    table=101,
    requirements=["C10.FR.08"],
    catches=["tx-no-token-after-authorization"],
    warns={"cache-ignores-lifetime": "C10.FR.08"},
)
def test_tc_c_46_cs(csms, dut):
    # AuthCacheLifeTime is <Configured Transaction Duration>; a lifetime is at least 1 s.
    lifetime = max(1, round(dut.profile.harness.transaction_duration))
    dm.configure(csms, CACHE_LIFETIME, str(lifetime))
    dm.configure_if_implemented(csms, LOCAL_PRE_AUTHORIZE, "true")
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    csms.step(1, f"Wait the cache lifetime ({lifetime} s) and a little more")
    deviation = dut.profile.tolerances.time_deviation
    csms.hold_for(lifetime + deviation, "Part 6 Table 101: the cached entry's lifetime passes")
    csms.step(2, "Reusable state Authorized (local)")
    mark = csms.mark()
    tx_states.authorized(csms, dut, tx)
    with csms.beyond_octt("Part 6 Table 101 does not look for the AuthorizeRequest"):
        # The entry expired (C10.FR.08), so the token is unknown again: the station asks.
        if not csms.received("Authorize", after=mark):
            raise DutFailure(
                f"no AuthorizeRequest for a token whose cache entry outlived its "
                f"AuthCacheLifeTime of {lifetime} s",
                "C10.FR.08",
            )


@testcase(
    "TC_C_32_CS",
    "Store Authorization Data in the Authorization Cache - Persistent over reboot",
    table=88,
    requirements=["C10.FR.02"],
    catches=["tx-no-token-after-authorization"],
    warns={"cache-lost-on-reboot": "C10.FR.02"},
)
def test_tc_c_32_cs(csms, dut):
    dm.configure_if_implemented(csms, CACHE_ENABLED, "true")
    dm.configure(csms, LOCAL_PRE_AUTHORIZE, "true")
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    csms.step(1, "Reusable state Booted")
    cs_states.booted(csms, dut)
    tx = tx_states.session(csms, dut)
    _leave_idle(csms, dut, tx)
    csms.step("2-3", "The cached token after the reboot: TransactionEvent Authorized")
    mark = _authorized_locally(csms, dut, tx, rule="E02.FR.20")
    with csms.beyond_octt("Part 6 Table 88 does not look for an AuthorizeRequest"):
        for request in csms.received("Authorize", after=mark):
            request.entry.failing = True
            raise DutFailure(
                f"AuthorizeRequest (frame {request.entry.seq}) for a token cached before "
                "the reboot: the cache did not survive it",
                "C10.FR.02",
                request.entry.raw,
            )
    csms.step(4, "Reusable state EVConnectedPreSession")
    tx_states.ev_connected_pre_session(csms, dut, tx)
    csms.step(5, "Reusable state EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, tx)


@testcase(
    "TC_C_36_CS",
    "Store Authorization Data in the Authorization Cache - "
    "AuthCacheCtrl.LocalPreAuthorization = false",
    table=91,
    requirements=["C10.FR.11"],
    catches=["cache-used-without-local-pre-authorize"],
)
def test_tc_c_36_cs(csms, dut):
    dm.configure_if_implemented(csms, CACHE_ENABLED, "true")
    dm.configure(csms, LOCAL_PRE_AUTHORIZE, "false")
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    tx = tx_states.session(csms, dut)
    mark = _present(csms, dut, tx, dut.tokens.valid, _info("Invalid"))
    csms.step("1-2", "LocalPreAuthorize false: the cached token goes to the CSMS, answered Invalid")
    _authorize_request(csms, dut, mark, dut.tokens.valid, "C10.FR.11")


@testcase(
    "TC_C_33_CS",
    "Store Authorization Data in the Authorization Cache - Update on AuthorizationResponse",
    table=89,
    requirements=["C10.FR.04", "C12.FR.06"],
    catches=["cached-token-refused"],
    warns={"cache-not-updated-by-authorize": "C10.FR.04"},
)
def test_tc_c_33_cs(csms, dut):
    dm.configure_if_implemented(csms, CACHE_ENABLED, "true")
    dm.configure(csms, LOCAL_PRE_AUTHORIZE, "true")
    dm.configure_if_implemented(csms, LOCAL_LIST_ENABLED, "true")
    # Step 1 presumes the token is not cached yet (the table has no memory state).
    _fresh_cache(csms)
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    csms.step("1-4", "The valid token: AuthorizeRequest, Accepted (C10.FR.04 stores it); the event")
    mark = _authorized_locally(csms, dut, tx, rule="E02.FR.20", info=_info("Accepted"))
    _authorize_request(csms, dut, mark, dut.tokens.valid, "C10.FR.04")
    csms.step(
        "5-8", "EnergyTransferStarted, EVConnectedPostSession, EVDisconnected, ParkingBayUnoccupied"
    )
    tx_states.parking_bay_unoccupied(csms, dut, tx)
    csms.step("9-10", "Reusable states ParkingBayOccupied and EVConnectedPreSession")
    again = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, again)
    # Step 13 answers the event's token Invalid; nothing after it is in the table.
    csms.will_reply(
        "TransactionEvent",
        lambda request: {"idTokenInfo": _info("Invalid")} if "idToken" in request else {},
    )
    stops = _stops_on_invalid(csms)
    csms.step("11-13", "The same token again, from the cache: TransactionEvent Authorized")
    mark = _authorized_locally(csms, dut, again, rule="C12.FR.02")
    _after_refusal(csms, again, stops)
    with csms.beyond_octt("Part 6 Table 89 does not look for an AuthorizeRequest at step 12"):
        for request in csms.received("Authorize", after=mark):
            request.entry.failing = True
            raise DutFailure(
                f"AuthorizeRequest (frame {request.entry.seq}) for a token the CSMS "
                "accepted a moment ago: its answer was not stored in the cache",
                "C10.FR.04",
                request.entry.raw,
            )


def _stops_on_invalid(csms) -> bool:
    """TxCtrlr.StopTxOnInvalidId as the station reports it (true when not reported)."""
    _, value = dm.read_optional(csms, STOP_TX_ON_INVALID_ID)
    return value != "false"


def _refusal_done(event: Any, stops: bool) -> bool:
    if stops:
        return event.get("triggerReason") == "Deauthorized"
    return event.get("transactionInfo", {}).get("chargingState") == "SuspendedEVSE"


def _after_refusal(csms, tx: tx_states.Session, stops: bool) -> None:
    """The CSMS refused the token in its TransactionEventResponse. With
    StopTxOnInvalidId true the station deauthorizes (E05.FR.10: Ended where TxStopPoint
    holds Authorized, PowerPathClosed or EnergyTransfer; else E05.FR.09: Updated), with
    false it suspends the energy (E05.FR.02: SuspendedEVSE). Part 6 leaves this out of
    Tables 89 and 90; the harness takes those events so that the session stays right,
    and a station that does otherwise gets a warning."""
    if stops:
        rule = (
            "E05.FR.10"
            if tx.stops_at("Authorized", "PowerPathClosed", "EnergyTransfer")
            else "E05.FR.09"
        )
    else:
        rule = "E05.FR.02"
    with csms.beyond_octt("Part 6 Tables 89 and 90 do not follow the refused token"):
        for _ in range(_MAX_BEFORE_REFUSAL):
            event = tx_states.transaction_event(csms, tx, rule=rule, trigger=ANY)
            if _refusal_done(event, stops):
                break
        else:
            raise DutFailure(
                f"no TransactionEvent showed the refused token's effect within "
                f"{_MAX_BEFORE_REFUSAL} events",
                rule,
                tx.events[-1].entry.raw,
            )
    _stopped(tx)
    tx.post_session = True


@testcase(
    "TC_C_34_CS",
    "Store Authorization Data in the Authorization Cache - Update on TransactionResponse",
    table=90,
    requirements=["C10.FR.05", "C12.FR.06"],
    catches=["cache-not-updated-by-transaction-event"],
)
def test_tc_c_34_cs(csms, dut):
    dm.configure_if_implemented(csms, CACHE_ENABLED, "true")
    dm.configure(csms, LOCAL_PRE_AUTHORIZE, "true")
    dm.configure_if_implemented(csms, LOCAL_LIST_ENABLED, "true")
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    stops = _stops_on_invalid(csms)
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    # Step 2: every event that names the token is answered Invalid (C10.FR.05: the
    # station updates its cache with it).
    csms.will_reply(
        "TransactionEvent",
        lambda request: {"idTokenInfo": _info("Invalid")} if "idToken" in request else {},
        always=True,
    )
    csms.step("1-2", "The cached token: TransactionEvent Authorized, answered Invalid")
    _authorized_locally(csms, dut, tx, rule="C12.FR.02")
    _after_refusal(csms, tx, stops)
    csms.step("3-4", "Reusable states EVDisconnected and ParkingBayUnoccupied")
    tx_states.parking_bay_unoccupied(csms, dut, tx)
    csms.step("5-6", "Reusable states ParkingBayOccupied and EVConnectedPreSession")
    again = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, again)
    mark = _present(csms, dut, again, dut.tokens.valid, _info("Invalid"))
    csms.step("7-8", "The token, cached Invalid now, goes to the CSMS (C10.FR.05): Invalid")
    _authorize_request(csms, dut, mark, dut.tokens.valid, "C10.FR.05")


# -- group id with the cache -------------------------------------------------------------------


def _group(dut) -> dict[str, str]:
    return {"idToken": dut.tokens.group_id, "type": GROUP_TYPE}


def _cached_in_group(csms, dut, token: str) -> None:
    """Memory state IdTokenCached for ``token``, which the CSMS puts into the
    configured group (C09.FR.02)."""
    tx = tx_states.session(csms, dut)
    tx.token = _token(dut, token)
    csms.will_reply("Authorize", idTokenInfo=_info("Accepted", dut.tokens.group_id))
    csms.comment(f"Memory state IdTokenCached for {token}, of the configured group")
    memory.id_token_cached(csms, dut, tx)


def _charging_from_cache(csms, dut) -> tx_states.Session:
    """Steps 1-3 of Tables 96 and 99: the cached valid token starts the transaction
    without the CSMS (TransactionEvent Authorized, answered with the group), and the
    EV charges."""
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    csms.step("1-2", "The cached valid token: TransactionEvent Authorized, answered with its group")
    _authorized_locally(csms, dut, tx, rule="C12.FR.02")
    csms.step(3, "Reusable state EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, tx)
    return tx


@testcase(
    "TC_C_41_CS",
    "Authorization by GroupId - Success with Authorization Cache",
    table=96,
    requirements=["C09.FR.02", "C09.FR.03", "C09.FR.07"],
    # the defect breaks C09.FR.03; with both tokens cached the rule is C09.FR.07
    catches={"group-token-not-stopping": "C09.FR.07"},
)
def test_tc_c_41_cs(csms, dut):
    _cache_on(csms)
    # Table 96 names valid_idtoken2 "with <Configured GroupId>": the profile's token of
    # valid's group is ``group`` (valid2 is of another group).
    _fresh_cache(csms)
    # Every answer about the tokens names the group, the memory states' too: a
    # TransactionEventResponse updates the cache as an AuthorizeResponse does (C10.FR.05).
    _answer_group(csms, dut)
    _cached_in_group(csms, dut, dut.tokens.valid)
    _cached_in_group(csms, dut, dut.tokens.group)
    tx = _charging_from_cache(csms, dut)
    _present(csms, dut, tx, dut.tokens.group, _info("Accepted", dut.tokens.group_id))
    csms.step(4, "The cached token of the group ends the authorization (C09.FR.03, C09.FR.07)")
    # StopAuthorized (Table 432) with the other token: the event may name either token.
    event = tx_states.transaction_event(
        csms,
        tx,
        rule="C09.FR.07",
        trigger="StopAuthorized",
        trigger_rule="C09.FR.07",
        idToken=absent_or(one_of(tx.token, _token(dut, dut.tokens.group))),
    )
    _stopped(tx)
    if event["eventType"] == "Ended":
        tx.post_session = True
    csms.step("5-7", "EVConnectedPostSession, EVDisconnected, ParkingBayUnoccupied")
    tx_states.parking_bay_unoccupied(csms, dut, tx)


@testcase(
    "TC_C_44_CS",
    "Authorization by GroupId - Invalid status with Authorization Cache",
    table=99,
    requirements=["C09.FR.02", "C09.FR.03", "C09.FR.07"],
    catches=["group-stop-refused-token"],
)
def test_tc_c_44_cs(csms, dut):
    _cache_on(csms, post_authorize=True)
    _answer_group(csms, dut)  # as in TC_C_41_CS
    # Table 99 lists valid's memory state first; the refused one clears the cache
    # before it stores its token, so it goes first here.
    csms.comment("Memory state IdTokenCached for the invalid token, of the configured group")
    memory.id_token_cached_refused(csms, dut, dut.tokens.invalid, "Invalid", group=_group(dut))
    _cached_in_group(csms, dut, dut.tokens.valid)
    tx = _charging_from_cache(csms, dut)
    refused = dut.tokens.invalid
    mark = _present(csms, dut, tx, refused, _info("Invalid", dut.tokens.group_id))
    csms.step("4-5", "The cached Invalid token of the group goes to the CSMS: Invalid again")
    _authorize_request(csms, dut, mark, refused, "C12.FR.05")
    # The note: no TransactionEvent; a refused member of the group stops nothing.
    _listen(csms, dut)
    _nothing_follows_refused_member(csms, mark)


def _refuse_token_events(csms) -> None:
    """Every TransactionEvent that names a token is answered Invalid."""
    csms.will_reply(
        "TransactionEvent",
        lambda request: {"idTokenInfo": _info("Invalid")} if "idToken" in request else {},
        always=True,
    )


OFFLINE_THRESHOLD = dm.Variable("OCPPCommCtrlr", "OfflineThreshold")
RETRY_BACK_OFF_WAIT_MINIMUM = dm.Variable("OCPPCommCtrlr", "RetryBackOffWaitMinimum")
RETRY_BACK_OFF_RANDOM_RANGE = dm.Variable("OCPPCommCtrlr", "RetryBackOffRandomRange")


def _offline_back_off(csms, dut) -> None:
    """Tables 77 and 80: the back-off the station reconnects with is the configured
    minimum, without a random part, and the OfflineThreshold a minute above it."""
    minimum = dut.profile.network.retry_backoff_wait_minimum
    dm.configure(csms, OFFLINE_THRESHOLD, str(minimum + 60))
    dm.configure(csms, RETRY_BACK_OFF_WAIT_MINIMUM, str(minimum))
    dm.configure(csms, RETRY_BACK_OFF_RANDOM_RANGE, "0")


def _charging_offline_from_cache(
    csms,
    dut,
    *,
    stop_on_invalid: bool,
    max_energy: str | None,
    back_off: bool = False,
    unknown_offline: bool = True,
) -> tx_states.Session:
    """Tables 77-80, up to step 4: the cached valid token starts a transaction while
    the CSMS is away; back online, the station delivers the queued events up to the
    energy transfer (C12.FR.04), each offline, and the CSMS answers the token's Invalid.
    ``max_energy`` is MaxEnergyOnInvalidId: set when given (the station has it: C-03),
    else 0 where implemented. ``unknown_offline``: OfflineTxForUnknownIdEnabled true
    where implemented (Tables 77, 79, 80; Table 78 leaves it out)."""
    _cache_on(csms)
    # Table 79 leaves LocalAuthorizeOffline out; without it the cached token could not
    # start anything while offline.
    dm.configure(csms, LOCAL_AUTHORIZE_OFFLINE, "true")
    if unknown_offline:
        dm.configure_if_implemented(csms, offline.OFFLINE_TX_FOR_UNKNOWN_ID, "true")
    if back_off:
        _offline_back_off(csms, dut)
    dm.configure(csms, STOP_TX_ON_INVALID_ID, "true" if stop_on_invalid else "false")
    if max_energy is None:
        dm.configure_if_implemented(csms, MAX_ENERGY_ON_INVALID_ID, "0")
    else:
        dm.configure(csms, MAX_ENERGY_ON_INVALID_ID, max_energy)
    csms.comment("Memory state IdTokenCached for the valid token")
    memory.id_token_cached(csms, dut)
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    _leave_idle(csms, dut, tx)
    _refuse_token_events(csms)
    csms.step(1, "The CSMS closes the connection and refuses reconnects")
    csms.go_offline("Part 6 Tables 77-80 step 1: the CSMS is away")
    # Manual action: the cached token, offline (C12.FR.02: taken from the cache).
    dut.act("present_token", token=tx.token["idToken"], evse=tx.evse)
    tx.authorized, tx.token_due = "local", True
    duration = dut.profile.harness.transaction_duration
    if back_off and duration > 0:
        csms.hold_for(duration, "Part 6: the OCTT waits <Configured Transaction Duration>")
    elif not back_off:
        # Tables 78/79: the OCTT stays away about 5 s before it takes the reconnection,
        # so the transaction starts offline; here the transaction duration (5 s unless
        # the profile says otherwise), at least the connect timeout.
        offline_for = max(duration, dut.timeouts.connect)
        csms.hold_for(offline_for, "Part 6 Tables 78/79: the OCTT waits before reconnecting")
    csms.step(2, "The reconnection is accepted")
    csms.come_online()
    csms.expect_reconnect(timeout=dut.timeouts.connect, rule="E04.FR.02")
    csms.step("3-4", "The queued events, offline, up to Charging (C12.FR.04); the token's: Invalid")
    offline.deliver_queued(csms, dut, tx, until="Charging")
    return tx


def _deauthorized(csms, dut, tx: tx_states.Session, **fields: Any) -> None:
    """Tables 78 and 80, steps 5-6: StopTxOnInvalidId true, so the station deauthorizes
    the transaction: Ended with stoppedReason DeAuthorized where TxStopPoint ends it with
    the authorization (C15.FR.04), else Updated (C15.FR.03). The rest of the queue and
    the readings before it do not count (offline.after_queue)."""
    ends = tx.stops_at("Authorized", "PowerPathClosed", "EnergyTransfer")
    rule = "C15.FR.04" if ends else "C15.FR.03"
    event = offline.after_queue(
        csms, dut, tx, rule=rule, trigger="Deauthorized", trigger_rule=rule, **fields
    )
    if ends:
        event.expect(
            rule=rule, eventType="Ended", transactionInfo={"stoppedReason": "DeAuthorized"}
        )
    _stopped(tx)
    tx.post_session = True


def _suspended(csms, dut, tx: tx_states.Session, rule: str) -> None:
    """StopTxOnInvalidId false: the station holds the energy back, the authorization
    stays (C15.FR.06, E05.FR.02): ChargingStateChanged with SuspendedEVSE; Ended where
    TxStopPoint is EnergyTransfer, which the held-back energy ends. The rest of the
    queue and the readings before it do not count (offline.after_queue)."""
    event = offline.after_queue(
        csms,
        dut,
        tx,
        rule=rule,
        trigger="ChargingStateChanged",
        trigger_rule=rule,
        transactionInfo={"chargingState": "SuspendedEVSE"},
    )
    if tx.stops_at("EnergyTransfer"):
        event.expect(rule=rule, eventType="Ended")
        tx.post_session = True
    tx.energy, tx.suspended = False, True


#: the meter readings TC_C_15_CS has the station send, beyond Part 6, to see the energy
TX_STARTED_MEASURANDS = dm.Variable("SampledDataCtrlr", "TxStartedMeasurands")
TX_UPDATED_MEASURANDS = dm.Variable("SampledDataCtrlr", "TxUpdatedMeasurands")
TX_UPDATED_INTERVAL = dm.Variable("SampledDataCtrlr", "TxUpdatedInterval")
ENERGY_REGISTER = "Energy.Active.Import.Register"
#: readings in a row without energy drawn after which the flow counts as stopped
_STALLED_READINGS = 3


def _register_wh(event: Any, context: str | None = None) -> float | None:
    """The energy register (Wh) a TransactionEvent carries (of ``context`` when given),
    or None."""
    for value in event.get("meterValue") or []:
        for sample in value.get("sampledValue") or []:
            if sample.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER:
                continue
            if context is not None and sample.get("context") != context:
                continue
            if sample.get("phase") is not None:
                continue
            unit = sample.get("unitOfMeasure") or {}
            scale = 10.0 ** int(unit.get("multiplier", 0))
            if unit.get("unit", "Wh") == "kWh":
                scale *= 1000
            return float(sample["value"]) * scale
    return None


def _held_back(event: Any) -> bool:
    """The event deauthorizes the transaction or holds its energy back."""
    return (
        event.get("triggerReason") == "Deauthorized"
        or (event.get("transactionInfo") or {}).get("chargingState") == "SuspendedEVSE"
    )


def _failed_at(event: Any, reason: str, rule: str) -> DutFailure:
    """A failure of ``rule`` at ``event``, whose frame the trace marks."""
    event.entry.failing = True
    return DutFailure(f"{reason} (frame {event.entry.seq})", rule, event.entry.raw)


def _drawn_up_to(csms, dut, tx: tx_states.Session, allowance: int, mark: int) -> None:
    """Table 77's post-scenario validation: the transaction draws MaxEnergyOnInvalidId
    (``allowance``, Wh, over the transaction), not less (C15.FR.07) and not more: once it
    is used up the station holds the energy back, SuspendedEVSE (C15.FR.06; Ended where
    TxStopPoint is EnergyTransfer). Judged by the energy register the readings carry,
    from the one at the start; within a margin of a hundredth of the allowance (2 Wh at
    least: registers count whole Wh). A station that reports no register at the start
    leaves only the check that nothing is held back while the harness listens (since
    ``mark``)."""
    begins = (_register_wh(event, "Transaction.Begin") for event in tx.events)
    begin = next((wh for wh in begins if wh is not None), None)
    if begin is None:
        csms.note("C15.FR.07", "no energy register at the start: the allowance is not judged")
        _listen(csms, dut)
        _no_transaction_event(
            csms, mark, "C15.FR.07", "held back the energy of a refused token", _held_back
        )
        return
    margin = max(2.0, allowance / 100)
    wait = max(1, round(dut.timeouts.response)) + dut.timeouts.response
    # a station that drew more than the allowance while the CSMS was away holds the
    # energy back as soon as it learns of the refusal: the first reading after it
    # raises the ceiling (C15.FR.06 then asks for an immediate stop)
    drawn, stalled, held, ceiling, reading = 0.0, 0, None, None, None
    while held is None or (reading is None and not tx.ended):
        event = tx_states.transaction_event(csms, tx, rule="C15.FR.06", trigger=ANY, timeout=wait)
        if event.get("triggerReason") == "Deauthorized":
            raise _failed_at(event, "the transaction is deauthorized", "C15.FR.07")
        reading = _register_wh(event)
        if reading is not None:
            stalled = stalled + 1 if reading - begin <= drawn else 0
            drawn = max(drawn, reading - begin)
            if ceiling is None and event.get("offline") is not True:
                ceiling = max(float(allowance), drawn) + margin
        if held is not None:
            continue  # the energy at the stop: the next reading
        if _held_back(event):
            held = event  # its own reading, or the next one, says the energy at the stop
            tx.energy, tx.suspended = False, True
            if event.get("eventType") == "Ended":
                tx.post_session = True
        elif drawn > (ceiling or allowance + margin):
            reason = f"{drawn:.0f} Wh drawn, still charging past the allowance"
            raise _failed_at(event, f"{reason} of {allowance} Wh", "C15.FR.06")
        elif stalled >= _STALLED_READINGS:
            reason = f"the energy stopped at {drawn:.0f} Wh without SuspendedEVSE"
            raise _failed_at(
                event, f"{reason}, short of the allowance of {allowance} Wh", "C15.FR.07"
            )
    if drawn < allowance - margin:
        reason = f"the energy was held back after {drawn:.0f} Wh"
        raise _failed_at(held, f"{reason}, short of the allowance of {allowance} Wh", "C15.FR.07")
    if drawn > (ceiling or allowance + margin):
        reason = f"the energy was held back only after {drawn:.0f} Wh"
        raise _failed_at(held, f"{reason}, past the allowance of {allowance} Wh", "C15.FR.06")


@testcase(
    "TC_C_15_CS",
    "Authorization through authorization cache - StopTxOnInvalidId = false, "
    "MaxEnergyOnInvalidId > 0",
    table=77,
    requirements=["C12.FR.02", "C12.FR.04"],
    catches={
        "max-energy-on-invalid-ignored": "C15.FR.07",
        "max-energy-never-used-up": "C15.FR.06",
    },
)
def test_tc_c_15_cs(csms, dut):
    allowance = dut.profile.harness.max_energy_on_invalid_id
    # Beyond Part 6, which reads the energy off the rig: the station reports its energy
    # register at the start and at every response timeout, so that the harness sees how
    # much the refused token draws.
    with csms.beyond_octt("Part 6 reads the delivered energy off the rig's meter"):
        dm.configure_if_implemented(csms, TX_STARTED_MEASURANDS, ENERGY_REGISTER)
        dm.configure_if_implemented(csms, TX_UPDATED_MEASURANDS, ENERGY_REGISTER)
        interval = str(max(1, round(dut.timeouts.response)))
        dm.configure_if_implemented(csms, TX_UPDATED_INTERVAL, interval)
    mark = csms.mark()
    tx = _charging_offline_from_cache(
        csms, dut, stop_on_invalid=False, max_energy=str(allowance), back_off=True
    )
    # Step 3's tool validation: the queued events neither deauthorize the transaction nor
    # hold its energy back: the refused token may draw MaxEnergyOnInvalidId (C15.FR.07).
    _no_transaction_event(
        csms,
        mark,
        "C15.FR.07",
        "stopped the energy of a refused token within its allowance",
        _held_back,
    )
    csms.comment(
        f"Post-scenario validation: the energy flows up to MaxEnergyOnInvalidId ({allowance} "
        "Wh), then stops"
    )
    _drawn_up_to(csms, dut, tx, allowance, mark)


@testcase(
    "TC_C_16_CS",
    "Authorization through authorization cache - StopTxOnInvalidId = true",
    table=78,
    requirements=["C12.FR.02", "C12.FR.04"],
    catches={"keeps-charging-on-refused-token": "C15.FR.04"},
)
def test_tc_c_16_cs(csms, dut):
    tx = _charging_offline_from_cache(
        csms, dut, stop_on_invalid=True, max_energy=None, unknown_offline=False
    )
    csms.step("5-6", "The station deauthorizes the transaction (the post-scenario validation)")
    _deauthorized(csms, dut, tx)


@testcase(
    "TC_C_17_CS",
    "Authorization through authorization cache - StopTxOnInvalidId = false",
    table=79,
    requirements=["C12.FR.02", "C12.FR.04"],
    catches={"no-suspend-on-refused-token": "C15.FR.06"},
)
def test_tc_c_17_cs(csms, dut):
    tx = _charging_offline_from_cache(csms, dut, stop_on_invalid=False, max_energy=None)
    # Table 79 prints "triggerReason SuspendedEVSE", which is a charging state: the event
    # is a ChargingStateChanged to SuspendedEVSE, the token still authorized.
    csms.step("5-6", "The station holds the energy back: SuspendedEVSE (post-scenario validation)")
    _suspended(csms, dut, tx, "C15.FR.06")


@testcase(
    "TC_C_18_CS",
    "Authorization through authorization cache - StopTxOnInvalidId = true, "
    "MaxEnergyOnInvalidId > 0",
    table=80,
    requirements=["C12.FR.02", "C12.FR.04"],
    catches={
        "max-energy-overrides-stop-tx": "C15.FR.04",
        "keeps-charging-on-refused-token": "C15.FR.04",
    },
)
def test_tc_c_18_cs(csms, dut):
    tx = _charging_offline_from_cache(
        csms, dut, stop_on_invalid=True, max_energy="500", back_off=True
    )
    # MaxEnergyOnInvalidId counts only where StopTxOnInvalidId is false: the station
    # deauthorizes at once, online by now (the tool validation of step 5).
    csms.step("5-6", "The station deauthorizes the transaction, offline false")
    _deauthorized(csms, dut, tx, offline=absent_or(False))


def _reconnection_report_rule(csms, dut, away: float, threshold: str | None) -> str:
    """B04.FR.01 when the station was offline (since trace time ``away`` until its last
    reconnection) longer than its OfflineThreshold ``threshold`` (as read), beyond the
    time deviation; else B04.FR.02."""
    opened = [t for kind, t in csms.link_events(away) if kind == "opened"]
    if threshold is None or not threshold.isdigit() or not opened:
        return "B04.FR.02"
    offline_for = opened[-1] - away
    beyond = offline_for > int(threshold) + dut.profile.tolerances.time_deviation
    return "B04.FR.01" if beyond else "B04.FR.02"


@testcase(
    "TC_C_26_CS",
    "Offline Authorization - Unknown Id",
    table=110,
    requirements=["C15.FR.02", "C15.FR.06", "C15.FR.08", "C13.FR.04"],
    catches={
        "offline-unknown-id-refused": "C15.FR.08",
        "no-suspend-on-refused-token": "C15.FR.06",
        # the embedded station is back within its OfflineThreshold
        "offline-reports-nothing": "B04.FR.02",
    },
)
def test_tc_c_26_cs(csms, dut):
    dm.configure_if_implemented(csms, LOCAL_LIST_ENABLED, "true")
    dm.configure_if_implemented(csms, LOCAL_PRE_AUTHORIZE, "true")
    dm.configure(csms, offline.OFFLINE_TX_FOR_UNKNOWN_ID, "true")
    dm.configure(csms, LOCAL_AUTHORIZE_OFFLINE, "true")
    dm.configure_if_implemented(csms, MAX_ENERGY_ON_INVALID_ID, "0")
    dm.configure(csms, STOP_TX_ON_INVALID_ID, "false")
    # The token must be unknown to the station: an earlier case may have left it cached.
    _fresh_cache(csms)
    tx = tx_states.session(csms, dut)
    _leave_idle(csms, dut, tx)
    _refuse_token_events(csms)
    # Beyond Part 6: the station's OfflineThreshold, to name the reconnection's rule.
    status, threshold = dm.read_optional(csms, OFFLINE_THRESHOLD)
    threshold = threshold if status == "Accepted" else None
    since, away = csms.mark(), csms.clock()
    csms.comment("Reusable state StartOfflineTransaction with the valid token, unknown here")
    offline.start_offline_transaction(csms, dut, tx)
    # The errata (2024-11) adds step 1: back online, the station reports the connector
    # that changed while it was away: B04.FR.02 within OfflineThreshold, B04.FR.01 (every
    # connector, this one with them) beyond it.
    csms.step(
        "1-2", "The connector, Occupied now; the queued events, offline; the token's: Invalid"
    )
    csms.expect_connectors(
        "Occupied",
        after=since,
        only=[(tx.evse, tx.connector)],
        rule=_reconnection_report_rule(csms, dut, away, threshold),
    )
    try:
        offline.deliver_queued(csms, dut, tx, until="Charging")
    except DutFailure:
        if tx.events:
            raise
        # Not one TransactionEvent: offline, the unknown token started nothing.
        raise DutFailure(
            "no TransactionEvent came after the reconnection: the station did not take the "
            "unknown token while offline, with OfflineTxForUnknownIdEnabled true",
            "C15.FR.08",
        ) from None
    # The tool validation: one of the events says SuspendedEVSE; StopTxOnInvalidId is
    # false, so the refused token's energy is held back and it stays authorized.
    _suspended(csms, dut, tx, "C15.FR.06")
    csms.step(3, "Reusable state StopAuthorized: the driver presents the token again")
    tx_states.stop_authorized(csms, dut, tx)
    csms.step(4, "Reusable state EVConnectedPostSession")
    tx_states.ev_connected_post_session(csms, dut, tx)
    csms.step(5, "Reusable state EVDisconnected")
    tx_states.ev_disconnected(csms, dut, tx)
