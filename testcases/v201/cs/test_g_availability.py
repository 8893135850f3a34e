"""Block G, Availability — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls, the rules are the Part 2
requirement ids the table names. A connector's state may come by StatusNotification or
by NotifyEvent (component Connector, variable AvailabilityState, trigger Delta): the
tables accept both, and so does ``csms.expect_connectors``. A NotifyEvent for the EVSE
or the station itself, which the tables allow beside the connectors', is answered and
not required.

"<Configured evseId>" and "<Configured connectorId>" are the first EVSE of the DUT
profile's layout and its first connector. Where an EVSE or connector case's
post-scenario validation asks for a report of "all connectors", the harness reads it as
every connector the request concerns: nothing makes the station report the others
(G03.FR.04 asks for the changed ones). Every ChangeAvailability Inoperative the station
takes is undone after the case (harness.restore).
"""

from harness import testcase
from harness.matching import one_of
from harness.states import cs as states
from harness.states import cs_transactions as tx_states
from harness.steps.idle import leave_idle

BLOCK = "G Availability"


def _session(csms, dut) -> tx_states.Session:
    """The case's transaction session, left idle after the case whatever its verdict
    (the cable out, a transaction still running stopped): Part 6 §2.1's next start."""
    tx = tx_states.session(csms, dut)
    csms.finally_do("the station left idle", leave_idle, csms, dut, tx)
    return tx


def _change(csms, status: str, evse: int | None = None, connector: int | None = None):
    """A ChangeAvailabilityRequest for the station, an EVSE or one connector."""
    target = {} if evse is None else {"id": evse}
    if connector is not None:
        target["connectorId"] = connector
    fields = {"evse": target} if target else {}
    return csms.call("ChangeAvailability", operationalStatus=status, **fields)


# -- G01: connector status notifications --------------------------------------------------


@testcase(
    "TC_G_01_CS",
    "Connector status Notification - Available to Occupied",
    table=198,
    requirements=["G01.FR.01", "N07.FR.19"],
    catches=["no-occupied-at-plug-in"],
)
def test_tc_g_01_cs(csms, dut):
    tx = _session(csms, dut)
    csms.step(1, "Reusable state EVConnectedPreSession: the connector reported Occupied")
    # The state's tool validation: Occupied by StatusNotification or NotifyEvent
    # (G01.FR.03); the message schemas hold the status to ConnectorStatus (G01.FR.01).
    tx_states.ev_connected_pre_session(csms, dut, tx)


@testcase(
    "TC_G_02_CS",
    "Connector status Notification - Occupied to Available",
    table=199,
    requirements=["G01.FR.01", "N07.FR.19"],
    catches=["no-occupied-at-plug-in", "no-available-at-unplug"],
)
def test_tc_g_02_cs(csms, dut):
    # Before: the EV is plugged in (state EVConnectedPreSession).
    tx = tx_states.ev_connected_pre_session(csms, dut, _session(csms, dut))
    # Manual action: disconnect the EV.
    dut.act("unplug", evse=tx.evse, connector=tx.connector)
    tx.ev_connected = False
    csms.step("3-4", "The connector reported Available (G01.FR.04)")
    csms.expect_connectors("Available", only=[(tx.evse, tx.connector)], rule="G01.FR.04")
    if tx.running:
        # A TxStartPoint EVConnected started a transaction at the plug-in: the unplug is
        # its event (E02.FR.13), which the table does not look at. Taking it tells the
        # post-condition whether the transaction is over.
        with csms.beyond_octt("Part 6 TC_G_02_CS does not look at the transaction"):
            tx_states.transaction_event(csms, tx, rule="E02.FR.13", trigger="EVCommunicationLost")


# -- G03: ChangeAvailability of an EVSE or a connector --------------------------------------


