"""Block B, Provisioning — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. The harness's station
reports its connectors as the profile says (StatusNotification or NotifyEvent, the two
ways OCTT's station does it).
"""

from harness import DutFailure, HarnessError, testcase
from harness.defaults import utc_now
from harness.matching import ABSENT, absent_or, differences, one_of
from harness.states import csms as states
from harness.states import csms_transactions as transactions
from harness.station_model import report_follow_ups

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


# -- B06 / B05: reading and writing several variables -------------------------------------

#: the attribute types a GetVariables item may ask for in TC_B_06/07_CSMS (none: Actual)
READABLE_ATTRIBUTES = absent_or(one_of("Actual", "Target", "MinSet", "MaxSet"))


def _variable_pattern(component: str, variable: str, **more) -> dict:
    return {"component": {"name": component}, "variable": {"name": variable}, **more}


def _require_items(request, key: str, wanted: list[dict], rule: str) -> None:
    """Every pattern of ``wanted`` matches an item of the request's ``key`` list, in
    any order (Part 6: "in arbitrary order"); else the CSMS asked for something else."""
    items = request.get(key) or []
    problems = [_item_problem(w, items) for w in wanted]
    problems = [p for p in problems if p is not None]
    if problems:
        request.entry.failing = True
        raise DutFailure(
            f"{request.action} (frame {request.entry.seq}): " + "; ".join(problems),
            rule,
            request.entry.raw,
        )


def _item_problem(wanted: dict, items: list) -> str | None:
    """None when an item matches ``wanted``; else what is wrong with the item for the
    same variable, or that there is none."""
    if any(_matches(wanted, item) for item in items):
        return None
    label = f"{wanted['component']['name']}.{wanted['variable']['name']}"
    names = {"component": wanted["component"], "variable": wanted["variable"]}
    same = [item for item in items if _matches(names, item)]
    if not same:
        return f"no item for {label} (it asked for {_names(items)})"
    return f"the item for {label} differs: {'; '.join(differences(wanted, same[0]))}"


def _check_read(station, result, request, wanted: list[tuple[str, str]], rule: str) -> None:
    """Post-scenario: the CSMS read the values the station gave, where the control
    adapter tells what the CSMS read (TC_B_06_CSMS does the same for one variable).
    Only items asked for the Actual value are compared: the station answers the other
    attribute types it lacks NotSupportedAttributeType, with no value to read."""
    values = (result or {}).get("values") if isinstance(result, dict) else None
    if values is None:
        station.note(
            rule, "the control adapter did not report what the CSMS read; check it by hand"
        )
        return
    items = request.get("getVariableData") or []
    for component, variable in wanted:
        actual = _variable_pattern(component, variable, attributeType=absent_or("Actual"))
        if not any(_matches(actual, item) for item in items):
            continue
        expected = station.device_model.value(component, variable)
        read = values.get(f"{component}.{variable}")
        if read != expected:
            raise DutFailure(
                f"the CSMS read {component}.{variable} as {read!r}; the station answered "
                f"{expected!r}",
                rule,
            )


@testcase(
    "TC_B_07_CSMS",
    "Get Variables - multiple values",
    table=467,
    requirements=["B06.FR.01", "B06.FR.02", "B06.FR.03"],
    catches=[
        "get-variables-invalid",
        "get-variables-wrong-variable",
        "get-variables-first-item-only",
        "get-variables-misread",
    ],
)
def test_tc_b_07_csms(station, dut):
    states.booted(station, dut)
    wanted = [("OCPPCommCtrlr", "OfflineThreshold"), ("AuthCtrlr", "AuthorizeRemoteStart")]
    station.step(
        1,
        "Manual action: make the CSMS get OCPPCommCtrlr.OfflineThreshold and "
        "AuthCtrlr.AuthorizeRemoteStart",
    )
    result = dut.act("get_variables", items=[{"component": c, "variable": v} for c, v in wanted])
    # Tool validation of step 1: one GetVariablesRequest with an item for each, in any
    # order, attributeType absent or Actual (Target, MinSet, MaxSet allowed too).
    request = station.expect("GetVariables", rule="expect:GetVariables")
    _require_items(
        request,
        "getVariableData",
        [_variable_pattern(c, v, attributeType=READABLE_ATTRIBUTES) for c, v in wanted],
        "expect:GetVariables",
    )
    station.step(2, "The station answers both from its device model")
    # Post-scenario: the CSMS has read both values (where the adapter can tell).
    _check_read(station, result, request, wanted, "B06.FR.01")


