"""The shared TransactionEvent of the CSMS transaction states
(harness.states.csms_transactions.transaction_event), for the events a case sends
between states: queued ones (``offline``, an explicit ``seq_no`` delivered out of
order), the one after a remote start (``remote_start_id``), and an Ended one, which
ends the transaction.

Run against the embedded simulated CSMS (:mod:`tests.matrix`): the conformant one
answers every event; one that refuses queued or late events fails the case for the
harness's ``answer:TransactionEvent``.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import testcase
from harness.states import csms_transactions as transactions
from tests.helpers import harness_sent
from tests.matrix import Expectation, case_item, run_catalog_case

ON = {"ocpp": "2.0.1", "dut_kind": "csms", "catches": ["never-replies"]}


@testcase("TC_S_20_CSMS", "queued events, delivered late, and the Ended one", **ON)
def queued_events(station, dut):
    tx = transactions.energy_transfer_started(station, dut)
    first = tx.seq_no
    # the Ended event overtakes two queued ones
    transactions.transaction_event(
        station, tx, "EVCommunicationLost", ended=True, offline=True, seq_no=first + 2
    )
    assert tx.ended and tx.seq_no == first + 3
    transactions.transaction_event(station, tx, "StopAuthorized", offline=True, seq_no=first)
    transactions.transaction_event(
        station, tx, "MeterValuePeriodic", offline=True, seq_no=first + 1
    )
    # a late event does not move the count back
    assert tx.seq_no == first + 3


@testcase("TC_S_21_CSMS", "the event after a remote start", **ON)
def remote_start_event(station, dut):
    tx = transactions.new_transaction(station, dut)
    transactions.transaction_event(station, tx, "RemoteStart", remote_start_id=42)
    assert tx.started and not tx.ended


def _events(case: dict[str, Any]) -> list[dict[str, Any]]:
    return harness_sent(case, "TransactionEvent")


def _queued_as_sent(case: dict[str, Any]) -> None:
    events = _events(case)
    tail = events[-3:]
    assert [e["eventType"] for e in tail] == ["Ended", "Updated", "Updated"], tail
    assert all(e.get("offline") is True for e in tail), tail
    first = tail[1]["seqNo"]
    assert [e["seqNo"] for e in tail] == [first + 2, first, first + 1], tail
    assert all("offline" not in e for e in events[:-3]), events


def _remote_start_as_sent(case: dict[str, Any]) -> None:
    (event,) = _events(case)
    assert event["eventType"] == "Started", event
    assert event["transactionInfo"]["remoteStartId"] == 42, event


ITEMS = [
    case_item(queued_events, "conformant-queued", Expectation("passed", check=_queued_as_sent)),
    case_item(
        remote_start_event,
        "conformant-remote-start",
        Expectation("passed", check=_remote_start_as_sent),
    ),
    case_item(
        queued_events,
        "tx-event-offline-error",
        Expectation("failed", "answer:TransactionEvent", exact_rule=True),
        defects=("tx-event-offline-error",),
    ),
    case_item(
        queued_events,
        "tx-event-out-of-order-error",
        Expectation("failed", "answer:TransactionEvent", exact_rule=True),
        defects=("tx-event-out-of-order-error",),
    ),
]


@pytest.mark.parametrize("case", ITEMS)
def test_the_shared_event_sends_queued_and_remote_start_events(case, request) -> None:
    run_catalog_case(case, request)
