"""Block B, Provisioning: migrating to another network connection profile — OCPP 2.0.1,
the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls. The "other CSMS" is the
harness's second endpoint (the profile's ``[listen] second_path`` on the same port):
the station is given the endpoint it is not connected to now in a SetNetworkProfile
for the configuration slot it does not use, that slot is put first in
NetworkConfigurationPriority, and after the Reset the harness sees at which endpoint
each connection attempt arrives, accepting or refusing it as the table says.

Security profile 0 and 1 only (ws://): the migrations onto a new CSMS root certificate
(TC_B_47_CS, TC_B_50_CS) need TLS and are not here.
"""

from dataclasses import dataclass

from harness import DutFailure, HarnessError, testcase
from harness.matching import first_item, one_of
from harness.states import cs as states
from harness.steps import device_model as dm
from harness.transport.server import MAIN, SECOND

BLOCK = "B Provisioning"

PRIORITY = dm.Variable("OCPPCommCtrlr", "NetworkConfigurationPriority")
ACTIVE_PROFILE = dm.Variable("OCPPCommCtrlr", "ActiveNetworkProfile")
ATTEMPTS = dm.Variable("OCPPCommCtrlr", "NetworkProfileConnectionAttempts")
BACK_OFF = {
    name: dm.Variable("OCPPCommCtrlr", name)
    for name in ("RetryBackOffRepeatTimes", "RetryBackOffRandomRange", "RetryBackOffWaitMinimum")
}

#: what a station may answer a valid NetworkConfigurationPriority with (B10.FR.01)
_PRIORITY_TAKEN = ("Accepted", "RebootRequired")


@dataclass(frozen=True)
class Migration:
    """The two endpoints and slots of one migration, and when the station was sent down."""

    old: str
    new: str
    old_slot: int
    new_slot: int
    #: the station's NetworkConfigurationPriority before the case
    priority: str
    #: trace time just before the step that restarts the station
    since: float = 0.0


def _plan(csms, dut) -> Migration:
    """Which endpoint and slot are the new ones: the endpoint the station is not
    connected to, and of the two configured slots the one not in use. The slot in use is
    OCPPCommCtrlr.ActiveNetworkProfile where the station has it (errata 6.2.17: the
    Test System never overwrites the active slot), else the first entry of its
    NetworkConfigurationPriority."""
    old = csms.endpoint or MAIN
    new = SECOND if old == MAIN else MAIN
    csms.endpoint_url(new)  # a set-up error when the harness has no second endpoint
    network = dut.profile.network
    slots = (network.configuration_slot, network.configuration_slot2)
    if slots[0] == slots[1]:
        raise HarnessError(
            "[network] configuration_slot and configuration_slot2 are the same slot", "setup"
        )
    priority, _ = dm.get_variable(csms, PRIORITY)
    entries = [entry.strip() for entry in str(priority or "").split(",") if entry.strip()]
    in_use = int(entries[0]) if entries and entries[0].isdigit() else slots[1]
    status, active = dm.read_optional(csms, ACTIVE_PROFILE)
    if status == "Accepted" and str(active or "").strip().isdigit():
        in_use = int(str(active).strip())
    new_slot = slots[1] if in_use == slots[0] else slots[0]
    return Migration(old, new, in_use, new_slot, str(priority or ""))


def _connection_data(csms, dut, migration: Migration) -> dict:
    network = dut.profile.network
    second = migration.new_slot == network.configuration_slot2
    return {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": csms.endpoint_url(migration.new),
        "messageTimeout": network.message_timeout2 if second else network.message_timeout,
        "securityProfile": dut.profile.security_profile,
        "ocppInterface": network.interface2 if second else network.interface,
    }


def _migrate(
    csms, dut, migration: Migration, *, profile_rule: str, priority_rule: str
) -> Migration:
    """Steps 1-6 of the migration tables: the new profile in the free slot, that slot
    first in NetworkConfigurationPriority, the Reset OnIdle, always sent (errata 6.2.18
    for Tables 53-54; Table 56 always had it). Returns the migration with the trace time
    before the restart."""
    csms.step(
        "1-2",
        f"SetNetworkProfile, slot {migration.new_slot}: the harness's {migration.new} "
        "endpoint: Accepted",
    )
    csms.call(
        "SetNetworkProfile",
        configurationSlot=migration.new_slot,
        connectionData=_connection_data(csms, dut, migration),
    ).expect(rule=profile_rule, status="Accepted")
    order = f"{migration.new_slot},{migration.old_slot}"
    csms.step(
        "3-4", f"SetVariables NetworkConfigurationPriority {order}: Accepted or RebootRequired"
    )
    since = csms.clock()
    _set_priority(csms, order, rule=priority_rule)
    csms.will_reply("BootNotification", status="Accepted", interval=int(dut.timers.heartbeat))
    csms.step("5-6", "ResetRequest OnIdle: Accepted")
    if csms.connected:
        since = csms.clock()
        csms.call("Reset", type="OnIdle").expect(rule="B11.FR.01", status="Accepted")
    else:
        with csms.octt_expects("errata 6.2.18: the Test System always sends the Reset"):
            raise DutFailure(
                "the station left the connection on its own after the priority answer, "
                "before the Reset of step 5 could be sent",
                "B11.FR.01",
            )
    return Migration(
        migration.old,
        migration.new,
        migration.old_slot,
        migration.new_slot,
        migration.priority,
        since,
    )


