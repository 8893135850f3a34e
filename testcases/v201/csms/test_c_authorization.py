"""Block C, Authorization — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The tokens are the
DUT profile's [tokens], which the operator has set up in the CSMS in the state each
name says (valid, blocked, expired ...; harness.dut.Tokens). Where Part 6 names
``valid_idtoken2`` as a token of the valid token's group (TC_C_39_CSMS), the profile's
``group`` token is that one: the profile keeps ``valid2`` out of the group.
"""

from harness import testcase
from harness.matching import ANY, one_of
from harness.states import csms as states
from harness.states import csms_transactions as transactions

BLOCK = "C Authorization"


def _token(dut, value: str) -> dict[str, str]:
    """An IdTokenType of the profile's type (Part 6 ``<Configured ..._idtoken_type>``)."""
    return {"idToken": value, "type": dut.tokens.type}


def _authorize(station, dut, value: str, *, rule: str, status):
    """Authorize ``value``; the answer's idTokenInfo.status must be ``status`` (a value
    or a matcher), else the case fails with ``rule``."""
    response = station.call("Authorize", idToken=_token(dut, value))
    return response.expect(rule=rule, idTokenInfo={"status": status})


def _in_group(response, group_id: str, rule: str) -> None:
    """Tool validation ``idTokenInfo.groupIdToken.idToken <Configured ...>``."""
    response.expect(rule=rule, idTokenInfo={"groupIdToken": {"idToken": group_id}})


# -- C01: the CSMS tells which tokens it refuses -------------------------------------------


@testcase(
    "TC_C_02_CSMS",
    "Local start transaction - Authorization Invalid/Unknown",
    table=483,
    requirements=["C01.FR.07", "C04.FR.01", "C06.FR.04"],
    catches=["accepts-invalid-token"],
)
def test_tc_c_02_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "Authorize the invalid token; tool validation: Invalid or Unknown")
    # C01.FR.07: the answer gives a reason of rejection; a CSMS that has no record of the
    # token says Unknown, one that knows it as refused Invalid.
    _authorize(
        station, dut, dut.tokens.invalid, rule="C01.FR.07", status=one_of("Invalid", "Unknown")
    )


@testcase(
    "TC_C_06_CSMS",
    "Local start transaction - AuthorizationBlocked",
    table=484,
    requirements=["C01.FR.07"],
    catches=["accepts-blocked-token"],
)
def test_tc_c_06_csms(station, dut):
    # Part 6 calls the state of this token "Linked" in its set-up and tool validation;
    # AuthorizationStatusEnumType has no such value (the schema would refuse it), and the
    # case sends the blocked token: read as Blocked (or Invalid, which Part 6 allows).
    states.booted(station, dut)
    station.step("1-2", "Authorize the blocked token; tool validation: Blocked or Invalid")
    _authorize(
        station, dut, dut.tokens.blocked, rule="C01.FR.07", status=one_of("Blocked", "Invalid")
    )


@testcase(
    "TC_C_07_CSMS",
    "Local start transaction - Authorization Expired",
    table=485,
    requirements=["C01.FR.07"],
    catches=["accepts-expired-token"],
)
def test_tc_c_07_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "Authorize the expired token; tool validation: Expired or Invalid")
    _authorize(
        station, dut, dut.tokens.expired, rule="C01.FR.07", status=one_of("Expired", "Invalid")
    )


# -- C12: a token from the station's cache is checked in the TransactionEvent --------------


def _cached_token_event(station, dut, value: str):
    """EVConnectedPreSession, then the token the station found in its cache: no
    Authorize, the TransactionEvent Updated with triggerReason Authorized carries it
    (C12.FR.02). Part 6 notes TxStartPoint ParkingBayOccupancy; the cable began the
    transaction here, so the event is Updated all the same."""
    tx = transactions.ev_connected_pre_session(station, dut)
    response = transactions.transaction_event(
        station, tx, "Authorized", id_token=_token(dut, value), rule="C12.FR.03"
    )
    return tx, response


@testcase(
    "TC_C_08_CSMS",
    "Authorization through authorization cache - Accepted",
    table=486,
    requirements=["C12.FR.03"],
    catches={
        "transaction-event-rejects-valid-token": "C12.FR.03",
        "transaction-event-omits-id-token-info": "C12.FR.03",
    },
)
def test_tc_c_08_csms(station, dut):
    station.step("1-2", "TransactionEvent Authorized with the cached valid token")
    _, response = _cached_token_event(station, dut, dut.tokens.valid)
    # Tool validation of step 2: the CSMS checked the token and accepts it (C12.FR.03).
    response.expect(rule="C12.FR.03", idTokenInfo={"status": "Accepted"})


