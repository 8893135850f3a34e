"""The simulated 2.0.1 station's transaction decisions, per TxStartPoint/TxStopPoint."""

from __future__ import annotations

import pytest

from harness.sim.transactions_v201 import Session, TxPoints, end_now, happen

TOKEN = {"idToken": "04A1B2C3D4", "type": "ISO14443"}


def shape(events) -> list[tuple]:
    return [(e.event_type, e.trigger, e.charging_state) for e in events]


def test_ev_connected_start_point_starts_at_plug_in() -> None:
    session, points = Session(evse=1), TxPoints.parse("EVConnected", "EVConnected")
    plugged = happen(session, "plug", points, connector=1)
    assert shape(plugged) == [("Started", "CablePluggedIn", "EVConnected")]
    assert plugged[0].evse == (1, 1)
    authorized = happen(session, "authorize", points, token=TOKEN)
    assert shape(authorized) == [
        ("Updated", "Authorized", None),
        ("Updated", "ChargingStateChanged", "Charging"),
    ]
    assert authorized[0].token == TOKEN and authorized[1].token is None
    assert [e.seq_no for e in plugged + authorized] == [0, 1, 2]


def test_authorized_start_point_starts_without_a_cable_and_names_the_evse_later() -> None:
    session, points = Session(evse=2), TxPoints.parse("Authorized", "Authorized")
    [started] = happen(session, "authorize", points, token=TOKEN)
    assert (started.event_type, started.trigger, started.charging_state) == (
        "Started",
        "Authorized",
        "Idle",
    )
    assert started.evse == (2, None) and started.token == TOKEN
    plugged = happen(session, "plug", points, connector=1)
    assert shape(plugged) == [
        ("Updated", "CablePluggedIn", "EVConnected"),
        ("Updated", "ChargingStateChanged", "Charging"),
    ]
    assert plugged[0].evse == (2, 1)  # E01.FR.16: the first event after the plug-in


def test_power_path_closed_waits_for_both() -> None:
    session, points = Session(evse=1), TxPoints.parse("PowerPathClosed", "PowerPathClosed")
    assert happen(session, "plug", points, connector=1) == []
    events = happen(session, "authorize", points, token=TOKEN)
    assert shape(events) == [
        ("Started", "Authorized", "EVConnected"),
        ("Updated", "ChargingStateChanged", "Charging"),
    ]
    assert events[0].evse == (1, 1) and events[0].token == TOKEN
    [ended] = happen(session, "unplug", points)
    assert (ended.event_type, ended.trigger, ended.stopped_reason) == (
        "Ended",
        "EVCommunicationLost",
        "EVDisconnected",
    )


def test_energy_transfer_start_point_starts_when_energy_flows() -> None:
    session, points = Session(evse=1), TxPoints.parse("EnergyTransfer", "EnergyTransfer")
    assert happen(session, "plug", points, connector=1) == []
    [started] = happen(session, "authorize", points, token=TOKEN)
    assert (started.event_type, started.trigger, started.charging_state) == (
        "Started",
        "ChargingStateChanged",
        "Charging",
    )
    assert started.token == TOKEN and started.evse == (1, 1)
    [ended] = happen(session, "suspend_ev", points)
    assert (ended.event_type, ended.charging_state, ended.stopped_reason) == (
        "Ended",
        "SuspendedEV",
        "StoppedByEV",
    )


def test_a_local_stop_with_the_cable_as_stop_point_ends_at_unplug_with_reason_local() -> None:
    session, points = Session(evse=1), TxPoints.parse("EVConnected,Authorized", "EVConnected")
    happen(session, "plug", points, connector=1)
    happen(session, "authorize", points, token=TOKEN)
    stopped = happen(session, "stop_local", points)
    assert shape(stopped) == [
        ("Updated", "StopAuthorized", None),
        ("Updated", "ChargingStateChanged", "EVConnected"),
    ]
    [ended] = happen(session, "unplug", points)
    assert (ended.event_type, ended.trigger, ended.charging_state, ended.stopped_reason) == (
        "Ended",
        "EVCommunicationLost",
        "Idle",
        "Local",
    )
    assert happen(session, "plug", points, connector=1) == []  # that session is over


@pytest.mark.parametrize(("what", "reason"), [("stop_local", "Local"), ("stop_remote", "Remote")])
def test_authorized_stop_point_ends_at_the_stop(what: str, reason: str) -> None:
    session, points = Session(evse=1), TxPoints.parse("PowerPathClosed", "Authorized")
    happen(session, "plug", points, connector=1)
    happen(session, "authorize", points, token=TOKEN)
    [ended] = happen(session, what, points)
    assert (ended.event_type, ended.charging_state, ended.stopped_reason) == (
        "Ended",
        "EVConnected",
        reason,
    )