#: Part 6 TC_B_09/10_CSMS: the values the CSMS is asked to set
NEW_OFFLINE_THRESHOLD = "123"
NEW_AUTHORIZE_REMOTE_START = "false"


def _set_variables_case(station, dut, wanted: list[tuple[str, str, str]]) -> None:
    """Steps 1-2 of TC_B_09/10_CSMS: the CSMS sets ``wanted`` (component, variable,
    value) in one SetVariablesRequest; the station answers from its device model."""
    states.booted(station, dut)
    shown = " and ".join(f"{c}.{v} to {value!r}" for c, v, value in wanted)
    station.step(1, f"Manual action: make the CSMS set {shown}")
    dut.act(
        "set_variables",
        items=[{"component": c, "variable": v, "value": value} for c, v, value in wanted],
    )
    # Tool validation of step 1: an item for each, in any order, with the value asked
    # for and attributeType absent or Actual.
    request = station.expect("SetVariables", rule="expect:SetVariables")
    _require_items(
        request,
        "setVariableData",
        [
            _variable_pattern(c, v, attributeValue=value, attributeType=absent_or("Actual"))
            for c, v, value in wanted
        ],
        "expect:SetVariables",
    )
    station.step(2, "The station answers from its device model")
    # Part 6's post-scenario check (the CSMS knows the values are set) is the operator's.
    station.note(
        "B05.FR.01",
        "Part 6 leaves it to the operator to check that the CSMS shows the values as set",
    )


@testcase(
    "TC_B_09_CSMS",
    "Set Variables - single value",
    table=469,
    requirements=["B05.FR.01", "B05.FR.02", "B05.FR.03", "B05.FR.10", "B05.FR.12"],
    catches=["set-variables-wrong-value", "set-variables-target-attribute"],
)
def test_tc_b_09_csms(station, dut):
    _set_variables_case(
        station, dut, [("OCPPCommCtrlr", "OfflineThreshold", NEW_OFFLINE_THRESHOLD)]
    )


@testcase(
    "TC_B_10_CSMS",
    "Set Variables - multiple values",
    table=470,
    requirements=["B05.FR.01", "B05.FR.02", "B05.FR.03"],
    catches=[
        "set-variables-wrong-value",
        "set-variables-target-attribute",
        "set-variables-first-item-only",
    ],
)
def test_tc_b_10_csms(station, dut):
    _set_variables_case(
        station,
        dut,
        [
            ("OCPPCommCtrlr", "OfflineThreshold", NEW_OFFLINE_THRESHOLD),
            ("AuthCtrlr", "AuthorizeRemoteStart", NEW_AUTHORIZE_REMOTE_START),
        ],
    )


# -- B07: base reports ---------------------------------------------------------------------


def _base_report_case(station, dut, base: str) -> None:
    """TC_B_12/13_CSMS: the CSMS asks for the ``base`` report; the station accepts and
    sends it in NotifyReport parts, each of which the CSMS must answer."""
    states.booted(station, dut)
    station.step(1, f"Manual action: make the CSMS retrieve a {base} report")
    # Step 2 is scripted (Accepted): the case sends the report itself below.
    station.will_reply("GetBaseReport", status="Accepted")
    dut.act("get_base_report", report_base=base)
    # Tool validation of step 1: requestId an integer >= 0, the base asked for.
    request = station.expect("GetBaseReport", rule="expect:GetBaseReport", reportBase=base)
    request_id = request.get("requestId")
    if not isinstance(request_id, int) or request_id < 0:
        request.entry.failing = True
        raise DutFailure(
            f"GetBaseReport (frame {request.entry.seq}) has requestId {request_id!r}; the "
            "step needs an integer of 0 or more",
            "expect:GetBaseReport",
            request.entry.raw,
        )
    station.step(2, "The station accepts")
    # Post-scenario: the CSMS takes every NotifyReport of the report. The station sends
    # what a conformant one would (harness.station_model, as after a default answer):
    # the CSMS's requestId in each part (B07.FR.04), seqNo from 0 (B07.FR.10), tbc on
    # every part but the last, generatedAt the time the report was made.
    parts = report_follow_ups(station.device_model, "GetBaseReport", request.payload, utc_now())
    if not parts:
        raise HarnessError(f"the harness station's device model has nothing for {base}", "setup")
    station.step(
        "3-4",
        f"The station sends the report in {len(parts)} NotifyReport part(s); the CSMS "
        "answers each (post-scenario validation)",
    )
    for action, payload in parts:
        station.call(action, payload).expect(rule="answer:NotifyReport")


