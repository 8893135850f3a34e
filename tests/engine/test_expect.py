"""``expect``: the matching message, a mismatch at once, a timeout that says what came."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from harness.matching import ANY
from harness.verdicts import DutFailure
from tests.engine.bench import CsmsBench, settle_boot


def test_expect_returns_the_matching_message_unanswered_for_the_test(booted: CsmsBench) -> None:
    assert booted.station is not None
    plugged = booted.spawn(booted.station.act("plug_in", {"evse": 1}))

    message = booted.role.expect(
        "StatusNotification", evseId=1, connectorId=1, connectorStatus="Occupied"
    )

    assert message.action == "StatusNotification"
    assert message["connectorStatus"] == "Occupied"
    assert message.get("evseId") == 1
    assert message.entry.raw is not None and '"Occupied"' in message.entry.raw
    assert not message.answered  # held for the test, which may answer it itself
    booted.role.reply(message)
    assert plugged.result(1) == {"evse": 1, "connector": 1, "status": "Occupied"}


def test_field_mismatch_fails_at_once_naming_path_expected_got_and_rule(
    booted: CsmsBench,
) -> None:
    booted.act("plug_in", evse=1)
    started = time.monotonic()

    with pytest.raises(DutFailure) as failure:
        booted.role.expect(
            "StatusNotification",
            timeout=5,
            rule="B01.FR.05",
            connectorStatus="Available",
            evseId=ANY,
            connectorId=2,
        )

    assert time.monotonic() - started < 1, "a mismatch must not wait for the timeout"
    text = str(failure.value)
    assert re.fullmatch(
        r"StatusNotification \(frame \d+\) does not match: "
        r"\$\.connectorStatus: expected 'Available', got 'Occupied'; "
        r"\$\.connectorId: expected 2, got 1 \[B01\.FR\.05\]",
        text,
    ), text
    assert failure.value.rule == "B01.FR.05"
    assert failure.value.frame is not None and '"Occupied"' in failure.value.frame
    failing = [e for e in booted.frames() if e.failing]
    assert [e.action for e in failing] == ["StatusNotification"]


def test_nested_mismatch_names_the_nested_path_and_default_rule(booted: CsmsBench) -> None:
    booted.act("present_token", token="TOKEN-1")

    with pytest.raises(DutFailure) as failure:
        booted.role.expect("Authorize", idToken={"idToken": "OTHER", "type": "ISO14443"})

    assert str(failure.value).endswith(
        "does not match: $.idToken.idToken: expected 'OTHER', got 'TOKEN-1' [expect:Authorize]"
    )


def test_timeout_with_nothing_received_fails_and_never_passes(booted: CsmsBench) -> None:
    started = time.monotonic()

    with pytest.raises(DutFailure) as failure:
        booted.role.expect("Heartbeat", timeout=0.3, rule="B01.FR.04")

    assert time.monotonic() - started >= 0.3
    assert str(failure.value) == "no Heartbeat within 0.3 s; received nothing [B01.FR.04]"


def test_timeout_says_what_was_received_instead(chatty: CsmsBench) -> None:
    with pytest.raises(DutFailure) as failure:
        chatty.role.expect("Authorize", timeout=0.3)

    assert re.fullmatch(
        r"no Authorize within 0\.3 s; received instead: Heartbeat(×\d+)? \[timeout\]",
        str(failure.value),
    ), str(failure.value)


def test_timeout_after_the_station_went_away_says_when_it_closed(booted: CsmsBench) -> None:
    booted.act("network_down")

    with pytest.raises(DutFailure) as failure:
        booted.role.expect("BootNotification", timeout=0.3)

    assert re.fullmatch(
        r"no BootNotification within 0\.3 s; received nothing "
        r"\(connection closed at \d+\.\d\d s, the charging station closed it with code "
        r"\d+\) \[timeout\]",
        str(failure.value),
    ), str(failure.value)


@pytest.mark.parametrize(
    ("version", "wanted"),
    [("2.0.1", {(1, 1), (2, 1)}), ("1.6", {0, 1, 2})],
)
def test_each_connector_collects_one_status_per_connector_of_the_layout(
    make_csms_bench, version: str, wanted: set
) -> None:
    bench = settle_boot(make_csms_bench(version, evses=((1, (1,)), (2, (1,)))))
    bench.act("reboot")  # as TC_B_01_CS: power cycle, then boot and statuses
    bench.role.expect("BootNotification")

    messages = bench.role.expect("StatusNotification", each_connector=True)

    assert len(messages) == len(wanted)
    if version == "1.6":
        assert {m["connectorId"] for m in messages} == wanted
        assert {m["status"] for m in messages} == {"Available"}
    else:
        assert {(m["evseId"], m["connectorId"]) for m in messages} == wanted
        assert {m["connectorStatus"] for m in messages} == {"Available"}
    assert all(m.answered for m in messages)  # collected ones get the default reply


def test_each_connector_names_the_connectors_that_never_reported(booted: CsmsBench) -> None:
    booted.role.evses = ((1, (1,)), (2, (1,)))  # the profile promises a second EVSE
    booted.act("reboot")
    booted.role.expect("BootNotification")

    with pytest.raises(DutFailure) as failure:
        booted.role.expect("StatusNotification", each_connector=True, timeout=0.4)

    assert re.fullmatch(
        r"no StatusNotification for \(2, 1\) within 0\.4 s; "
        r"received (nothing|instead: (StatusNotification|SecurityEventNotification)"
        r"(, (StatusNotification|SecurityEventNotification))?) \[timeout\]",
        str(failure.value),
    ), str(failure.value)


def test_eight_slow_connectors_fail_within_one_timeout(make_csms_bench) -> None:
    """One deadline for ``each_connector``: connectors that report one after another,
    each sooner than the timeout but all together later, give a DUT failure with the
    rule after one timeout, not a harness overrun after eight."""
    layout = tuple((evse, (1,)) for evse in range(1, 9))
    bench = settle_boot(make_csms_bench("2.0.1", evses=layout))
    assert bench.station is not None
    station = bench.station
    mark = bench.role.mark()

    async def plug_slowly() -> None:
        # a slow station: one connector every 0.3 s (its pace, not the test's wait)
        for evse in range(1, 9):
            await asyncio.sleep(0.3)
            await station.act("plug_in", {"evse": evse})

    bench.spawn(plug_slowly())
    started = time.monotonic()
    with pytest.raises(DutFailure) as failure:
        bench.role.expect(
            "StatusNotification",
            each_connector=True,
            after=mark,
            timeout=1.0,
            rule="G01.FR.03",
            connectorStatus="Occupied",
        )
    elapsed = time.monotonic() - started

    assert failure.value.rule == "G01.FR.03"
    assert str(failure.value).startswith("no StatusNotification for ")
    assert elapsed < 1.0 + 0.5, elapsed  # one timeout (8 x 0.3 s would be 2.4 s)


@pytest.mark.parametrize(
    ("received", "sent", "then_sent", "story"),
    [
        (
            (1011, "internal error"),
            (1011, "internal error"),
            True,
            "the CSMS closed it with code 1011, reason 'internal error'",
        ),
        (None, (1000, ""), False, "the harness closed it with code 1000"),
        (
            (1000, ""),
            (1001, "going offline"),
            False,
            "the harness closed it with code 1001, reason 'going offline'",
        ),
        (None, None, False, "it dropped without a close frame (code 1006)"),
    ],
    ids=["dut-closed", "harness-closed", "harness-first", "dropped"],
)
def test_a_closed_connection_says_who_closed_it_and_how(received, sent, then_sent, story):
    """A CSMS's close code and reason (1011 "internal error") reach the verdict's reason:
    they say more than "the connection closed"."""
    from types import SimpleNamespace

    from harness.session import _close_story

    def frame(pair):
        return None if pair is None else SimpleNamespace(code=pair[0], reason=pair[1])

    protocol = SimpleNamespace(
        close_rcvd=frame(received), close_sent=frame(sent), close_rcvd_then_sent=then_sent
    )
    assert _close_story(SimpleNamespace(protocol=protocol), "CSMS") == story
