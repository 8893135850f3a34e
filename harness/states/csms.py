"""Part 6 §3.18 reusable states for a CSMS DUT (the harness is the charging station).

The harness's station reports its connectors the way the DUT profile says
(``[harness] connector_report``): by StatusNotification or by NotifyEvent, the two ways
OCTT's station does it, so a CSMS is tried with both.

Here: *Booted* and the two states a CSMS puts an EVSE in by a request of its own,
*Reserved* and *Unavailable*. The transaction states (EVConnectedPreSession …
EVDisconnected) are in :mod:`harness.states.csms_transactions`.

Reserved and Unavailable need the CSMS to send something it sends only when told to,
so a control action (``reserve_now``, ``change_availability``) asks for it. Their tool
validations check that the CSMS sent what it was asked for; Part 2 sets no requirement
on that (the choice of EVSE and token is the operator's), so a mismatch fails with the
harness's rule ``expect:<Action>``, as any expected message with other values does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from harness.connectors import report_payloads
from harness.defaults import utc_now
from harness.matching import ABSENT
from harness.messages import Message, Response
from harness.ocppj import OcppVersion
from harness.verdicts import ScriptError

if TYPE_CHECKING:
    from harness.roles import StationRole

__all__ = [
    "boot_payload",
    "booted",
    "change_availability",
    "ensure_booted",
    "evse_layout",
    "report_connectors",
    "reserved",
    "unavailable",
]


def boot_payload(version: OcppVersion, dut: Any, reason: str = "PowerUp") -> dict[str, Any]:
    """The BootNotification the harness's station sends: the configured vendor and
    model (Part 6 ``<Configured model>``, ``<Configured vendorName>``)."""
    profile = dut.profile
    if version is OcppVersion.V16:
        payload = {"chargePointVendor": profile.vendor[:20], "chargePointModel": profile.model[:20]}
        if profile.serial:
            payload["chargePointSerialNumber"] = profile.serial[:25]
        return payload
    station = {"vendorName": profile.vendor[:50], "model": profile.model[:20]}
    if profile.serial:
        station["serialNumber"] = profile.serial[:25]
    return {"reason": reason, "chargingStation": station}


def report_connectors(
    station: Any,
    dut: Any,
    status: str = "Available",
    evses: Sequence[tuple[int, Sequence[int]]] | None = None,
) -> list[Response]:
    """Report every connector in ``status`` (only those of ``evses`` when given, as
    ``(evse id, connector ids)``); the CSMS must answer each report.

    A CALLERROR where the answer is due fails: N07.FR.03 for NotifyEvent; for
    StatusNotification Part 2 has no requirement of its own, so the rule is the
    harness's ``answer:StatusNotification`` (a CSMS must process a valid CALL).
    """
    style = dut.profile.harness.connector_report
    layout = station.evses if evses is None else evses
    responses = []
    for action, payload in report_payloads(
        station.version, layout, status=status, style=style, timestamp=utc_now()
    ):
        if station.version is OcppVersion.V16:
            rule = "C16.4.9"  # 1.6 §4.9: the central system answers StatusNotification
        else:
            rule = "N07.FR.03" if action == "NotifyEvent" else f"answer:{action}"
        responses.append(station.call(action, payload).expect(rule=rule))
    return responses


def booted(station: StationRole, dut: Any) -> Response:
    """State *Booted* (Part 6 Table 698): connect, boot with reason PowerUp, be accepted,
    report every connector Available. Returns the BootNotification response."""
    station.connect()
    # 1-2. BootNotification; tool validation: status Accepted (B01.FR.02: the CSMS
    # says whether it accepts the station; a registered station is accepted).
    response = station.call("BootNotification", boot_payload(station.version, dut))
    response.expect(
        rule="C16.4.2" if station.version is OcppVersion.V16 else "B01.FR.02", status="Accepted"
    )
    # 3-4. Every connector Available; the CSMS answers each report.
    report_connectors(station, dut)
    return response


def ensure_booted(station: Any, dut: Any) -> None:
    """Run *Booted* unless the station is connected already (a case that booted, or an
    earlier state of this case did): every other state starts from a booted station."""
    if not station.connected:
        booted(station, dut)


def evse_layout(station: Any, evse: int | None) -> tuple[int, tuple[int, ...]]:
    """``(evse id, its connector ids)`` of the harness station's EVSE ``evse`` (the
    first one of the profile's layout when ``None``: Part 6 ``<Configured evseId>``)."""
    for candidate, connectors in station.evses:
        if evse is None or candidate == evse:
            return candidate, tuple(connectors)
    known = ", ".join(str(candidate) for candidate, _ in station.evses)
    raise ScriptError(f"the harness station has no EVSE {evse} (its EVSEs: {known})")


