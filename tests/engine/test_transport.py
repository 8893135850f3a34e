"""The transport: HTTP Basic auth both ways, the subprotocol, a port already in use."""

from __future__ import annotations

import pytest

from harness.ocppj import OcppVersion
from harness.transport import CsmsServer, HandshakeResult
from harness.verdicts import DutFailure, HarnessError
from tests.engine.bench import IDENTITY, CsmsBench, StationBench

PASSWORD = "correct-horse-1234"
WRONG = "wrong-horse-98765"
CSMS_PASSWORD = "pw-1234567890123456"


def _refused(bench: CsmsBench) -> list:
    """Wait until the station has been turned away once; the server's rejections."""
    station = bench.station
    assert station is not None
    bench.run(station.wait_until(lambda: station.last_connect_error is not None, 2))
    return bench.on_loop(lambda: list(bench.session.rejections))


def _everything_said(bench: CsmsBench | StationBench) -> str:
    """All text the trace and the failures hold: what a report would show."""
    trace = bench.on_loop(lambda: bench.session.trace.to_json())
    return repr(trace) + "".join(str(f) for f in bench.failures())


# -- the harness as CSMS checks the station's credentials -----------------------------


def test_station_with_the_right_password_connects(make_csms_bench) -> None:
    bench = make_csms_bench(security_profile=1, password=PASSWORD)
    bench.start_station(password=PASSWORD)

    bench.boot()

    assert bench.role.connected
    assert bench.on_loop(lambda: list(bench.session.rejections)) == []


def test_station_with_a_wrong_password_is_refused_without_revealing_it(
    make_csms_bench,
) -> None:
    bench = make_csms_bench(security_profile=1, password=PASSWORD)
    station = bench.start_station(password=WRONG)

    rejections = _refused(bench)

    assert "401" in (station.last_connect_error or "")
    first = rejections[0]
    assert first.rule == "A00.FR.202"
    assert first.reason == "Basic auth password is wrong"
    assert first.path == f"/ocpp/{IDENTITY}"
    with pytest.raises(DutFailure) as failure:
        bench.role.expect("BootNotification")
    assert str(failure.value) == (
        "charging station connection refused: Basic auth password is wrong [A00.FR.202]"
    )
    said = _everything_said(bench) + repr(rejections)
    assert PASSWORD not in said and WRONG not in said
    assert bench.session.connections == 0


def test_station_without_a_password_is_refused(make_csms_bench) -> None:
    bench = make_csms_bench(security_profile=1, password=PASSWORD)
    bench.start_station()

    rejections = _refused(bench)

    assert rejections[0].rule == "A00.FR.202"
    assert rejections[0].reason.startswith("no Authorization header")
    with pytest.raises(DutFailure, match=r"refused: no Authorization header .*\[A00\.FR\.202\]$"):
        bench.role.expect("BootNotification")


def test_station_without_a_subprotocol_is_refused(make_csms_bench) -> None:
    bench = make_csms_bench()
    bench.start_station(defects=["no-subprotocol"])

    with pytest.raises(DutFailure) as failure:
        bench.role.expect("BootNotification")

    assert failure.value.rule == "transport.subprotocol"
    assert str(failure.value) == (
        "charging station connection refused: the station offered subprotocol(s) none; the "
        "profile's OCPP 2.0.1 needs 'ocpp2.0.1' [transport.subprotocol]"
    )
    [rejection, *_] = bench.on_loop(lambda: list(bench.session.rejections))
    assert rejection.rule == "transport.subprotocol"
    assert bench.session.connections == 0  # never handed to the session


# -- the harness as station gives its credentials to the CSMS -------------------------


def test_harness_station_with_the_right_password_connects(make_station_bench) -> None:
    bench = make_station_bench(passwords={IDENTITY: CSMS_PASSWORD}, password=CSMS_PASSWORD)

    bench.role.connect()

    assert bench.role.connected
    assert bench.csms.refusals == []
    bench.role.call("Heartbeat").expect(rule="B01.FR.04")


def test_harness_station_with_a_wrong_password_is_a_setup_error(make_station_bench) -> None:
    bench = make_station_bench(passwords={IDENTITY: CSMS_PASSWORD}, password="pw-not-the-one-00")

    with pytest.raises(HarnessError) as error:
        bench.role.connect()

    url = f"{bench.csms.url}/{IDENTITY}"
    assert str(error.value) == (
        f"CSMS at {url} refused the WebSocket upgrade with HTTP 401 "
        "(check dut.password and dut.identity)"
    )
    assert error.value.rule == "setup"
    assert "pw-not-the-one-00" not in str(error.value) and CSMS_PASSWORD not in str(error.value)
    assert "pw-not-the-one-00" not in _everything_said(bench)
    assert [r.status for r in bench.csms.refusals] == [401]


