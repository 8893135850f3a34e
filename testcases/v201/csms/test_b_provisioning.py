"""Block B, Provisioning — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The harness's station
reports its connectors as the profile says (StatusNotification or NotifyEvent, the two
ways OCTT's station does it).
"""

from harness import DutFailure, HarnessError, testcase
from harness.defaults import utc_now
from harness.matching import absent_or, differences, one_of
from harness.states import csms as states

BLOCK = "B Provisioning"

#: a retry interval longer than this is not waited out (a run must end)
LONGEST_PENDING_WAIT = 600


@testcase(
    "TC_B_01_CSMS",
    "Cold Boot Charging Station - Accepted",
    table=462,
    requirements=["B01.FR.02"],
    catches=[
        "boot-response-invalid",
        "heartbeat-response-invalid",
        "heartbeat-time-in-microseconds",
    ],
)
def test_tc_b_01_csms(station, dut):
    station.step(1, "Reusable state Booted")
    # BootNotification PowerUp, Accepted (B01.FR.02); every connector reported Available
    # and answered.
    states.booted(station, dut)
    # Beyond Part 6: a Heartbeat is answered (schema-checked like every frame).
    with station.beyond_octt("Part 6 TC_B_01_CSMS sends no Heartbeat"):
        station.call("Heartbeat").expect(rule="G02.FR.03")


@testcase(
    "TC_B_02_CSMS",
    "Cold Boot Charging Station - Pending",
    table=463,
    requirements=["B02.FR.01", "B02.FR.06"],
    needs=["C-44"],
    catches=["closes-on-pending", "pending-never-accepts"],
)
def test_tc_b_02_csms(station, dut):
    # Prerequisite: the CSMS is set to answer the first BootNotification with Pending.
    dut.act("boot_pending")
    station.connect()
    station.step("1-2", "BootNotification PowerUp; tool validation: status Pending")
    boot = states.boot_payload(station.version, dut)
    first = station.call("BootNotification", boot).expect(rule="B02.FR.01", status="Pending")
    # The station waits the interval (its own heartbeat interval when the CSMS gave 0),
    # answering what the CSMS asks meanwhile (B02.FR.01: Get/SetVariables …).
    interval = int(first.get("interval", 0)) or int(dut.timers.heartbeat)
    if interval > LONGEST_PENDING_WAIT:
        raise DutFailure(
            f"the CSMS asked the station to wait {interval} s before booting again; this "
            f"run waits at most {LONGEST_PENDING_WAIT} s",
            "setup",
        )
    station.hold_for(interval, "the interval of the Pending answer")
    # The connection stays open while Pending (B02.FR.06).
    if not station.connected:
        raise DutFailure(
            "the CSMS closed the connection of a station whose boot it answered Pending",
            "B02.FR.06",
        )
    station.step("3-4", "BootNotification again; tool validation: status Accepted")
    station.call("BootNotification", boot).expect(rule="B02.FR.01", status="Accepted")
    station.step("5-6", "Every connector Available; the CSMS answers each report")
    states.report_connectors(station, dut)


@testcase(
    "TC_B_30_CSMS",
    "Cold Boot Charging Station - Pending/Rejected - SecurityError",
    table=464,
    requirements=["B02.FR.09", "B03.FR.07"],
    any_of=["C-44", "not AQ-16"],
    catches=["pending-accepts-requests", "rejected-accepts-requests"],
)
def test_tc_b_30_csms(station, dut):
    # Part 5: for a CSMS that can answer Pending first (C-44), or that refuses unknown
    # stations at their boot rather than at the WebSocket set-up (NOT AQ-16) — which
    # it does with Rejected. Each answer the CSMS can give is tried in turn.
    modes = []
    if dut.supports("C-44"):
        modes.append(("boot_pending", "B02.FR.09"))
    if not dut.supports("AQ-16"):
        modes.append(("boot_reject", "B03.FR.07"))
    # boot_pending and boot_reject register their undo (boot_accept) as they are done
    for action, rule in modes:
        # Prerequisite: the CSMS is set to answer the first BootNotification with this.
        dut.act(action)
        if station.connected:
            station.reconnect()
        else:
            station.connect()
        station.step("1-2", "BootNotification PowerUp; tool validation: status Pending or Rejected")
        answer = station.call("BootNotification", states.boot_payload(station.version, dut))
        answer.expect(rule=rule, status=one_of("Pending", "Rejected"))
        got = answer["status"]
        rule = "B02.FR.09" if got == "Pending" else "B03.FR.07"
        station.step(
            "3-4", "A connector reported anyway: the CSMS refuses it with CALLERROR SecurityError"
        )
        payload = {
            "timestamp": utc_now(),
            "connectorStatus": "Available",
            "evseId": station.evses[0][0],
            "connectorId": station.evses[0][1][0],
        }
        response = station.call("StatusNotification", payload)
        if response.error_code != "SecurityError":
            answer_text = (
                f"CALLERROR {response.error_code}" if response.is_error else "a CALLRESULT"
            )
            raise DutFailure(
                f"the CSMS answered a StatusNotification of a station it had answered {got} "
                f"with {answer_text}; expected CALLERROR SecurityError",
                rule,
                response.raw,
            )


OFFLINE_THRESHOLD_VALUE = "300"