@testcase(
    "TC_C_20_CSMS",
    "Authorization through authorization cache - Invalid",
    table=487,
    requirements=["C12.FR.03"],
    catches={
        "transaction-event-ignores-token": None,
        "accepts-invalid-token": "C12.FR.03",
        "transaction-event-omits-id-token-info": "C12.FR.03",
    },
)
def test_tc_c_20_csms(station, dut):
    station.step("1-2", "TransactionEvent Authorized with a token the station has cached")
    # The station's cache accepts the token; the CSMS knows it is the invalid one.
    _, response = _cached_token_event(station, dut, dut.tokens.invalid)
    # Tool validation of step 2: the CSMS's own answer counts, not the cache's.
    response.expect(rule="C12.FR.03", idTokenInfo={"status": one_of("Invalid", "Unknown")})


# -- C11: the CSMS clears the station's authorization cache -------------------------------


def _clear_cache(station, dut, answer: str) -> None:
    states.booted(station, dut)
    station.step("1-2", f"Make the CSMS send ClearCache; the station answers {answer}")
    station.will_reply("ClearCache", status=answer)
    dut.act("clear_cache")
    # Part 6 has no tool validation: the request itself is the check (schema-checked
    # like every frame; it has no field of its own).
    station.expect("ClearCache", rule="expect:ClearCache")


@testcase(
    "TC_C_37_CSMS",
    "Clear Authorization Data in Authorization Cache - Accepted",
    table=488,
    catches=["clear-cache-invalid", "clear-cache-not-sent"],
)
def test_tc_c_37_csms(station, dut):
    _clear_cache(station, dut, "Accepted")


@testcase(
    "TC_C_38_CSMS",
    "Clear Authorization Data in Authorization Cache - Rejected",
    table=489,
    catches=["clear-cache-invalid", "clear-cache-not-sent"],
)
def test_tc_c_38_csms(station, dut):
    _clear_cache(station, dut, "Rejected")


# -- C09: two tokens of one group ---------------------------------------------------------


def _authorize_in_group(station, dut, value: str) -> None:
    """Authorize a token of the configured group; tool validation: Accepted, and the
    configured groupIdToken (C09.FR.02)."""
    response = _authorize(station, dut, value, rule="C01.FR.07", status="Accepted")
    _in_group(response, dut.tokens.group_id, "C09.FR.02")


@testcase(
    "TC_C_39_CSMS",
    "Authorization by GroupId - Success",
    table=490,
    requirements=["C09.FR.02", "C09.FR.03"],
    catches=[
        "group-id-omitted",
        "group-token-other-group",
        "transaction-event-omits-group-id",
        "authorize-rejects-valid-token",
    ],
)
def test_tc_c_39_csms(station, dut):
    tokens = dut.tokens
    # Before: EVConnectedPreSession (the cable began the transaction).
    tx = transactions.ev_connected_pre_session(station, dut)
    station.step("1-2", "Authorize the second token of the group")
    _authorize_in_group(station, dut, tokens.group)
    station.step("3-4", "TransactionEvent Updated, triggerReason Authorized, the valid token")
    # Tool validation of step 4: Accepted with the group (E01.FR.12: the groupIdToken
    # when the token has one; E02.FR.02: a status for the running transaction).
    response = transactions.transaction_event(
        station,
        tx,
        "Authorized",
        id_token=_token(dut, tokens.valid),
        rule="E02.FR.02",
        status="Accepted",
    )
    _in_group(response, tokens.group_id, "E01.FR.12")
    tx.authorized = True
    station.step(5, "Reusable state EnergyTransferStarted")
    transactions.energy_transfer_started(station, dut, tx)
    station.step("6-7", "Authorize the second token of the group again")
    _authorize_in_group(station, dut, tokens.group)
    station.step("8-9", "TransactionEvent StopAuthorized with the second token")
    # C09.FR.03: a token of the same group may stop what the other began.
    response = transactions.transaction_event(
        station,
        tx,
        "StopAuthorized",
        id_token=_token(dut, tokens.group),
        rule="E01.FR.12",
        status="Accepted",
    )
    _in_group(response, tokens.group_id, "E01.FR.12")
    tx.stop_authorized, tx.authorized = True, False
    station.step(10, "Reusable state EVConnectedPostSession")
    transactions.ev_connected_post_session(station, dut, tx)
    station.step(11, "Reusable state EVDisconnected")
    transactions.ev_disconnected(station, dut, tx)


# -- C16: a master pass stops transactions ------------------------------------------------


def _charging_everywhere(station, dut, evses) -> list:
    """EnergyTransferStarted at each of ``evses``, each with a token of its own (a CSMS
    may refuse one token two transactions at once: ConcurrentTx)."""
    tokens = dut.tokens
    started = []
    for evse, token in zip(evses, (tokens.valid, tokens.valid2, tokens.group), strict=False):
        tx = transactions.new_transaction(station, dut, evse=evse)
        transactions.authorized(station, dut, tx, id_token=_token(dut, token))
        started.append(transactions.energy_transfer_started(station, dut, tx))
    return started


