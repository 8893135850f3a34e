"""The boot gate on its own (sans-IO: times are given): B01.FR.08, B02.FR.02/.04, B03.FR.02."""

from __future__ import annotations

import pytest

from harness.ocppj import OcppVersion
from harness.spec.boot import BootGate

V201 = OcppVersion.V201


def _gate(status: str | None, interval: int = 10, *, deviation: float = 0.0, **kw) -> BootGate:
    gate = BootGate(kw.get("version", V201), deviation=deviation)
    gate.boot_requested()
    gate.boot_answered(status, interval, now=100.0)
    return gate


def _rule(gate: BootGate, action: str, now: float = 101.0) -> str | None:
    violation = gate.check(action, now)
    return violation.rule if violation else None


@pytest.mark.parametrize(
    "status,action,now,rule",
    [
        ("Accepted", "StatusNotification", 101, None),
        ("Accepted", "BootNotification", 101, None),
        ("Pending", "StatusNotification", 101, "B02.FR.02"),
        # a station's own security event is not among B02.FR.02's exceptions
        ("Pending", "SecurityEventNotification", 101, "B02.FR.02"),
        ("Pending", "NotifyReport", 101, "B02.FR.02"),  # nobody asked for a report
        ("Pending", "BootNotification", 105, "B02.FR.04"),
        ("Pending", "BootNotification", 110, None),
        ("Rejected", "Heartbeat", 101, "B03.FR.02"),
        ("Rejected", "Heartbeat", 120, "B03.FR.02"),  # after the interval: boot first
        ("Rejected", "BootNotification", 105, "B03.FR.02"),
        ("Rejected", "BootNotification", 110, None),
    ],
)
def test_rules_by_boot_status(status, action, now, rule):
    assert _rule(_gate(status), action, now) == rule


def test_nothing_but_boot_before_the_answer():
    gate = BootGate(V201)
    gate.boot_requested()
    assert _rule(gate, "Heartbeat") == "B01.FR.08"
    assert _rule(gate, "BootNotification") is None
    gate.boot_answered("Accepted", 300, now=100.0)
    assert _rule(gate, "Heartbeat") is None


def test_what_the_csms_asked_for_may_come_while_pending():
    gate = _gate("Pending")
    gate.csms_requested("TriggerMessage", {"requestedMessage": "StatusNotification"})
    gate.csms_requested("TriggerMessage", {"requestedMessage": "SignV2GCertificate"})
    assert _rule(gate, "StatusNotification") is None
    assert _rule(gate, "SignCertificate") is None
    assert _rule(gate, "Heartbeat") == "B02.FR.02"
    assert _rule(gate, "NotifyReport") == "B02.FR.02"
    gate.csms_requested("GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"})
    assert _rule(gate, "NotifyReport") is None


@pytest.mark.parametrize("request_action", ["GetBaseReport", "GetReport"])
def test_a_report_request_allows_notify_report(request_action):
    gate = _gate("Pending")
    gate.csms_requested(request_action, {"requestId": 1})
    assert _rule(gate, "NotifyReport") is None


def test_a_triggered_boot_may_come_before_the_interval():
    gate = _gate("Pending")
    gate.csms_requested("TriggerMessage", {"requestedMessage": "BootNotification"})
    assert _rule(gate, "BootNotification", now=101) is None


def test_no_exceptions_while_rejected():
    gate = _gate("Rejected")
    gate.csms_requested("TriggerMessage", {"requestedMessage": "BootNotification"})
    gate.csms_requested("GetBaseReport", {"requestId": 1})
    assert _rule(gate, "BootNotification", now=101) == "B03.FR.02"
    assert _rule(gate, "NotifyReport") == "B03.FR.02"


def test_a_new_answer_closes_the_exceptions():
    gate = _gate("Pending")
    gate.csms_requested("TriggerMessage", {"requestedMessage": "Heartbeat"})
    gate.boot_requested()
    gate.boot_answered("Pending", 10, now=110.0)
    assert _rule(gate, "Heartbeat", now=111) == "B02.FR.02"


def test_the_deviation_tolerates_a_slightly_early_retry():
    assert _rule(_gate("Pending", deviation=4), "BootNotification", now=106.5) is None
    assert _rule(_gate("Pending", deviation=4), "BootNotification", now=105.5) == "B02.FR.04"


def test_interval_zero_lets_the_station_choose():
    assert _rule(_gate("Pending", interval=0), "BootNotification", now=100.1) is None


def test_the_reason_says_what_happened():
    violation = _gate("Pending").check("BootNotification", 104.5)
    assert violation is not None
    assert violation.reason == (
        "sent BootNotification again 5.50 s before the 10 s interval of the Pending answer "
        "had passed"
    )


def test_ocpp_16_has_one_rule():
    gate = _gate("Pending", version=OcppVersion.V16)
    assert _rule(gate, "StatusNotification") == "C16.4.2"
    assert _rule(gate, "BootNotification", now=101) == "C16.4.2"


def test_forget_is_a_station_never_seen() -> None:
    """A fresh simulator per case is a new device: its predecessor's interval binds it not."""
    gate = _gate("Pending", interval=10)
    assert _rule(gate, "BootNotification", now=101.0) == "B02.FR.04"
    gate.forget()
    assert gate.status is None
    assert _rule(gate, "BootNotification", now=101.0) is None
    assert _rule(gate, "StatusNotification", now=101.0) is None


def test_asked_for_is_what_the_csms_requested_since_the_last_answer() -> None:
    gate = _gate("Pending")
    assert not gate.asked_for("StatusNotification")
    gate.csms_requested("TriggerMessage", {"requestedMessage": "StatusNotification"})
    gate.csms_requested("GetReport", {"requestId": 1})
    assert gate.asked_for("StatusNotification") and gate.asked_for("NotifyReport")
    gate.boot_answered("Pending", 10, now=102.0)
    assert not gate.asked_for("StatusNotification") and not gate.asked_for("NotifyReport")


@pytest.mark.parametrize("status", ["Pending", "Rejected"])
def test_a_restart_voids_the_interval_but_still_asks_a_boot_first(status) -> None:
    """A station power-cycled or rebooted from outside OCPP boots when it comes back:
    the interval its last answer gave binds it no more; it still boots before anything."""
    gate = _gate(status, interval=10)
    assert _rule(gate, "BootNotification", now=101.0) is not None
    gate.restarted()
    assert _rule(gate, "BootNotification", now=101.0) is None
    assert _rule(gate, "Heartbeat", now=101.0) in ("B02.FR.02", "B03.FR.02")