@testcase(
    "TC_B_06_CSMS",
    "Get Variables - single value",
    table=466,
    requirements=["B06.FR.01", "B06.FR.02", "B06.FR.03", "B06.FR.04", "B06.FR.10", "B06.FR.11"],
    catches=["get-variables-invalid", "get-variables-wrong-variable"],
)
def test_tc_b_06_csms(station, dut):
    states.booted(station, dut)
    # The station's answer: its value of the variable asked for (from the harness
    # station's device model: OCPPCommCtrlr.OfflineThreshold).
    station.step(1, "Manual action: make the CSMS get OCPPCommCtrlr.OfflineThreshold")
    result = dut.act(
        "get_variables", items=[{"component": "OCPPCommCtrlr", "variable": "OfflineThreshold"}]
    )
    # Tool validation of step 1: a GetVariablesRequest with, among its items, one for
    # OfflineThreshold of OCPPCommCtrlr, attributeType absent or Actual (Target, MinSet
    # and MaxSet are allowed too).
    request = station.expect("GetVariables", rule="expect:GetVariables")
    wanted = {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "OfflineThreshold"},
        "attributeType": absent_or(one_of("Actual", "Target", "MinSet", "MaxSet")),
    }
    items = request.get("getVariableData") or []
    if not any(_matches(wanted, item) for item in items):
        request.entry.failing = True
        raise DutFailure(
            f"the CSMS asked for {_names(items)}, not for OCPPCommCtrlr.OfflineThreshold",
            "expect:GetVariables",
            request.entry.raw,
        )
    station.step(2, "The station answers from its device model")
    # Post-scenario: the CSMS has read the value the station gave — where the control
    # adapter can tell.
    values = (result or {}).get("values") if isinstance(result, dict) else None
    if values is None:
        station.note(
            "B06.FR.01",
            "the control adapter did not report what the CSMS read; check it by hand",
        )
        return
    read = values.get("OCPPCommCtrlr.OfflineThreshold")
    expected = station.device_model.value("OCPPCommCtrlr", "OfflineThreshold")
    if read != expected:
        raise DutFailure(
            f"the CSMS read OfflineThreshold as {read!r}; the station answered {expected!r}",
            "B06.FR.01",
        )


def _matches(wanted, item) -> bool:
    return not differences(wanted, item)


def _names(items) -> str:
    names = [
        f"{(i.get('component') or {}).get('name')}.{(i.get('variable') or {}).get('name')}"
        for i in items
    ]
    return ", ".join(names) or "nothing"


@testcase(
    "TC_B_58_CSMS",
    "WebSocket Subprotocol validation",
    requirements=["OCPP-J 3.1.2"],
    catches={
        "accepts-unknown-subprotocol": "OCPP-J 3.2",
        "upgrades-without-subprotocol-keeps-open": "OCPP-J 3.2",
    },
)
def test_tc_b_58_csms(station, dut):
    # Errata 2025-04 §6.2.21 (Part 6 has no table number for this case).
    station.step("1-2", 'Offer only "ocpp0.1": the CSMS must not agree on it')
    # OCTT expects no upgrade; Part 4 §3.2 also lets the CSMS upgrade without a
    # subprotocol and close at once.
    unknown = station.handshake(["ocpp0.1"])
    _credentials_accepted(unknown)
    if unknown.upgraded and unknown.subprotocol is not None:
        raise DutFailure(
            f"the CSMS upgraded a connection that offered only 'ocpp0.1' and agreed on "
            f"{unknown.subprotocol!r}",
            "OCPP-J 3.2",
        )
    if unknown.upgraded and not unknown.closed_by_peer:
        raise DutFailure(
            "the CSMS upgraded a connection that offered only 'ocpp0.1', without a "
            f"subprotocol, and kept it open for {station.response_timeout:g} s; it must "
            "close it at once",
            "OCPP-J 3.2",
        )
    if unknown.upgraded:
        with station.octt_expects("OCTT expects no upgrade at all for 'ocpp0.1'"):
            raise DutFailure(
                "the CSMS upgraded a connection offering only 'ocpp0.1' without a "
                "subprotocol and then closed it (Part 4 allows it)",
                "OCPP-J 3.2",
            )
    station.step("3-4", 'Offer "ocpp0.1, ocpp2.0.1": the CSMS upgrades with that version')
    # Its Sec-WebSocket-Protocol header names the version (tool validation of step 4).
    wanted = station.version.subprotocol
    both = station.handshake(["ocpp0.1", wanted])
    _credentials_accepted(both)
    if not both.upgraded or both.subprotocol != wanted:
        raise DutFailure(
            f"offered 'ocpp0.1, {wanted}', the CSMS answered upgraded={both.upgraded} "
            f"subprotocol={both.subprotocol!r} (HTTP {both.status}); expected an upgrade "
            f"with {wanted!r}",
            "OCPP-J 3.1.2",
        )


def _credentials_accepted(handshake) -> None:
    """A CSMS that refuses the station's credentials (HTTP 401 or 403) says nothing of
    subprotocols: the profile's identity or password is wrong, a set-up error as in
    every other case's connection (harness.transport.client), not the CSMS's fault."""
    if handshake.status in (401, 403):
        raise HarnessError(
            f"the CSMS refused the station's credentials with HTTP {handshake.status} "
            "(check dut.password and dut.identity): the subprotocol check cannot be judged",
            "setup",
        )
