"""When the harness's own WebSocket layer closes because the DUT broke the protocol, the
DUT fails for that rule, at once: not "the DUT closed the connection" or "received
nothing" later (a 1009 for a message over the size limit, a 1007 for text that is not
UTF-8)."""

from __future__ import annotations

import pytest

import harness.transport.server as server
from harness.verdicts import DutFailure
from tests.engine.bench import CsmsBench, settle_boot


def _station_ws(bench: CsmsBench):
    assert bench.station is not None
    # the simulator's own connection, to send what no defect sends
    return bench.station._peer.ws  # type: ignore[union-attr]


def test_a_message_over_the_size_limit_fails_naming_the_limit(make_csms_bench, monkeypatch):
    monkeypatch.setattr(server, "MAX_FRAME_BYTES", 64 * 1024)  # small, for the test
    bench: CsmsBench = make_csms_bench("2.0.1")
    settle_boot(bench)
    bench.run(_station_ws(bench).send('[2,"big","Heartbeat",{"x":"' + "x" * 70_000 + '"}]'))
    with pytest.raises(DutFailure) as raised:
        bench.role.expect("StatusNotification", timeout=2)
    assert raised.value.rule == "transport.message-too-big"
    assert "closed the connection with 1009" in raised.value.reason
    assert "65536" in raised.value.reason  # the limit, in websockets' words


def test_text_that_is_not_utf8_fails_naming_the_rule(make_csms_bench):
    bench: CsmsBench = make_csms_bench("2.0.1")
    settle_boot(bench)
    bench.run(_station_ws(bench).send(b'[2,"u","Heartbeat",{"x":"\xff\xfe"}]', text=True))
    with pytest.raises(DutFailure) as raised:
        bench.role.expect("StatusNotification", timeout=2)
    assert raised.value.rule == "transport.invalid-utf8"
    assert "closed the connection with 1007" in raised.value.reason


def test_a_dut_that_closes_itself_is_not_blamed_for_a_protocol_break(make_csms_bench):
    bench: CsmsBench = make_csms_bench("2.0.1")
    settle_boot(bench)
    bench.run(_station_ws(bench).close(1000))
    assert bench.run(bench.session.wait_for(lambda: not bench.session.connected, 2), 3)
    assert bench.on_loop(lambda: list(bench.session.failures)) == []