@testcase(
    "TC_B_12_CSMS",
    "Get Base Report - ConfigurationInventory",
    table=471,
    requirements=["B07.FR.07"],
    catches=[
        "get-base-report-wrong-base",
        "get-base-report-negative-request-id",
        "notify-report-not-supported",
    ],
)
def test_tc_b_12_csms(station, dut):
    _base_report_case(station, dut, "ConfigurationInventory")


@testcase(
    "TC_B_13_CSMS",
    "Get Base Report - FullInventory",
    table=472,
    requirements=["B07.FR.08"],
    catches=[
        "get-base-report-wrong-base",
        "get-base-report-negative-request-id",
        "notify-report-not-supported",
    ],
)
def test_tc_b_13_csms(station, dut):
    _base_report_case(station, dut, "FullInventory")


# -- B09: network connection profiles ------------------------------------------------------


def _configured_profile(station, dut) -> tuple[int, dict]:
    """Part 6's <Configured configurationSlot> and connection data: the CSMS's own URL
    (the one the station connects to), OCPP20 over JSON, the profile's message timeout,
    security profile and interface."""
    network = dut.profile.network
    data = {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": station.endpoint,
        "messageTimeout": network.message_timeout,
        "securityProfile": dut.profile.security_profile,
        "ocppInterface": network.interface,
    }
    return network.configuration_slot, data


@testcase(
    "TC_B_42_CSMS",
    "Set new NetworkConnectionProfile - Accepted",
    table=481,
    requirements=["B09.FR.01"],
    catches=[
        "network-profile-wrong-slot",
        "network-profile-wrong-security-profile",
        "network-profile-invalid",
    ],
)
def test_tc_b_42_csms(station, dut):
    states.booted(station, dut)
    slot, data = _configured_profile(station, dut)
    station.step("1-2", "The CSMS sets a network connection profile; the station accepts")
    station.will_reply("SetNetworkProfile", status="Accepted")
    dut.act("set_network_profile", configuration_slot=slot, network_profile=data)
    # Tool validation of step 1: the configured slot and connection data.
    station.expect(
        "SetNetworkProfile",
        rule="expect:SetNetworkProfile",
        configurationSlot=slot,
        connectionData=data,
    )


@testcase(
    "TC_B_44_CSMS",
    "Set new NetworkConnectionProfile - Failed",
    table=482,
    requirements=["B09.FR.03"],
    catches=["network-profile-invalid"],
)
def test_tc_b_44_csms(station, dut):
    states.booted(station, dut)
    slot, data = _configured_profile(station, dut)
    station.step("1-2", "The CSMS sets a network connection profile; the station answers Failed")
    station.will_reply("SetNetworkProfile", status="Failed")
    dut.act("set_network_profile", configuration_slot=slot, network_profile=data)
    # Part 6 validates nothing of the request; it is schema-checked like every frame.
    station.expect("SetNetworkProfile", rule="expect:SetNetworkProfile")


# -- B11 / B12: resets ---------------------------------------------------------------------


def _expect_reset(station, kind: str, evse: int | None = None):
    """Tool validation of a Reset step: ``kind``, and the EVSE when one is reset; a
    reset of the whole station names none (errata 2025-09 §6.2.13-15 for TC_B_20/21/22)."""
    return station.expect(
        "Reset",
        rule="expect:Reset",
        type=kind,
        evseId=ABSENT if evse is None else evse,
    )


