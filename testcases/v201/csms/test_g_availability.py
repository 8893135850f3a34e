"""Block G, Availability — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The tables name no
requirement of the CSMS for a ChangeAvailability (the choice of what to make
inoperative is the operator's), so a request with other values than the step asks for
fails with the harness's rule ``expect:ChangeAvailability``, as in the reusable state
Unavailable (harness.states.csms). The harness's station reports its connectors as the
profile says (StatusNotification or NotifyEvent), and checks that the CSMS answers each
report.

"<Configured evseId>" and "<Configured connectorId>" are the first EVSE of the profile's
layout and its first connector; the transaction states charge on that connector. Where a
table asks for a report of "all connectors" after an EVSE's or a connector's change, the
harness reports the connectors that change concerns (those are the ones a station
reports, G03.FR.04).
"""

from __future__ import annotations

from typing import Any

from harness import testcase
from harness.defaults import utc_now
from harness.states import csms as states
from harness.states import csms_transactions as transactions

BLOCK = "G Availability"

#: the event id of the lock failure the harness's station reports (TC_G_20_CSMS)
LOCK_FAILURE_EVENT_ID = 1


def _configured(station: Any) -> tuple[int, int]:
    """Part 6 <Configured evseId> and <Configured connectorId>."""
    evse, connectors = states.evse_layout(station, None)
    return evse, connectors[0]


def _connectors_of(station: Any, evse: int) -> list[tuple[int, tuple[int, ...]]]:
    """The layout entry of ``evse``, as ``report_connectors`` takes it."""
    return [states.evse_layout(station, evse)]


def _other_evses(station: Any, evse: int) -> list[tuple[int, tuple[int, ...]]]:
    """Every EVSE of the layout but ``evse``, with its connectors."""
    return [(other, tuple(connectors)) for other, connectors in station.evses if other != evse]


# -- G03: ChangeAvailability of an EVSE ----------------------------------------------------


@testcase(
    "TC_G_03_CSMS",
    "Change Availability EVSE - Operative to inoperative",
    table=547,
    catches=[
        "change-availability-operative",
        "change-availability-with-connector",
        "status-notification-unavailable-refused",
    ],
)
def test_tc_g_03_csms(station, dut):
    evse, _ = _configured(station)
    station.step(1, "Reusable state Unavailable for the configured EVSE")
    # Its steps: the CSMS sends Inoperative for the EVSE as a whole (no connectorId),
    # the station accepts and reports every connector of the EVSE Unavailable.
    states.unavailable(station, dut, evse)


@testcase(
    "TC_G_04_CSMS",
    "Change Availability EVSE - Inoperative to operative",
    table=548,
    catches=["change-availability-inoperative", "change-availability-with-connector"],
)
def test_tc_g_04_csms(station, dut):
    evse, _ = _configured(station)
    # Memory state: the CSMS has made the configured EVSE Unavailable.
    states.unavailable(station, dut, evse)
    station.step("1-2", "Manual action: the CSMS makes the EVSE Operative; the station accepts")
    # Tool validation of step 1: Operative, that EVSE, no connectorId.
    states.change_availability(station, dut, operative=True, evse=evse)
    station.step("3-4", "Every connector of the EVSE reported Available; the CSMS answers")
    # The table lets the station report the EVSE itself too; it reports its connectors.
    states.report_connectors(station, dut, "Available", evses=_connectors_of(station, evse))


# -- G04: ChangeAvailability of the whole station -------------------------------------------


@testcase(
    "TC_G_05_CSMS",
    "Change Availability Charging Station - Operative to inoperative",
    table=549,
    catches=[
        "change-availability-operative",
        "change-availability-station-names-evse",
        "status-notification-unavailable-refused",
    ],
)
def test_tc_g_05_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "Manual action: the CSMS makes the station Inoperative; it accepts")
    # Tool validation of step 1: Inoperative, no evse at all.
    states.change_availability(station, dut, operative=False)
    station.step("3-4", "Every connector reported Unavailable; the CSMS answers each report")
    states.report_connectors(station, dut, "Unavailable")