@testcase(
    "TC_G_03_CS",
    "Change Availability EVSE - Operative to inoperative",
    table=200,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.06"],
    catches=["change-availability-rejected", "no-status-after-change-availability"],
)
def test_tc_g_03_cs(csms, dut):
    evse, _ = dut.configured_connector()
    csms.step(1, "Reusable state Unavailable for the configured EVSE")
    # Its steps: Inoperative for the EVSE, Accepted (G03.FR.02); every connector of the
    # EVSE reported Unavailable (G03.FR.04, G03.FR.06), the post-scenario validation.
    tx_states.unavailable(csms, dut, evse=evse)


@testcase(
    "TC_G_04_CS",
    "Change Availability EVSE - Inoperative to operative",
    table=201,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.07"],
    catches=["operative-not-applied", "no-status-after-change-availability"],
)
def test_tc_g_04_cs(csms, dut):
    evse, _ = dut.configured_connector()
    # Memory state: the configured EVSE Unavailable.
    tx_states.unavailable(csms, dut, evse=evse)
    csms.step("1-2", "ChangeAvailability Operative for the EVSE: Accepted")
    _change(csms, "Operative", evse).expect(rule="G03.FR.02", status="Accepted")
    csms.step("3-4", "Every connector of the EVSE reported Available again (G03.FR.07)")
    csms.expect_connectors("Available", only=dut.connectors(evse), rule="G03.FR.07")


@testcase(
    "TC_G_07_CS",
    "Change Availability Connector - Operative to inoperative",
    table=204,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.06"],
    catches=["change-availability-rejected", "no-status-after-change-availability"],
)
def test_tc_g_07_cs(csms, dut):
    evse, connector = dut.configured_connector()
    csms.step(1, "Reusable state Unavailable for the configured connector")
    # Its steps: Inoperative for the connector, Accepted (G03.FR.02); the connector
    # reported Unavailable (G03.FR.04), the post-scenario validation.
    tx_states.unavailable(csms, dut, evse=evse, connector=connector)


@testcase(
    "TC_G_08_CS",
    "Change Availability Connector - Inoperative to operative",
    table=205,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.07"],
    catches={"operative-not-applied": "G03.FR.04", "no-status-after-change-availability": None},
)
def test_tc_g_08_cs(csms, dut):
    evse, connector = dut.configured_connector()
    # Memory state: the configured connector Unavailable.
    tx_states.unavailable(csms, dut, evse=evse, connector=connector)
    csms.step("1-2", "ChangeAvailability Operative for the connector: Accepted")
    _change(csms, "Operative", evse, connector).expect(rule="G03.FR.02", status="Accepted")
    csms.step("3-4", "The connector reported Available (G03.FR.04)")
    csms.expect_connectors("Available", only=[(evse, connector)], rule="G03.FR.04")


@testcase(
    "TC_G_09_CS",
    "Change Availability EVSE - Operative to operative",
    table=206,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.03", "G03.FR.04"],
    catches=["rejects-same-availability"],
)
def test_tc_g_09_cs(csms, dut):
    evse, _ = dut.configured_connector()
    csms.step("1-2", "ChangeAvailability Operative for the operative EVSE: Accepted (G03.FR.03)")
    _change(csms, "Operative", evse).expect(rule="G03.FR.03", status="Accepted")


@testcase(
    "TC_G_10_CS",
    "Change Availability EVSE - Inoperative to inoperative",
    table=207,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.03", "G03.FR.04"],
    catches=["rejects-same-availability"],
)
def test_tc_g_10_cs(csms, dut):
    evse, _ = dut.configured_connector()
    # Before: state Unavailable for the configured EVSE; its reports of the EVSE's
    # connectors are the post-scenario validation.
    tx_states.unavailable(csms, dut, evse=evse)
    csms.step("1-2", "ChangeAvailability Inoperative for the EVSE again: Accepted (G03.FR.03)")
    _change(csms, "Inoperative", evse).expect(rule="G03.FR.03", status="Accepted")