def test_handshake_offering_only_an_unknown_subprotocol_is_not_upgraded(
    make_station_bench,
) -> None:
    bench = make_station_bench()

    result = bench.role.handshake(["ocpp0.1"])

    assert result == HandshakeResult(False, None, 400, "HTTP refusal")


def test_handshake_offering_the_version_is_upgraded_with_it(make_station_bench) -> None:
    bench = make_station_bench()

    result = bench.role.handshake(["ocpp0.1", "ocpp2.0.1"])

    assert (result.upgraded, result.subprotocol, result.status) == (True, "ocpp2.0.1", 101)


def test_handshake_shows_a_csms_that_echoes_an_unknown_subprotocol(make_station_bench) -> None:
    bench = make_station_bench(defects=["accepts-unknown-subprotocol"])

    result = bench.role.handshake(["ocpp0.1"])

    assert (result.upgraded, result.subprotocol) == (True, "ocpp0.1")


# -- listening -----------------------------------------------------------------------------


def test_listening_on_a_port_in_use_is_a_setup_error(make_csms_bench) -> None:
    bench = make_csms_bench()
    port = bench.server.port

    async def noop(connection, endpoint) -> None:
        return None

    second = CsmsServer(version=OcppVersion.V201, identity=IDENTITY, port=port, on_connection=noop)
    with pytest.raises(HarnessError) as error:
        bench.run(second.start())

    assert str(error.value).startswith(f"cannot listen on 127.0.0.1:{port}: address already in use")
    assert error.value.rule == "setup"


def test_a_csms_that_selects_a_subprotocol_never_offered_fails() -> None:
    """The CSMS's fault, not a set-up error: it answered with a subprotocol the station
    did not offer (websockets refuses the upgrade)."""
    import asyncio

    from websockets.asyncio.server import serve

    from harness.transport import open_station_connection

    async def scenario() -> DutFailure:
        async def handler(connection) -> None:
            await connection.wait_closed()

        async with serve(
            handler, "127.0.0.1", 0, select_subprotocol=lambda connection, offered: "ocpp9.9"
        ) as listening:
            port = listening.sockets[0].getsockname()[1]
            with pytest.raises(DutFailure) as raised:
                await open_station_connection(
                    f"ws://127.0.0.1:{port}/ocpp",
                    IDENTITY,
                    OcppVersion.V201,
                    password=None,
                    security_profile=0,
                    timeout=2,
                )
            return raised.value

    failure = asyncio.run(scenario())
    assert failure.rule == "transport.subprotocol"
    assert "selected a subprotocol the station did not offer" in failure.reason


def test_a_close_handshake_is_bounded_by_the_profiles_timeouts(make_csms_bench) -> None:
    """A peer that never ends its TCP side holds a close up no longer than the profile's
    response timeout (as CSMS) or connect timeout (as station), not websockets' 10 s."""
    import asyncio

    from websockets.asyncio.server import serve

    from harness.transport import open_station_connection

    async def scenario() -> float:
        async def handler(connection) -> None:
            await connection.wait_closed()

        async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp2.0.1"]) as listening:
            port = listening.sockets[0].getsockname()[1]
            connection = await open_station_connection(
                f"ws://127.0.0.1:{port}/ocpp",
                IDENTITY,
                OcppVersion.V201,
                password=None,
                security_profile=0,
                timeout=1.5,
            )
            await connection.close()
            return connection.close_timeout

    assert asyncio.run(scenario()) == 1.5

    async def as_csms() -> float:
        seen: list[float] = []

        async def on_connection(connection, endpoint) -> None:
            seen.append(connection.close_timeout)

        server = CsmsServer(
            version=OcppVersion.V201,
            identity=IDENTITY,
            port=0,
            on_connection=on_connection,
            close_timeout=0.7,
        )
        await server.start()
        try:
            connection = await open_station_connection(
                server.url.rsplit("/", 1)[0],
                IDENTITY,
                OcppVersion.V201,
                password=None,
                security_profile=0,
                timeout=2,
            )
            await connection.wait_closed()
        finally:
            await server.close()
        return seen[0]

    assert asyncio.run(as_csms()) == 0.7
