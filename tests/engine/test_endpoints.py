"""The harness's two CSMS endpoints: the main path and the second one a network-profile
case gives the station (B09/B10). Each connection and refusal is logged with the
endpoint it came to; a case refuses one endpoint (for good or for a number of
attempts) while the other accepts, and the case's end lifts every refusal."""

from __future__ import annotations

import pytest

from harness.ocppj import OcppVersion
from harness.transport import CsmsServer, open_station_connection
from harness.transport.server import MAIN, SECOND
from harness.verdicts import HarnessError
from tests.engine.bench import IDENTITY, CsmsBench

SECOND_PATH = "/other-csms"


def _bench(make_csms_bench) -> CsmsBench:
    return make_csms_bench(second_path=SECOND_PATH)


async def _connect(url: str):
    """A plain station connection to ``url`` (no boot)."""
    return await open_station_connection(
        url, IDENTITY, OcppVersion.V201, password=None, security_profile=0, timeout=2
    )


def _log(bench: CsmsBench) -> list[tuple[str, str]]:
    return [(kind, endpoint) for kind, endpoint, _ in bench.role.endpoint_events()]


def test_the_role_knows_both_endpoint_urls(make_csms_bench) -> None:
    bench = _bench(make_csms_bench)
    port = bench.server.port

    assert bench.role.endpoint_url(MAIN) == f"ws://127.0.0.1:{port}/ocpp"
    assert bench.role.endpoint_url(SECOND) == f"ws://127.0.0.1:{port}{SECOND_PATH}"


def test_without_a_second_path_asking_for_it_is_a_setup_error(make_csms_bench) -> None:
    bench = make_csms_bench()

    with pytest.raises(HarnessError) as error:
        bench.role.endpoint_url(SECOND)

    assert error.value.rule == "setup"


def test_a_second_path_equal_to_the_main_one_is_a_setup_error() -> None:
    async def noop(connection, endpoint) -> None:
        return None

    with pytest.raises(HarnessError):
        CsmsServer(
            version=OcppVersion.V201,
            identity=IDENTITY,
            port=0,
            path="/ocpp/",
            second_path="/ocpp",
            on_connection=noop,
        )


def test_a_station_at_the_second_endpoint_is_served_and_logged_there(make_csms_bench) -> None:
    bench = _bench(make_csms_bench)
    bench.start_station(endpoint=bench.role.endpoint_url(SECOND))

    bench.boot()

    assert bench.role.endpoint == SECOND
    assert _log(bench) == [("opened", SECOND)]
    trace = bench.on_loop(lambda: bench.session.trace.to_json())
    assert "opened at endpoint second" in repr(trace)


def test_a_counted_refusal_turns_that_many_attempts_away_then_accepts(make_csms_bench) -> None:
    bench = _bench(make_csms_bench)
    bench.role.refuse_endpoint(SECOND, "the new profile's CSMS is away", attempts=2)
    bench.start_station(endpoint=bench.role.endpoint_url(SECOND))

    bench.boot()

    assert _log(bench) == [("refused", SECOND), ("refused", SECOND), ("opened", SECOND)]
    rejections = bench.on_loop(lambda: list(bench.session.rejections))
    assert [(r.endpoint, r.rule) for r in rejections] == [(SECOND, "harness.offline")] * 2
    assert bench.failures() == []


def test_refusing_one_endpoint_leaves_the_other_open(make_csms_bench) -> None:
    bench = _bench(make_csms_bench)
    bench.role.refuse_endpoint(SECOND, "out of reach")
    bench.start_station()

    bench.boot()

    assert bench.role.endpoint == MAIN
    assert _log(bench) == [("opened", MAIN)]


def test_an_endpoint_refused_for_good_until_accepted_again(make_csms_bench) -> None:
    bench = _bench(make_csms_bench)
    bench.role.refuse_endpoint(SECOND, "out of reach")
    station = bench.start_station(endpoint=bench.role.endpoint_url(SECOND))
    bench.run(station.wait_until(lambda: station.last_connect_error is not None, 2))
    assert not bench.role.connected

    bench.role.accept_endpoint(SECOND)
    bench.boot()

    kinds = [kind for kind, _ in _log(bench)]
    assert kinds[-1] == "opened" and set(kinds[:-1]) == {"refused"}