@testcase(
    "TC_G_06_CSMS",
    "Change Availability Charging Station - Inoperative to operative",
    table=550,
    catches=["change-availability-inoperative", "change-availability-station-names-evse"],
)
def test_tc_g_06_csms(station, dut):
    # Before: the station set Unavailable as a whole (every connector was Available).
    states.unavailable(station, dut, whole_station=True)
    # The table's manual action says "Inoperative" where its tool validation and its
    # title want Operative; the harness follows the validation.
    station.step("1-2", "Manual action: the CSMS makes the station Operative; it accepts")
    # Tool validation of step 1: Operative, no evse at all.
    states.change_availability(station, dut, operative=True)
    station.step("3-4", "Every connector reported Available; the CSMS answers each report")
    states.report_connectors(station, dut, "Available")


# -- G03: ChangeAvailability of a connector -------------------------------------------------


@testcase(
    "TC_G_07_CSMS",
    "Change Availability Connector - Operative to inoperative",
    table=551,
    catches=[
        "change-availability-operative",
        "change-availability-drops-connector",
        "status-notification-unavailable-refused",
    ],
)
def test_tc_g_07_csms(station, dut):
    evse, connector = _configured(station)
    states.booted(station, dut)
    station.step("1-2", "Manual action: the CSMS makes a connector Inoperative; it accepts")
    # Tool validation of step 1: Inoperative, that EVSE and that connector of it.
    states.change_availability(station, dut, operative=False, evse=evse, connector=connector)
    station.step("3-4", "The connector reported Unavailable; the CSMS answers")
    states.report_connectors(station, dut, "Unavailable", evses=[(evse, (connector,))])


@testcase(
    "TC_G_08_CSMS",
    "Change Availability Connector - Inoperative to operative",
    table=552,
    catches=["change-availability-inoperative", "change-availability-drops-connector"],
)
def test_tc_g_08_csms(station, dut):
    evse, connector = _configured(station)
    # Memory state: the CSMS has made the configured connector Unavailable.
    states.unavailable(station, dut, evse, connector=connector)
    station.step("1-2", "Manual action: the CSMS makes the connector Operative; it accepts")
    # Tool validation of step 1: Operative, that EVSE and that connector of it.
    states.change_availability(station, dut, operative=True, evse=evse, connector=connector)
    station.step("3-4", "The connector reported Available; the CSMS answers")
    states.report_connectors(station, dut, "Available", evses=[(evse, (connector,))])


# -- with a transaction running: Scheduled, then Unavailable once it is over ----------------


def _finish_transaction(station: Any, dut: Any, tx: transactions.Transaction, first: int) -> None:
    """The three steps after the Scheduled answer, numbered from ``first``: the states
    StopAuthorized, EVConnectedPostSession and EVDisconnected. The table's note "wait
    for <Configured Transaction Duration>" before them is StopAuthorized's own wait."""
    station.step(first, "Reusable state StopAuthorized (after the transaction duration)")
    transactions.stop_authorized(station, dut, tx)
    station.step(first + 1, "Reusable state EVConnectedPostSession")
    transactions.ev_connected_post_session(station, dut, tx)
    station.step(first + 2, "Reusable state EVDisconnected")
    transactions.ev_disconnected(station, dut, tx)


@testcase(
    "TC_G_11_CSMS",
    "Change Availability EVSE - With ongoing transaction",
    table=553,
    catches=[
        "change-availability-operative",
        "change-availability-with-connector",
        "stop-authorized-omits-id-token-info",
        "status-notification-unavailable-refused",
    ],
)
def test_tc_g_11_csms(station, dut):
    # Before: state EnergyTransferStarted on the configured connector.
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "The CSMS makes the EVSE Inoperative; the station answers Scheduled")
    # Tool validation of step 1: Inoperative, the transaction's EVSE, no connectorId.
    states.change_availability(station, dut, operative=False, evse=tx.evse, answer="Scheduled")
    _finish_transaction(station, dut, tx, first=3)
    station.step("6-7", "The EVSE's connectors reported Unavailable; the CSMS answers")
    # Post-scenario validation: every report answered (report_connectors checks each).
    states.report_connectors(station, dut, "Unavailable", evses=_connectors_of(station, tx.evse))