def _boot_after_reset(station, dut, reason: str, steps: tuple[str, str], occupied=None) -> None:
    """The station's reboot after a Reset of the whole station: its connection goes,
    it connects again and boots with ``reason``; tool validation: the CSMS answers
    Accepted. Then every connector is reported: Available, but ``occupied``
    ((evse, connector): where the EV is still plugged in), which is Occupied."""
    boot_step, connector_step = steps
    station.step(
        boot_step,
        f"The station reboots: BootNotification {reason}; tool validation: status Accepted",
    )
    station.reconnect()
    payload = states.boot_payload(station.version, dut, reason)
    station.call("BootNotification", payload).expect(rule="B01.FR.02", status="Accepted")
    station.step(connector_step, "Every connector's state; the CSMS answers each report")
    if occupied is None:
        states.report_connectors(station, dut)
        return
    evse, connector = occupied
    states.report_connectors(station, dut, "Occupied", evses=[(evse, (connector,))])
    others = [
        (e, tuple(c for c in connectors if (e, c) != occupied)) for e, connectors in station.evses
    ]
    others = [(e, connectors) for e, connectors in others if connectors]
    if others:
        states.report_connectors(station, dut, "Available", evses=others)


@testcase(
    "TC_B_20_CSMS",
    "Reset Charging Station - Without ongoing transaction - OnIdle",
    table=475,
    requirements=["B11.FR.04"],
    catches=["reset-names-evse", "boot-after-reset-pending"],
)
def test_tc_b_20_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "Manual action: make the CSMS reset the station OnIdle; it accepts")
    station.will_reply("Reset", status="Accepted")
    dut.act("reset", type="OnIdle")
    # Tool validation of step 1 (errata 2025-09 §6.2.13): no evseId. Part 6 does not
    # check the type here.
    station.expect("Reset", rule="expect:Reset", evseId=ABSENT)
    _boot_after_reset(station, dut, "RemoteReset", ("3-4", "5-6"))


@testcase(
    "TC_B_25_CSMS",
    "Reset EVSE - Without ongoing transaction",
    table=478,
    requirements=["B11.FR.04"],
    catches=["reset-type-swapped", "reset-evse-dropped"],
)
def test_tc_b_25_csms(station, dut):
    states.booted(station, dut)
    evse, _ = states.evse_layout(station, None)
    station.step("1-2", f"Manual action: make the CSMS reset EVSE {evse} OnIdle; it accepts")
    station.will_reply("Reset", status="Accepted")
    dut.act("reset", type="OnIdle", evse=evse)
    # Tool validation of step 1: OnIdle, the configured EVSE.
    _expect_reset(station, "OnIdle", evse)


@testcase(
    "TC_B_31_CSMS",
    "Cold Boot Charging Station - Pending/Rejected - TriggerMessage",
    table=465,
    needs=["C-44"],
    catches=["triggered-boot-pending", "trigger-message-wrong-message"],
)
def test_tc_b_31_csms(station, dut):
    # Prerequisite: the CSMS answers the first BootNotification Pending. Part 6 allows
    # Rejected too, but a CSMS that rejected a station sends it nothing (B03.FR.03), so
    # only a Pending boot can be followed by the TriggerMessage of step 3. A long
    # interval: the triggered boot must come, and be Accepted, well before it is over
    # (the point of the case); the station never waits it out.
    dut.act("boot_pending", interval=LONGEST_PENDING_WAIT)
    station.connect()
    station.step("1-2", "BootNotification PowerUp; tool validation: status Pending")
    boot = states.boot_payload(station.version, dut)
    station.call("BootNotification", boot).expect(rule="B02.FR.01", status="Pending")
    station.step("3-4", "The CSMS triggers a BootNotification; the station accepts")
    station.will_reply("TriggerMessage", status="Accepted")
    dut.act("trigger_message", message="BootNotification")
    # Tool validation of step 3: requestedMessage BootNotification.
    station.expect(
        "TriggerMessage", rule="expect:TriggerMessage", requestedMessage="BootNotification"
    )
    station.step("5-6", "BootNotification Triggered; tool validation: status Accepted")
    triggered = states.boot_payload(station.version, dut, "Triggered")
    station.call("BootNotification", triggered).expect(rule="B01.FR.02", status="Accepted")
    station.step("7-8", "Every connector Available; the CSMS answers each report")
    states.report_connectors(station, dut)


def _tx_event(station, tx, trigger: str, *, ended: bool = False, **fields) -> None:
    """One TransactionEvent of the case's own steps; the CSMS must answer it
    (answer:TransactionEvent). ``ended``: the transaction is over after it."""
    transactions.transaction_event(station, tx, trigger, ended=ended, **fields)
    if ended:
        tx.ended = True