@testcase(
    "TC_G_15_CS",
    "Change Availability Connector - Operative to operative",
    table=212,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.03", "G03.FR.04"],
    catches=["rejects-same-availability"],
)
def test_tc_g_15_cs(csms, dut):
    evse, connector = dut.configured_connector()
    csms.step("1-2", "ChangeAvailability Operative for the operative connector: Accepted")
    _change(csms, "Operative", evse, connector).expect(rule="G03.FR.03", status="Accepted")
    # Post-scenario validation: the connector reported. Nothing changed, so G03.FR.04
    # asks for no report; OCTT expects one.
    with csms.octt_expects("Part 6 expects a report of the connector although none changed"):
        csms.expect_connectors("Available", only=[(evse, connector)], rule="G03.FR.04")


@testcase(
    "TC_G_16_CS",
    "Change Availability Connector - Inoperative to inoperative",
    table=213,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.03", "G03.FR.04"],
    catches=["rejects-same-availability"],
)
def test_tc_g_16_cs(csms, dut):
    evse, connector = dut.configured_connector()
    # Before: state Unavailable for the configured connector; its report is the
    # post-scenario validation.
    tx_states.unavailable(csms, dut, evse=evse, connector=connector)
    csms.step("1-2", "ChangeAvailability Inoperative for the connector again: Accepted")
    _change(csms, "Inoperative", evse, connector).expect(rule="G03.FR.03", status="Accepted")


# -- G04: ChangeAvailability of the whole station --------------------------------------------


@testcase(
    "TC_G_05_CS",
    "Change Availability Charging Station - Operative to inoperative",
    table=202,
    requirements=["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.05", "G04.FR.07"],
    catches={
        "change-availability-rejected": "G04.FR.03",
        "no-status-after-change-availability": "G04.FR.05",
    },
)
def test_tc_g_05_cs(csms, dut):
    csms.step(1, "Reusable state Unavailable for the whole station")
    # Its steps: Inoperative without an EVSE, Accepted (G04.FR.03); every connector
    # reported Unavailable (G04.FR.05, G04.FR.07), the post-scenario validation.
    tx_states.unavailable(csms, dut, whole_station=True)


@testcase(
    "TC_G_06_CS",
    "Change Availability Charging Station - Inoperative to operative",
    table=203,
    requirements=["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.05", "G04.FR.08"],
    catches={
        "operative-not-applied": "G04.FR.08",
        "no-status-after-change-availability": "G04.FR.05",
    },
)
def test_tc_g_06_cs(csms, dut):
    # Before: state Unavailable for the whole station.
    tx_states.unavailable(csms, dut, whole_station=True)
    csms.step("1-2", "ChangeAvailability Operative for the station: Accepted")
    _change(csms, "Operative").expect(rule="G04.FR.03", status="Accepted")
    csms.step("3-4", "Every connector reported Available again (G04.FR.08)")
    csms.expect_connectors("Available", rule="G04.FR.08")


@testcase(
    "TC_G_12_CS",
    "Change Availability Charging Station - Operative to operative",
    table=209,
    requirements=["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.04", "G04.FR.05"],
    catches={"rejects-same-availability": "G04.FR.04"},
)
def test_tc_g_12_cs(csms, dut):
    csms.step("1-2", "ChangeAvailability Operative for the operative station: Accepted")
    _change(csms, "Operative").expect(rule="G04.FR.04", status="Accepted")
    # Post-scenario validation: every connector reported. Nothing changed, so
    # G04.FR.05 asks for no report; OCTT expects one of each.
    with csms.octt_expects("Part 6 expects a report of every connector although none changed"):
        csms.expect_connectors("Available", rule="G04.FR.05")


@testcase(
    "TC_G_13_CS",
    "Change Availability Charging Station - Inoperative to inoperative",
    table=210,
    requirements=["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.04", "G04.FR.05"],
    catches={"rejects-same-availability": "G04.FR.04"},
)
def test_tc_g_13_cs(csms, dut):
    # Before: state Unavailable for the whole station.
    tx_states.unavailable(csms, dut, whole_station=True)
    csms.step("1-2", "ChangeAvailability Inoperative for the station again: Accepted")
    _change(csms, "Inoperative").expect(rule="G04.FR.04", status="Accepted")
    csms.step("3-4", "Every connector reported Unavailable")
    # Nothing changed, so G04.FR.05 asks for no report; OCTT expects one of each.
    with csms.octt_expects("Part 6 expects a report of every connector although none changed"):
        csms.expect_connectors("Unavailable", rule="G04.FR.05")