@testcase(
    "TC_G_14_CSMS",
    "Change Availability Charging Station - With ongoing transaction",
    table=554,
    catches=[
        "change-availability-operative",
        "change-availability-station-names-evse",
        "stop-authorized-omits-id-token-info",
        "status-notification-unavailable-refused",
    ],
)
def test_tc_g_14_csms(station, dut):
    # Before: state EnergyTransferStarted on the configured connector.
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "The CSMS makes the station Inoperative; the station answers Scheduled")
    # Tool validation of step 1: Inoperative, no evse at all.
    states.change_availability(station, dut, operative=False, answer="Scheduled")
    station.step("3-4", "The connectors without a transaction reported Unavailable at once")
    # Those of the other EVSEs (none with a one-EVSE layout); the transaction's EVSE
    # follows once the transaction is over.
    others = _other_evses(station, tx.evse)
    if others:
        states.report_connectors(station, dut, "Unavailable", evses=others)
    _finish_transaction(station, dut, tx, first=5)
    station.step("8-9", "The configured connector reported Unavailable; the CSMS answers")
    # Post-scenario validation: with steps 3-4, every connector's report was answered.
    states.report_connectors(station, dut, "Unavailable", evses=_connectors_of(station, tx.evse))


@testcase(
    "TC_G_17_CSMS",
    "Change Availability Connector - With ongoing transaction",
    table=555,
    catches=[
        "change-availability-operative",
        "change-availability-drops-connector",
        "stop-authorized-omits-id-token-info",
        "status-notification-unavailable-refused",
    ],
)
def test_tc_g_17_csms(station, dut):
    # Before: state EnergyTransferStarted on the configured connector.
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "The CSMS makes the connector Inoperative; the station answers Scheduled")
    # Tool validation of step 1: Inoperative, the transaction's EVSE and connector.
    states.change_availability(
        station, dut, operative=False, evse=tx.evse, connector=tx.connector, answer="Scheduled"
    )
    _finish_transaction(station, dut, tx, first=3)
    station.step("6-7", "The configured connector reported Unavailable; the CSMS answers")
    states.report_connectors(station, dut, "Unavailable", evses=[(tx.evse, (tx.connector,))])


# -- G05: lock failure ---------------------------------------------------------------------


@testcase(
    "TC_G_20_CSMS",
    "Connector status Notification - Lock Failure",
    table=556,
    requirements=["G05.FR.03"],
    catches=["notify-event-problem-refused"],
)
def test_tc_g_20_csms(station, dut):
    evse, connector = _configured(station)
    states.booted(station, dut)
    station.step("1-2", "NotifyEvent: the connector's retention lock has a problem")
    # Tool validation: none; the CSMS answers with a NotifyEventResponse (G05.FR.03).
    station.call("NotifyEvent", _lock_failure(evse, connector)).expect(rule="G05.FR.03")


def _lock_failure(evse: int, connector: int) -> dict[str, Any]:
    """A NotifyEvent of the station's ConnectorPlugRetentionLock on the configured
    connector: variable Problem, trigger Delta, actualValue "true" (Table 556 step 1)."""
    now = utc_now()
    return {
        "generatedAt": now,
        "seqNo": 0,
        "eventData": [
            {
                "eventId": LOCK_FAILURE_EVENT_ID,
                "timestamp": now,
                "trigger": "Delta",
                "actualValue": "true",
                "eventNotificationType": "HardWiredNotification",
                "component": {
                    "name": "ConnectorPlugRetentionLock",
                    "evse": {"id": evse, "connectorId": connector},
                },
                "variable": {"name": "Problem"},
            }
        ],
    }