def _master_pass_stop(station, dut, tx, value: str, *, rule: str, status=None):
    """The station ends ``tx`` for a master pass (C16.FR.07 of the errata: stoppedReason
    MasterPass in the Ended event), carrying token ``value``."""
    response = transactions.transaction_event(
        station,
        tx,
        "StopAuthorized",
        id_token=_token(dut, value),
        charging_state="EVConnected",
        stopped_reason="MasterPass",
        ended=True,
        rule=rule,
        status=status,
    )
    tx.ended = True
    return response


@testcase(
    "TC_C_48_CSMS",
    "Stop Transaction with a Master Pass - With UI - With UI - Specific transactions",
    table=494,
    requirements=["C16.FR.01"],
    catches=[
        "master-pass-without-group",
        "transaction-event-omits-group-id",
        "stop-authorized-omits-id-token-info",
    ],
)
def test_tc_c_48_csms(station, dut):
    tokens = dut.tokens
    # Before: EnergyTransferStarted at every EVSE of the station (up to three: one token
    # of the profile each).
    running = _charging_everywhere(station, dut, [evse for evse, _ in station.evses])
    # Part 6 step 1 names the valid token, yet its tool validation wants the master pass
    # group in the answer, and only the master pass token has it: read as the master
    # pass token, the one the user presents in this use case (C16).
    station.step("1-2", "Authorize the master pass token; tool validation: its group")
    response = _authorize(station, dut, tokens.master_pass, rule="C01.FR.07", status="Accepted")
    _in_group(response, tokens.master_pass_group_id, "C09.FR.02")
    station.step("3-4", "The user stops one transaction: TransactionEvent Ended, MasterPass")
    response = _master_pass_stop(station, dut, running[0], tokens.master_pass, rule="E01.FR.12")
    # Tool validation of step 4: Accepted, in the master pass group (E01.FR.12).
    response.expect(
        rule="E01.FR.12",
        idTokenInfo={
            "status": "Accepted",
            "groupIdToken": {"idToken": tokens.master_pass_group_id},
        },
    )


def _two_charging(station, dut) -> list:
    """Before of TC_C_47/TC_C_49_CSMS: EnergyTransferStarted at EVSE 1 with the valid
    token and at EVSE 2 with valid2 (the first two EVSEs of the profile's [layout])."""
    return _charging_everywhere(station, dut, [evse for evse, _ in station.evses[:2]])


def _master_pass_authorized(station, dut) -> None:
    """Steps 1-2 of TC_C_47/TC_C_49_CSMS: the master pass token is presented. Part 6
    checks nothing of the answer here; TC_C_48_CSMS's tool validation (Accepted, in the
    master pass group) is what a station needs to know it for one, so it warns."""
    response = station.call("Authorize", idToken=_token(dut, dut.tokens.master_pass))
    response.expect(rule="C01.FR.07")
    with station.beyond_octt("Part 6 validates no AuthorizeResponse in this case"):
        response.expect(
            rule="C09.FR.02",
            idTokenInfo={
                "status": "Accepted",
                "groupIdToken": {"idToken": dut.tokens.master_pass_group_id},
            },
        )


def _stop_both(station, dut, running, value: str) -> None:
    """Steps 3-4: each transaction ends with stoppedReason MasterPass, the event carrying
    token ``value``; each answer gives that token's status (E01.FR.12)."""
    for tx in running:
        response = _master_pass_stop(station, dut, tx, value, rule="E01.FR.12")
        response.expect(rule="E01.FR.12", idTokenInfo={"status": ANY})


@testcase(
    "TC_C_47_CSMS",
    "Stop Transaction with a Master Pass - With UI - All transactions",
    table=493,
    requirements=["C16.FR.01"],
    evses=2,
    catches=["stop-authorized-omits-id-token-info"],
    warns=["master-pass-without-group"],
)
def test_tc_c_47_csms(station, dut):
    running = _two_charging(station, dut)
    station.step("1-2", "Authorize the master pass token")
    _master_pass_authorized(station, dut)
    station.step("3-4", "The user stops all: TransactionEvent Ended, MasterPass, at both EVSEs")
    _stop_both(station, dut, running, dut.tokens.master_pass)


@testcase(
    "TC_C_49_CSMS",
    "Stop Transaction with a Master Pass - Without UI",
    table=495,
    requirements=["C16.FR.02"],
    evses=2,
    catches=["stop-authorized-omits-id-token-info"],
    warns=["master-pass-without-group"],
)
def test_tc_c_49_csms(station, dut):
    running = _two_charging(station, dut)
    station.step("1-2", "Authorize the master pass token")
    _master_pass_authorized(station, dut)
    # Part 6 has the Ended events of this case carry the valid token, not the master
    # pass (as TC_C_47_CSMS's do): kept as the table has it; the CSMS answers either.
    station.step("3-4", "Every transaction stops: TransactionEvent Ended, MasterPass, both EVSEs")
    _stop_both(station, dut, running, dut.tokens.valid)