# -- with a transaction running: Scheduled, then Unavailable at its end ------------------------


def _to_the_end(csms, dut, tx, keys, *, first: int, rule: str) -> None:
    """The steps after the Scheduled answer: the transaction runs on through the states
    StopAuthorized, EVConnectedPostSession, EVDisconnected and ParkingBayUnoccupied
    (numbered from ``first``, three steps each); after the one that ends it, the
    change that waited happens: the connectors ``keys`` reported Unavailable (``rule``).
    The disconnect's own report is that one (G01.FR.05), not Available."""
    stages = (
        ("StopAuthorized", tx_states.stop_authorized),
        ("EVConnectedPostSession", tx_states.ev_connected_post_session),
        ("EVDisconnected", _disconnected),
        ("ParkingBayUnoccupied", tx_states.parking_bay_unoccupied),
    )
    for number, (name, state) in enumerate(stages):
        step = first + 3 * number
        csms.step(step, f"Reusable state {name}")
        running = tx.running
        state(csms, dut, tx)
        if running and tx.ended:
            csms.step(f"{step + 1}-{step + 2}", "The transaction is over: the EVSE Unavailable")
            csms.expect_connectors("Unavailable", only=keys, rule=rule)


def _disconnected(csms, dut, tx):
    """State EVDisconnected on a connector due to become Unavailable: its report is
    checked by the caller."""
    return tx_states.ev_disconnected(csms, dut, tx, expect_available=False)


@testcase(
    "TC_G_11_CS",
    "Change Availability EVSE - With ongoing transaction",
    table=208,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.05"],
    catches=["inoperative-accepted-under-transaction", "scheduled-availability-forgotten"],
)
def test_tc_g_11_cs(csms, dut):
    # Before: state EnergyTransferStarted.
    tx = tx_states.energy_transfer_started(csms, dut, _session(csms, dut))
    csms.step("1-2", "ChangeAvailability Inoperative for the charging EVSE: Scheduled")
    _change(csms, "Inoperative", tx.evse).expect(rule="G03.FR.05", status="Scheduled")
    # The wait <Configured Transaction Duration> is StopAuthorized's.
    _to_the_end(csms, dut, tx, dut.connectors(tx.evse), first=3, rule="G03.FR.05")


@testcase(
    "TC_G_14_CS",
    "Change Availability Charging Station - With ongoing transaction",
    table=211,
    requirements=["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.05", "G04.FR.06"],
    catches={
        "inoperative-accepted-under-transaction": "G04.FR.06",
        "scheduled-availability-forgotten": "G04.FR.06",
    },
)
def test_tc_g_14_cs(csms, dut):
    # Before: state EnergyTransferStarted.
    tx = tx_states.energy_transfer_started(csms, dut, _session(csms, dut))
    csms.step("1-2", "ChangeAvailability Inoperative for the station: Scheduled (G04.FR.06)")
    _change(csms, "Inoperative").expect(rule="G04.FR.06", status="Scheduled")
    idle = [key for key in dut.connectors() if key[0] != tx.evse]
    if idle:
        csms.step("3-4", "The connectors of the EVSEs without a transaction: Unavailable now")
        csms.expect_connectors("Unavailable", only=idle, rule="G04.FR.07")
    _to_the_end(csms, dut, tx, dut.connectors(tx.evse), first=5, rule="G04.FR.06")


@testcase(
    "TC_G_17_CS",
    "Change Availability Connector - With ongoing transaction",
    table=214,
    requirements=["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.05"],
    catches=["inoperative-accepted-under-transaction", "scheduled-availability-forgotten"],
)
def test_tc_g_17_cs(csms, dut):
    # Before: state EnergyTransferStarted.
    tx = tx_states.energy_transfer_started(csms, dut, _session(csms, dut))
    csms.step("1-2", "ChangeAvailability Inoperative for the charging connector: Scheduled")
    _change(csms, "Inoperative", tx.evse, tx.connector).expect(rule="G03.FR.05", status="Scheduled")
    # Only that connector becomes Unavailable; the tool validation names it.
    _to_the_end(csms, dut, tx, [(tx.evse, tx.connector)], first=3, rule="G03.FR.05")