def _stopped_on_idle(station, dut, tx) -> None:
    """Steps 3-6 of TC_B_21/26_CSMS: the scheduled reset waits for the transaction,
    which ends normally: the driver stops it with the valid token, then unplugs."""
    station.step("3-4", "TransactionEvent Updated StopAuthorized, chargingState EVConnected")
    tokens = dut.profile.tokens
    _tx_event(
        station,
        tx,
        "StopAuthorized",
        charging_state="EVConnected",
        id_token={"idToken": tokens.valid, "type": tokens.type},
    )
    station.step("5-6", "TransactionEvent Ended EVCommunicationLost, Idle, EVDisconnected")
    _tx_event(
        station,
        tx,
        "EVCommunicationLost",
        charging_state="Idle",
        stopped_reason="EVDisconnected",
        ended=True,
    )


def _ended_by_reset(station, tx) -> None:
    """Steps 3-4 of TC_B_22/27_CSMS: the Immediate reset ends the transaction at once,
    with the EV still plugged in and no idToken."""
    station.step("3-4", "TransactionEvent Ended ResetCommand, EVConnected, ImmediateReset")
    _tx_event(
        station,
        tx,
        "ResetCommand",
        charging_state="EVConnected",
        stopped_reason="ImmediateReset",
        ended=True,
    )


@testcase(
    "TC_B_21_CSMS",
    "Reset Charging Station - With Ongoing Transaction - OnIdle",
    table=476,
    requirements=["B12.FR.01", "B12.FR.03", "E07.FR.03"],
    catches=["reset-names-evse", "reset-type-swapped", "boot-after-reset-pending"],
)
def test_tc_b_21_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "Manual action: make the CSMS reset the station OnIdle; it is Scheduled")
    station.will_reply("Reset", status="Scheduled")
    dut.act("reset", type="OnIdle")
    # Tool validation of step 1: OnIdle, no evseId (errata 2025-09 §6.2.14).
    _expect_reset(station, "OnIdle")
    _stopped_on_idle(station, dut, tx)
    _boot_after_reset(station, dut, "ScheduledReset", ("7-8", "9-10"))


@testcase(
    "TC_B_22_CSMS",
    "Reset Charging Station - With Ongoing Transaction - Immediate",
    table=477,
    catches=[
        "reset-names-evse",
        "reset-type-swapped",
        "reset-ended-event-refused",
        "boot-after-reset-pending",
    ],
)
def test_tc_b_22_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", "Manual action: make the CSMS reset the station Immediate; it accepts")
    station.will_reply("Reset", status="Accepted")
    dut.act("reset", type="Immediate")
    # Tool validation of step 1: Immediate, no evseId (errata 2025-09 §6.2.15).
    _expect_reset(station, "Immediate")
    _ended_by_reset(station, tx)
    # The EV stays plugged in over the reboot: its connector comes back Occupied.
    _boot_after_reset(station, dut, "RemoteReset", ("5-6", "7-8"), occupied=(tx.evse, tx.connector))


@testcase(
    "TC_B_26_CSMS",
    "Reset EVSE - With Ongoing Transaction - OnIdle",
    table=479,
    requirements=["B12.FR.07"],
    catches=["reset-type-swapped", "reset-evse-dropped"],
)
def test_tc_b_26_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step(
        "1-2", f"Manual action: make the CSMS reset EVSE {tx.evse} OnIdle; it is Scheduled"
    )
    station.will_reply("Reset", status="Scheduled")
    dut.act("reset", type="OnIdle", evse=tx.evse)
    # Tool validation of step 1: OnIdle, the configured EVSE (the one charging).
    _expect_reset(station, "OnIdle", tx.evse)
    _stopped_on_idle(station, dut, tx)


@testcase(
    "TC_B_27_CSMS",
    "Reset EVSE - With Ongoing Transaction - Immediate",
    table=480,
    catches=["reset-type-swapped", "reset-evse-dropped", "reset-ended-event-refused"],
)
def test_tc_b_27_csms(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    station.step("1-2", f"Manual action: make the CSMS reset EVSE {tx.evse} Immediate; it accepts")
    station.will_reply("Reset", status="Accepted")
    dut.act("reset", type="Immediate", evse=tx.evse)
    # Tool validation of step 1: Immediate, the configured EVSE (the one charging).
    _expect_reset(station, "Immediate", tx.evse)
    _ended_by_reset(station, tx)