def test_a_remote_start_says_so_in_the_next_event_even_at_plug_in() -> None:
    session, points = Session(evse=1), TxPoints.parse("EVConnected", "EVConnected")
    assert happen(session, "remote_start", points, token=TOKEN, remote_start_id=7) == []
    events = happen(session, "plug", points, connector=1)
    assert shape(events) == [
        ("Started", "RemoteStart", "EVConnected"),  # F02.FR.21
        ("Updated", "ChargingStateChanged", "Charging"),
    ]
    assert events[0].remote_start_id == 7 and events[0].token == TOKEN
    assert events[1].remote_start_id is None


def test_a_reset_ends_what_runs() -> None:
    session, points = Session(evse=1), TxPoints.parse("EVConnected", "EVConnected")
    assert end_now(session, "ResetCommand", "ImmediateReset") == []
    happen(session, "plug", points, connector=1)
    [ended] = end_now(session, "ResetCommand", "ImmediateReset")
    assert (ended.event_type, ended.stopped_reason, ended.seq_no) == ("Ended", "ImmediateReset", 1)


def test_the_parking_bay_starts_and_ends_a_transaction() -> None:
    session, points = Session(evse=1), TxPoints.parse("ParkingBayOccupancy", "ParkingBayOccupancy")
    [started] = happen(session, "park", points)
    assert (started.event_type, started.trigger) == ("Started", "EVDetected")
    happen(session, "plug", points, connector=1)
    happen(session, "authorize", points, token=TOKEN)
    happen(session, "stop_local", points)
    [unplugged] = happen(session, "unplug", points)
    assert unplugged.event_type == "Updated"  # the bay, not the cable, ends it
    [ended] = happen(session, "leave", points)
    assert (ended.event_type, ended.trigger, ended.stopped_reason) == (
        "Ended",
        "EVDeparted",
        "Local",
    )


def _charging(points: TxPoints) -> Session:
    session = Session(evse=1)
    happen(session, "authorize", points, token=TOKEN)
    happen(session, "plug", points, connector=1)
    assert session.energy
    return session


def test_a_cable_out_at_the_ev_keeping_the_authorization_suspends_and_resumes() -> None:
    points = TxPoints.parse("Authorized", "Authorized")
    session = _charging(points)
    happen(session, "suspend_ev", points)
    [lost] = happen(session, "ev_unplug", points, deauthorize=False)
    assert (lost.event_type, lost.trigger, lost.charging_state) == (
        "Updated",
        "EVCommunicationLost",
        "Idle",
    )
    assert session.authorized and not session.ev_suspended  # the EV's state went with it
    back = happen(session, "plug", points, connector=1)
    assert shape(back) == [
        ("Updated", "CablePluggedIn", "EVConnected"),
        ("Updated", "ChargingStateChanged", "Charging"),
    ]


def test_a_cable_out_at_the_ev_ending_the_authorization_ends_the_transaction() -> None:
    points = TxPoints.parse("Authorized", "Authorized")
    session = _charging(points)
    [ended] = happen(session, "ev_unplug", points, deauthorize=True, reason="EVDisconnected")
    assert (ended.event_type, ended.trigger, ended.stopped_reason) == (
        "Ended",
        "EVCommunicationLost",
        "EVDisconnected",
    )
    assert not session.authorized


def test_the_stopped_reason_of_an_ev_that_ended_its_session_itself() -> None:
    points = TxPoints.parse("Authorized", "EVConnected")
    session = _charging(points)
    [ended] = happen(session, "ev_unplug", points, deauthorize=False, reason="StoppedByEV")
    assert (ended.event_type, ended.stopped_reason) == ("Ended", "StoppedByEV")


def test_an_ev_not_ready_is_connected_then_suspended_ev() -> None:
    points = TxPoints.parse("Authorized", "Authorized")
    session = Session(evse=1)
    happen(session, "authorize", points, token=TOKEN)
    assert happen(session, "suspend_ev", points) == []  # nothing to tell before the cable
    plugged = happen(session, "plug", points, connector=1)
    assert shape(plugged) == [
        ("Updated", "CablePluggedIn", "EVConnected"),
        ("Updated", "ChargingStateChanged", "SuspendedEV"),
    ]
    assert not session.energy


def test_data_signed_starts_with_the_signed_reading_before_the_energy() -> None:
    points = TxPoints.parse("DataSigned", "Authorized", signs=True)
    session = Session(evse=1)
    assert happen(session, "authorize", points, token=TOKEN) == []
    events = happen(session, "plug", points, connector=1)
    assert shape(events) == [
        ("Started", "SignedDataReceived", "EVConnected"),
        ("Updated", "ChargingStateChanged", "Charging"),
    ]
    assert events[0].token == TOKEN and events[0].evse == (1, 1)
    unsigned = Session(evse=1)
    happen(unsigned, "authorize", TxPoints.parse("DataSigned", "Authorized"), token=TOKEN)
    assert happen(unsigned, "plug", TxPoints.parse("DataSigned", "Authorized"), connector=1) == []
