"""Benches of the engine self-tests: the harness in either role against a simulator.

Everything runs on one :class:`BackgroundLoop` per test, on loopback, with simulator
timers scaled so that protocol seconds last milliseconds. Tests wait on events and
futures with short timeouts, never on fixed sleeps.

* :class:`CsmsBench`: ``Session`` + ``CsmsServer`` + ``CsmsRole`` (the harness as CSMS)
  and a ``SimStation`` DUT, brought up as ``DutEnvironment.start_case`` does.
* :class:`StationBench`: ``Session`` + ``StationRole`` (the harness as station) and a
  ``SimCsms`` DUT.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from harness.loop import BackgroundLoop
from harness.ocppj import OcppVersion
from harness.roles import CsmsRole, StationRole
from harness.session import Session
from harness.sim import SimCsms, SimStation, SimTimers
from harness.trace import IN, OUT, TraceEntry
from harness.transport import CsmsServer

IDENTITY = "ENGINE-CS-1"

#: protocol "1 s" lasts 50 ms; reconnects are quick; a missing answer is noticed in 2 s
FAST = SimTimers(
    heartbeat_fallback=60,
    retry_backoff_min=0.02,
    retry_backoff_max=0.2,
    boot_retry_default=0.2,
    message_timeout=2,
    interval_scale=0.05,
)

#: real-time protocol intervals, for checks of the boot interval itself (the harness
#: fails a station that boots again before the interval it was given)
REAL_TIME = dataclasses.replace(FAST, interval_scale=1.0)

#: the harness's default boot interval: 300 protocol s = 15 s real, so no Heartbeat
#: comes during a test unless the bench is made chatty
QUIET = 300
#: 1 protocol s = 50 ms real: a Heartbeat every 50 ms
CHATTY = 1


async def _call(function: Callable[[], Any]) -> Any:
    return function()


class _Bench:
    loop: BackgroundLoop
    session: Session

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 5) -> Any:
        """Run ``coro`` on the harness loop and wait for it."""
        return self.loop.run(coro, timeout)

    def on_loop(self, function: Callable[[], Any]) -> Any:
        """Call ``function`` on the loop (the session's state belongs to it)."""
        return self.loop.run(_call(function), 5)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        """Start ``coro`` on the loop without waiting; wait on the future later."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop.loop)

    def frames(self, direction: str | None = None) -> list[TraceEntry]:
        def pick() -> list[TraceEntry]:
            return [
                e
                for e in self.session.trace.entries
                if e.kind == "frame" and (direction is None or e.direction == direction)
            ]

        return self.on_loop(pick)

    def replies_to(self, action: str) -> list[Any]:
        """The decoded frames the harness sent in answer to the DUT's ``action``."""
        return [
            json.loads(e.raw or "")
            for e in self.frames(OUT)
            if e.action == action and e.message_type in ("CALLRESULT", "CALLERROR")
        ]

    def failures(self) -> list[Any]:
        return self.on_loop(lambda: list(self.session.failures))


class CsmsBench(_Bench):
    """The harness as CSMS, the DUT a simulated station."""

    def __init__(
        self,
        loop: BackgroundLoop,
        version: OcppVersion,
        *,
        evses: Sequence[tuple[int, Sequence[int]]] = ((1, (1,)),),
        heartbeat: int = QUIET,
        hold_seconds: float = 2.0,
        security_profile: int = 0,
        password: str | None = None,
        second_path: str | None = None,
    ) -> None:
        self.loop = loop
        self.version = version
        self.evses = evses
        self.session = Session(
            version,
            heartbeat_interval=heartbeat,
            hold_seconds=hold_seconds,
            describe_peer="charging station",
        )
        self.server = CsmsServer(
            version=version,
            identity=IDENTITY,
            port=0,
            second_path=second_path,
            security_profile=security_profile,
            password=password,
            on_connection=self.session.serve,
            on_rejection=self.session.record_rejection,
            refuse=self.session.refusal,
        )
        self.run(self.server.start())
        self.role = CsmsRole(
            loop,
            self.session,
            url=self.server.url,
            endpoints=self.server.endpoint_urls(),
            response_timeout=1,
            connect_timeout=2,
            evses=evses,
        )
        self.station: SimStation | None = None
        self.run(_call(self.session.begin_case))

    @property
    def endpoint(self) -> str:
        return self.server.url.rsplit("/", 1)[0]

    def start_station(
        self,
        *,
        defects: Sequence[str] = (),
        password: str | None = None,
        subscribe: Callable[[Any], None] | None = None,
        timers: SimTimers = FAST,
        endpoint: str | None = None,
    ) -> SimStation:
        station = SimStation(
            self.version,
            endpoint or self.endpoint,
            IDENTITY,
            password=password,
            defects=defects,
            timers=timers,
            evses=self.evses,
            on_frame=subscribe,
        )
        self.station = station
        self.run(station.start())
        return station

    def boot(self) -> None:
        """Wait for the connection and the answered BootNotification, then script."""
        booted = self.run(self.session.wait_booted(2, 1), 3)
        assert booted, "the simulated station never connected"
        self.run(_call(self.session.scripting))

    def act(self, action: str, **params: Any) -> dict[str, Any]:
        """Have the simulated station do ``action`` the way ``Dut.act`` does: the harness
        answers at once meanwhile, and what the station sends stays claimable."""
        assert self.station is not None
        session = self.session

        def begin() -> None:
            session.trace.step(f"action: {action}")
            session.mark_seen()
            session.waiting()

        self.on_loop(begin)
        try:
            result = self.run(self.station.act(action, params))
        finally:
            self.on_loop(session.scripting)
        return result

    def close(self) -> None:
        self.run(_call(self.session.end_case))
        if self.station is not None:
            self.run(self.station.stop(), 10)
        self.run(self.server.close(), 10)


class StationBench(_Bench):
    """The harness as station, the DUT a simulated CSMS."""

    def __init__(
        self,
        loop: BackgroundLoop,
        version: OcppVersion,
        *,
        passwords: dict[str, str] | None = None,
        password: str | None = None,
        defects: Sequence[str] = (),
    ) -> None:
        self.loop = loop
        self.version = version
        self.csms = SimCsms(version, port=0, timers=FAST, passwords=passwords, defects=defects)
        self.run(self.csms.start())
        self.session = Session(version, describe_peer="CSMS")
        self.run(_call(self.session.begin_case))
        self.role = StationRole(
            loop,
            self.session,
            endpoint=self.csms.url,
            identity=IDENTITY,
            password=password,
            security_profile=1 if password else 0,
            response_timeout=1,
            connect_timeout=2,
        )
        self.run(_call(self.session.scripting))

    def close(self) -> None:
        async def close_station() -> None:
            self.session.end_case()
            await self.session.close_current()

        self.run(close_station(), 10)
        self.run(self.csms.stop(), 10)


def settle_boot(bench: CsmsBench, **station: Any) -> CsmsBench:
    """Start the station, wait for its boot and let the set-up answer its first
    StatusNotifications (and, in 2.x, its startup security event), as a case's set-up
    would: the test starts with a quiet station.

    (``wait_booted`` alone is not enough: statuses that arrive after it returned are
    held for the test's first step.)
    """
    station = bench.start_station(**station)
    statuses = len(station.connectors) + (1 if bench.version is OcppVersion.V16 else 0)
    session = bench.session

    def settled() -> bool:
        answered = [m for m in session.received if m.action == "StatusNotification"]
        # a 2.x station also sends its startup security event after an accepted boot
        events = [m for m in session.received if m.action == "SecurityEventNotification"]
        security = bench.version is OcppVersion.V16 or (events and events[-1].answered)
        return len(answered) >= statuses and all(m.answered for m in answered) and bool(security)

    async def boot() -> bool:
        booted = await session.wait_booted(2, 1)
        session.waiting()  # answer at once, as during the set-up
        try:
            return booted and bool(await session._wait(settled, 1))
        finally:
            session.mark_seen()
            session.scripting()

    assert bench.run(boot(), 4), "the simulated station did not boot and report its status"
    return bench


__all__ = [
    "CHATTY",
    "FAST",
    "IDENTITY",
    "IN",
    "OUT",
    "QUIET",
    "CsmsBench",
    "StationBench",
    "settle_boot",
]