# -- the availability set survives a restart ------------------------------------------------


def _boots_keeping(csms, dut, unavailable, *, rule: str, steps: tuple[str, str, str]) -> None:
    """The station, restarting, boots (Accepted), reports ``unavailable`` Unavailable
    (``rule``: the state persists) and every other connector Available (B01.FR.05),
    and sends its startup security event, each under its step of ``steps``."""
    boot_step, report_step, event_step = steps
    csms.step(boot_step, "BootNotification, Accepted")
    boot = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="B01.FR.03")
    csms.step(report_step, "Every connector reported: Unavailable as set, else Available")
    csms.expect_connectors("Unavailable", since=boot, only=unavailable, rule=rule)
    others = [key for key in dut.connectors() if key not in unavailable]
    if others:
        csms.expect_connectors("Available", since=boot, only=others, rule="B01.FR.05")
    csms.step(event_step, "SecurityEventNotification StartupOfTheDevice or ResetOrReboot")
    csms.expect(
        "SecurityEventNotification", rule="A04.FR.01", type=one_of(*states.BOOT_SECURITY_EVENTS)
    )


def _accept_boot(csms, dut) -> None:
    csms.will_reply("BootNotification", status="Accepted", interval=int(dut.timers.heartbeat))


@testcase(
    "TC_G_18_CS",
    "Change Availability EVSE - state persists across reboot",
    table=215,
    requirements=["G03.FR.08", "G01.FR.01"],
    catches=["availability-not-persistent"],
)
def test_tc_g_18_cs(csms, dut):
    evse, _ = dut.configured_connector()
    csms.step(
        "1-4", "ChangeAvailability Inoperative for the EVSE: Accepted, its connectors Unavailable"
    )
    # Steps 1-4 are the state Unavailable the table's "Before" names, for the EVSE. The
    # table's step 3 also lists the other EVSEs' connectors Available: they did not
    # change, so no report of them is due (G03.FR.04) and none is waited for.
    tx_states.unavailable(csms, dut, evse=evse)
    csms.step(5, "Reusable state Booted (power cycle), with the EVSE still Unavailable")
    _accept_boot(csms, dut)
    # Manual action: power cycle the station.
    dut.act("power_cycle")
    _boots_keeping(
        csms, dut, dut.connectors(evse), rule="G03.FR.08", steps=("5 (3-4)", "5 (5-6)", "5 (7-8)")
    )


@testcase(
    "TC_G_19_CS",
    "Change Availability Connector - state persists across reboot",
    table=216,
    requirements=["G03.FR.08"],
    catches=["availability-not-persistent"],
)
def test_tc_g_19_cs(csms, dut):
    evse, connector = dut.configured_connector()
    # Before: state Unavailable for the configured connector.
    tx_states.unavailable(csms, dut, evse=evse, connector=connector)
    csms.step(1, "Reusable state Booting: Reset Immediate, Accepted")
    _accept_boot(csms, dut)
    states.booting(csms, dut)
    _boots_keeping(csms, dut, [(evse, connector)], rule="G03.FR.08", steps=("2-3", "4-5", "6-7"))


@testcase(
    "TC_G_21_CS",
    "Change Availability Charging Station - state persists across reboot",
    table=218,
    requirements=["G04.FR.09"],
    catches={"availability-not-persistent": "G04.FR.09"},
)
def test_tc_g_21_cs(csms, dut):
    # Before: state Unavailable for the whole station.
    tx_states.unavailable(csms, dut, whole_station=True)
    csms.step(1, "Reusable state Booting: Reset Immediate, Accepted")
    _accept_boot(csms, dut)
    states.booting(csms, dut)
    _boots_keeping(csms, dut, dut.connectors(), rule="G04.FR.09", steps=("2-3", "4-5", "6-7"))
