"""TransactionEvent numbering (Part 2 §E 1.3.2.1, E01.FR.07; Part 6 §2.1): any arrival
order, but a transaction's seqNos run without gap or repeat."""

from __future__ import annotations

from harness.seqno import SeqNoMonitor


def _event(seq_no: int, event_type: str = "Updated", tx: str = "T1") -> dict:
    return {"eventType": event_type, "seqNo": seq_no, "transactionInfo": {"transactionId": tx}}


def test_in_order_and_out_of_order_both_pass():
    monitor = SeqNoMonitor()
    for event in (_event(0, "Started"), _event(2), _event(1), _event(3, "Ended")):
        assert monitor.observe(event) is None
    assert monitor.complete_transactions() == []


def test_a_counter_that_keeps_increasing_is_allowed():
    monitor = SeqNoMonitor()
    for event in (_event(41, "Started"), _event(42), _event(43, "Ended")):
        monitor.observe(event)
    assert monitor.complete_transactions() == []


def test_a_gap_shows_once_the_transaction_ended():
    monitor = SeqNoMonitor()
    monitor.observe(_event(0, "Started"))
    monitor.observe(_event(2))
    assert monitor.complete_transactions() == []  # 1 may still come
    monitor.observe(_event(3, "Ended"))
    [finding] = monitor.complete_transactions()
    assert finding.reason == "transaction T1 ended with seqNo 0…3 but without 1"
    assert monitor.complete_transactions() == []  # judged once


def test_a_repeat_shows_at_once():
    monitor = SeqNoMonitor()
    monitor.observe(_event(0, "Started"))
    finding = monitor.observe(_event(0))
    assert finding is not None and finding.reason == "transaction T1 has seqNo 0 twice"


def test_transactions_are_apart():
    monitor = SeqNoMonitor()
    for event in (_event(0, "Started", "A"), _event(0, "Started", "B"), _event(1, "Ended", "A")):
        assert monitor.observe(event) is None
    assert monitor.complete_transactions() == []


def test_payloads_without_numbers_are_left_to_the_schema_check():
    assert SeqNoMonitor().observe({"eventType": "Started"}) is None


def test_a_retransmission_is_no_repeat():
    """A message the CSMS failed to process is sent again as it was (E13.FR.02): the
    same payload under the same seqNo is one message, not two."""
    monitor = SeqNoMonitor()
    monitor.observe(_event(0, "Started"))
    assert monitor.observe(_event(1)) is None
    assert monitor.observe(_event(1)) is None
    assert monitor.observe({**_event(1), "triggerReason": "Other"}) is not None