def _set_priority(csms, value: str, *, rule: str) -> str:
    """SetVariables of NetworkConfigurationPriority; its first result must be Accepted
    or RebootRequired (B10.FR.01). Returns that status."""
    item = {**PRIORITY.data(), "attributeValue": value}
    response = csms.call("SetVariables", setVariableData=[item]).expect(rule=rule)
    response.expect(
        rule=rule, setVariableResult=first_item({"attributeStatus": one_of(*_PRIORITY_TAKEN)})
    )
    return str(response["setVariableResult"][0]["attributeStatus"])


def _restore_priority(csms, migration: Migration) -> None:
    """After a fallback case: the priority the station had, so that its first entry is
    again the slot it is connected with (the next case reads the slot in use there)."""
    if migration.priority:
        csms.finally_do(
            f"{PRIORITY} = {migration.priority!r}",
            _set_priority,
            csms,
            migration.priority,
            rule="B10.FR.01",
        )


def _attempts(csms, since: float) -> list[tuple[str, str, float]]:
    """The station's connection attempts since trace time ``since``: (opened | refused,
    endpoint, time), in order."""
    return [e for e in csms.endpoint_events(since) if e[0] in ("opened", "refused")]


def _where(csms, endpoint: str) -> str:
    return f"the {endpoint} endpoint ({csms.endpoint_url(endpoint)})"


def _await_reconnection(csms, migration: Migration, *, timeout: float, rule: str, what: str):
    """The station's new connection after the restart, within ``timeout``; a station
    that only kept trying fails under ``rule`` with the attempts it made."""
    try:
        csms.expect_reconnect(timeout=timeout, rule=rule)
    except DutFailure:
        tried = ", ".join(
            f"{kind} at {endpoint}" for kind, endpoint, _ in _attempts(csms, migration.since)
        )
        raise DutFailure(
            f"no connection {what} within {timeout:g} s of the restart; its attempts: "
            f"{tried or 'none'}",
            rule,
        ) from None
    return _attempts(csms, migration.since)


def _attempt_at(csms, attempts, index: int, endpoint: str, rule: str, why: str) -> None:
    """The station's attempt ``index`` (from 0) after the restart, if it made one, went
    to ``endpoint``; else it fails under ``rule``, ``why`` saying what the rule asks."""
    if len(attempts) > index and attempts[index][1] != endpoint:
        raise DutFailure(
            f"connection attempt {index + 1} after the restart went to "
            f"{_where(csms, attempts[index][1])}, not to {_where(csms, endpoint)}: {why}",
            rule,
        )


def _first_attempt_at_new(csms, migration: Migration, attempts, rule: str) -> None:
    """The station's first attempt after the restart goes to the new first entry of
    NetworkConfigurationPriority (B10.FR.04)."""
    _attempt_at(
        csms,
        attempts,
        0,
        migration.new,
        rule,
        f"NetworkConfigurationPriority puts slot {migration.new_slot} first, the "
        f"profile of slot {migration.old_slot} second",
    )


@testcase(
    "TC_B_45_CS",
    "Migrate to new ConnectionProfile - Success - Same CSMS Root",
    table=53,
    requirements=["B09.FR.01", "B10.FR.01", "B10.FR.04", "B10.FR.06"],
    catches=[
        "network-profile-refused",
        "network-priority-read-only",
        "network-priority-ignored",
        "network-migration-overlaps",
    ],
)
def test_tc_b_45_cs(csms, dut):
    migration = _migrate(
        csms, dut, _plan(csms, dut), profile_rule="B09.FR.01", priority_rule="B10.FR.01"
    )
    csms.step(7, f"Reusable state Booted: the station connects to the {migration.new} endpoint")
    attempts = _await_reconnection(
        csms, migration, timeout=dut.timeouts.connect, rule="B10.FR.04", what="at all"
    )
    _first_attempt_at_new(csms, migration, attempts, "B10.FR.04")
    _left_old_first(csms, migration)
    states.booted_again(csms, dut)


def _left_old_first(csms, migration: Migration) -> None:
    """B10.FR.06: the station left the old CSMS before it connected to the new one. The
    old connection closed before the new one opened; or, closed by the harness when the
    new one replaced it, it was dead by then: no close frame came back, as from a device
    that rebooted without closing it (its socket half-open). One that answered the
    harness's close was still alive when the station connected to the new CSMS."""
    opened = next(t for kind, _, t in csms.endpoint_events(migration.since) if kind == "opened")
    old = [
        (t, answered)
        for endpoint, t, answered in csms.closings(migration.since)
        if endpoint == migration.old
    ]
    if any(t <= opened for t, _ in old):
        return
    if any(answered for _, answered in old):
        raise DutFailure(
            f"the station opened its connection to {_where(csms, migration.new)} at "
            f"{opened:.2f} s while the one to {_where(csms, migration.old)} was still alive "
            "(it answered the harness's close): it must leave the old CSMS before it "
            "connects to the new one",
            "B10.FR.06",
        )
    csms.note(
        "B10.FR.06",
        f"the connection to {_where(csms, migration.old)} was dead but not closed when the "
        "new one opened (no close frame came back): taken as left by the restart",
    )