def reserved(station: StationRole, dut: Any, evse: int | None = None) -> Message:
    """State *Reserved* (Part 6 Table 699): the CSMS reserves ``evse`` for the valid
    token; the station accepts and reports that EVSE's connectors Reserved.

    Returns the ReserveNowRequest (its ``id`` is the reservation a case may go on with).
    """
    _two_x_only(station, "Reserved")
    ensure_booted(station, dut)
    evse, connectors = evse_layout(station, evse)
    tokens = dut.profile.tokens
    station.comment("reusable state Reserved (Part 6 Table 699)")
    # 1-2. The CSMS is made to reserve the EVSE; the station answers Accepted.
    station.will_reply("ReserveNow", status="Accepted")
    dut.act("reserve_now", evse=evse, token=tokens.valid, token_type=tokens.type)
    # Tool validation of step 1: that EVSE, no connector type, the configured valid token.
    request = station.expect(
        "ReserveNow",
        rule="expect:ReserveNow",
        evseId=evse,
        connectorType=ABSENT,
        idToken={"idToken": tokens.valid, "type": tokens.type},
    )
    # 3-4. Every connector of the EVSE is Reserved (H01.FR.23 asks the station for it).
    report_connectors(station, dut, "Reserved", evses=[(evse, connectors)])
    return request


def change_availability(
    station: StationRole,
    dut: Any,
    *,
    operative: bool,
    evse: int | None = None,
    connector: int | None = None,
    answer: str = "Accepted",
) -> Message:
    """The CSMS is made to change the availability of the whole station (``evse`` None),
    of EVSE ``evse``, or of its ``connector``; the station answers ``answer``.

    Tool validation (Part 6 G block, Table 700): the operationalStatus asked for, and an
    ``evse`` that names exactly that target: absent for the station, no connectorId for
    an EVSE. Returns the ChangeAvailabilityRequest.
    """
    _two_x_only(station, "ChangeAvailability")
    if evse is None and connector is not None:
        raise ScriptError("a connector's availability is changed on its EVSE: give evse")
    params: dict[str, Any] = {"operative": operative}
    target: Any = ABSENT
    if evse is not None:
        params["evse"] = evse
        target = {"id": evse, "connectorId": ABSENT}
    if connector is not None:
        params["connector"] = connector
        target = {"id": evse, "connectorId": connector}
    station.will_reply("ChangeAvailability", status=answer)
    dut.act("change_availability", **params)
    return station.expect(
        "ChangeAvailability",
        rule="expect:ChangeAvailability",
        operationalStatus="Operative" if operative else "Inoperative",
        evse=target,
    )


def unavailable(
    station: StationRole,
    dut: Any,
    evse: int | None = None,
    *,
    connector: int | None = None,
    whole_station: bool = False,
) -> Message:
    """State *Unavailable* (Part 6 Table 700): the CSMS makes ``evse`` Inoperative (or
    only its ``connector``, or with ``whole_station`` the station itself); the station
    accepts and reports the connectors concerned Unavailable.

    Returns the ChangeAvailabilityRequest.
    """
    _two_x_only(station, "Unavailable")
    ensure_booted(station, dut)
    station.comment("reusable state Unavailable (Part 6 Table 700)")
    if whole_station:
        # 1-2. The station as a whole; 3-4. every connector Unavailable (G04.FR.07).
        request = change_availability(station, dut, operative=False)
        report_connectors(station, dut, "Unavailable")
        return request
    evse, connectors = evse_layout(station, evse)
    if connector is not None:
        if connector not in connectors:
            raise ScriptError(f"EVSE {evse} of the harness station has no connector {connector}")
        connectors = (connector,)
    # 1-2. The CSMS is made to set the EVSE (or connector) Inoperative; the station
    # answers Accepted. Tool validation of step 1: Inoperative, that EVSE, the EVSE as a
    # whole (or that connector of it).
    request = change_availability(station, dut, operative=False, evse=evse, connector=connector)
    # 3-4. Every connector concerned is Unavailable (G03.FR.04/.06 for the station).
    report_connectors(station, dut, "Unavailable", evses=[(evse, connectors)])
    return request


def _two_x_only(station: Any, state: str) -> None:
    if station.version is OcppVersion.V16:
        raise ScriptError(f"reusable state {state} is a Part 6 (OCPP 2.x) state, not for 1.6")