def test_the_end_of_a_case_lifts_every_refusal(make_csms_bench) -> None:
    bench = _bench(make_csms_bench)
    bench.role.refuse_endpoint(SECOND, "out of reach")

    bench.on_loop(bench.session.end_case)

    assert bench.on_loop(lambda: bench.session.refusal(SECOND)) is None


def test_a_path_under_neither_endpoint_is_refused_naming_both(make_csms_bench) -> None:
    bench = _bench(make_csms_bench)
    station = bench.start_station(endpoint=f"ws://127.0.0.1:{bench.server.port}/elsewhere")
    bench.run(station.wait_until(lambda: station.last_connect_error is not None, 2))

    rejections = bench.on_loop(lambda: list(bench.session.rejections))

    assert rejections[0].rule == "OCPP-J 3.1.1"
    assert "'/ocpp/' or '/other-csms/'" in rejections[0].reason


def test_a_connection_that_replaces_an_open_one_is_logged_as_opened_first(
    make_csms_bench,
) -> None:
    """A station that connects to the other endpoint before it has left the first one
    (what B10.FR.06 forbids a migrating station) shows so in the log: the new
    connection's "opened" comes before the old one's "closed"."""
    bench = _bench(make_csms_bench)
    bench.start_station()
    bench.boot()

    url = bench.role.endpoint_url(SECOND)

    async def second_connection() -> None:
        await _connect(url)

    bench.run(second_connection())
    bench.run(bench.session.wait_for(lambda: len(bench.session.endpoint_log) >= 3, 2))

    assert _log(bench)[:3] == [("opened", MAIN), ("opened", SECOND), ("closed", MAIN)]


def test_the_urls_name_the_host_the_station_reached_the_harness_at(make_csms_bench) -> None:
    """A harness on 0.0.0.0 cannot name its own address: the other endpoint's URL takes
    the host and port of the station's handshake (its Host header)."""
    bench = _bench(make_csms_bench)
    port = bench.server.port
    bench.start_station(endpoint=f"ws://localhost:{port}/ocpp")

    bench.boot()

    assert bench.role.endpoint_url(SECOND) == f"ws://localhost:{port}{SECOND_PATH}"
    assert bench.role.endpoint_url(MAIN) == f"ws://localhost:{port}/ocpp"


def test_a_tls_security_profile_gives_wss_urls() -> None:
    async def noop(connection, endpoint) -> None:
        return None

    server = CsmsServer(
        version=OcppVersion.V201,
        identity=IDENTITY,
        port=9,
        security_profile=2,
        second_path=SECOND_PATH,
        on_connection=noop,
    )

    assert server.endpoint_urls() == {
        MAIN: "wss://127.0.0.1:9/ocpp",
        SECOND: f"wss://127.0.0.1:9{SECOND_PATH}",
    }


@pytest.mark.parametrize("goodbye", [True, False], ids=["closed", "gone-dead"])
def test_a_closed_connection_says_whether_the_dut_sent_a_close_frame(
    make_csms_bench, goodbye: bool
) -> None:
    """The close log tells a connection the DUT closed (its close frame came) from one
    that only went dead, as a rebooted device leaves it (TC_B_45_CS, B10.FR.06)."""
    bench = _bench(make_csms_bench)
    url = bench.role.endpoint_url(MAIN)

    async def connect_and_leave() -> None:
        ws = await _connect(url)
        if goodbye:
            await ws.close()
        else:
            ws.transport.abort()  # no close frame: the link just ends

    bench.run(connect_and_leave())
    bench.run(bench.session.wait_for(lambda: len(bench.session.close_log) >= 1, 2))

    [(endpoint, _, answered)] = bench.role.closings()
    assert (endpoint, answered) == (MAIN, goodbye)