@testcase(
    "TC_B_46_CS",
    "Migrate to new ConnectionProfile - Fallback mechanism - Same CSMS Root",
    table=54,
    requirements=["B10.FR.03", "B10.FR.04"],
    catches=["network-profile-one-attempt", "network-priority-ignored"],
)
def test_tc_b_46_cs(csms, dut):
    tries = 2
    dm.configure(csms, ATTEMPTS, str(tries))  # configuration state (restored after)
    migration = _plan(csms, dut)
    _restore_priority(csms, migration)
    csms.refuse_endpoint(
        migration.new, "Part 6 TC_B_46_CS step 7: no answer to the new profile's attempts"
    )
    migration = _migrate(csms, dut, migration, profile_rule="B09.FR.01", priority_rule="B10.FR.01")
    csms.step(
        7, f"The harness refuses the station's {tries} attempts at the {migration.new} endpoint"
    )
    csms.step(8, f"The harness accepts the station at the {migration.old} endpoint")
    attempts = _await_reconnection(
        csms,
        migration,
        timeout=(tries + 1) * dut.timeouts.connect,
        rule="B10.FR.03",
        what=f"at the {migration.old} endpoint",
    )
    _first_attempt_at_new(csms, migration, attempts, "B10.FR.04")
    at_new = next((i for i, e in enumerate(attempts) if e[1] != migration.new), len(attempts))
    if at_new != tries:
        raise DutFailure(
            f"the station made {at_new} connection attempt(s) at {_where(csms, migration.new)} "
            f"before it went on to the next profile; NetworkProfileConnectionAttempts is {tries}",
            "B10.FR.03",
        )
    csms.step(9, f"Reusable state Booted: the station connected to the {migration.old} endpoint")
    states.booted_again(csms, dut)


@testcase(
    "TC_B_49_CS",
    "Migrate to new ConnectionProfile - Fallback after NetworkProfileConnectionAttempts per "
    "NetworkConfigurationPriority failed - Same CSMS Root",
    table=56,
    requirements=["B10.FR.07"],
    catches=["network-no-fallback", "reconnects-at-once", "network-priority-ignored"],
)
def test_tc_b_49_cs(csms, dut):
    minimum = dut.profile.network.retry_backoff_wait_minimum
    deviation = dut.profile.tolerances.time_deviation
    # Configuration state: one attempt per profile, a back-off of exactly the configured
    # minimum (each restored after the case).
    dm.configure(csms, ATTEMPTS, "1")
    dm.configure(csms, BACK_OFF["RetryBackOffRepeatTimes"], "0")
    dm.configure(csms, BACK_OFF["RetryBackOffRandomRange"], "0")
    dm.configure(csms, BACK_OFF["RetryBackOffWaitMinimum"], str(minimum))
    migration = _plan(csms, dut)
    _restore_priority(csms, migration)
    csms.refuse_endpoint(migration.new, "Part 6 TC_B_49_CS step 8: the new profile's CSMS refuses")
    csms.refuse_endpoint(
        migration.old,
        "Part 6 TC_B_49_CS step 10: the old profile's first attempt refused",
        attempts=1,
    )
    migration = _migrate(csms, dut, migration, profile_rule="B09.FR.01", priority_rule="B10.FR.01")
    csms.step("7-8", f"The station tries the {migration.new} endpoint: refused")
    csms.step(
        "9-10", f"It goes back to the previous profile, the {migration.old} endpoint: refused"
    )
    csms.step(
        "11-12",
        f"After RetryBackOffWaitMinimum ({minimum} s) it reconnects there: accepted",
    )
    attempts = _await_reconnection(
        csms,
        migration,
        timeout=3 * dut.timeouts.connect + minimum + deviation,
        rule="B10.FR.07",
        what=f"at the {migration.old} endpoint",
    )
    _first_attempt_at_new(csms, migration, attempts, "B10.FR.04")
    _attempt_at(
        csms,
        attempts,
        1,
        migration.old,
        "B10.FR.03",
        "with NetworkProfileConnectionAttempts 1 the attempt after the refused one is the "
        "next profile's",
    )
    _attempt_at(
        csms,
        attempts,
        2,
        migration.old,
        "B10.FR.07",
        "once both profiles have failed the station falls back to the one it last connected with",
    )
    if len(attempts) > 2:
        waited = attempts[2][2] - attempts[1][2]
        if waited < minimum - deviation:
            raise DutFailure(
                f"the station reconnected {waited:.2f} s after its refused attempt at "
                f"{_where(csms, migration.old)}; falling back it waits RetryBackOffWaitMinimum "
                f"({minimum} s) first",
                "OCPP-J 5.3",
            )
    csms.step(13, "Reusable state Booted")
    states.booted_again(csms, dut)
