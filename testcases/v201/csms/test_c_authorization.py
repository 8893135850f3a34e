"""Block C, Authorization — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The tokens are the
DUT profile's [tokens], which the operator has set up in the CSMS in the state each
name says (valid, blocked, expired ...; harness.dut.Tokens). Where Part 6 names
``valid_idtoken2`` as a token of the valid token's group (TC_C_39_CSMS), the profile's
``group`` token is that one: the profile keeps ``valid2`` out of the group.
"""

from harness import testcase
from harness.matching import one_of
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
