"""Helpers for the simulator self-tests: a linked station/CSMS pair on loopback, and a
scripted station on a plain websocket for seeing exactly what the simulated CSMS does.

Tests are plain sync functions that ``run()`` one coroutine; every wait inside is an
event wait with a timeout (recorders, ``wait_until``), never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from harness.ocppj import OcppVersion
from harness.sim import FrameRecorder, SimCsms, SimStation, SimTimers
from harness.sim.util import Notifier

__all__ = [
    "FAST",
    "REPORTS",
    "Link",
    "ScriptedStation",
    "boot_payload",
    "http",
    "linked",
    "post_action",
    "run",
    "running_csms",
    "scripted_station",
]

#: the actions that carry connector states (2.0.1 may use either)
REPORTS = ("StatusNotification", "NotifyEvent")

T = TypeVar("T")

#: protocol "1 s" lasts 50 ms; retries are quick; a missing answer is noticed in 0.5 s
FAST = SimTimers(
    heartbeat_fallback=60,
    retry_backoff_min=0.01,
    retry_backoff_max=0.1,
    boot_retry_default=0.1,
    message_timeout=0.5,
    interval_scale=0.05,
)


def run(coro: Awaitable[T], timeout: float = 5) -> T:
    """Run one test scenario in a fresh event loop, bounded."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


@dataclass
class Link:
    csms: SimCsms
    station: SimStation
    at_csms: FrameRecorder
    at_station: FrameRecorder

    @property
    def version(self) -> OcppVersion:
        return self.station.version

    def statuses_after_boot(self) -> int:
        """Connector reports a booted station sends (1.6 adds connector 0)."""
        extra = 1 if self.version is OcppVersion.V16 else 0
        return len(self.station.connectors) + extra

    def reports(self) -> list[tuple[str, dict[str, Any]]]:
        """(action, payload) of every connector report the CSMS received, in order."""
        return [
            (r.action or "", r.payload or {})
            for r in self.at_csms.calls(direction="in")
            if r.action in REPORTS
        ]

    async def booted(self, accepted: int = 1, timeout: float = 2, extra: int = 0) -> None:
        """Wait until the station's ``accepted``-th boot is accepted and its connector
        reports are in (``extra``: reports beyond one per connector and boot)."""
        await self.station.wait_until(
            lambda: self.station.accepted.is_set() and self.station.boots_accepted >= accepted,
            timeout,
        )
        wanted = self.statuses_after_boot() * accepted + extra
        await self.at_csms.wait_for(lambda _: len(self.reports()) >= wanted, timeout)

    async def security_events(self, count: int = 1, timeout: float = 2) -> list[str]:
        """Wait for ``count`` SecurityEventNotifications; returns every type so far."""
        await self.at_csms.wait_call("SecurityEventNotification", count=count, timeout=timeout)
        return [p["type"] for p in self.sent_by_station("SecurityEventNotification")]

    def actions_in(self) -> list[str]:
        """The actions of the CALLs the CSMS received, in order."""
        return [r.action or "" for r in self.at_csms.calls(direction="in")]

    def assert_schema_valid(self) -> None:
        """Every CALL and CALLRESULT either simulator sent or received is schema-valid."""
        for recorder in (self.at_csms, self.at_station):
            problems = recorder.schema_violations()
            assert not problems, "\n".join(
                f"{r.event.direction} {r.event.text}: {', '.join(map(str, v))}" for r, v in problems
            )

    def sent_by_station(self, action: str) -> list[dict[str, Any]]:
        return [r.payload or {} for r in self.at_csms.calls(action, direction="in")]


@asynccontextmanager
async def linked(
    version: str,
    *,
    station_defects: Iterable[str] = (),
    csms_defects: Iterable[str] = (),
    timers: SimTimers = FAST,
    csms_timers: SimTimers | None = None,
    heartbeat_interval: int = 1,
    boot_retry_interval: int = 1,
    boot_mode: str = "Accepted",
    start_station: bool = True,
    csms_options: Iterable[str] = (),
    **station_kwargs: Any,
) -> AsyncIterator[Link]:
    """A SimCsms on 127.0.0.1 with a SimStation connected to it, both recorded."""
    ocpp = OcppVersion.parse(version)
    at_csms, at_station = FrameRecorder(ocpp), FrameRecorder(ocpp)
    csms = SimCsms(
        version,
        defects=csms_defects,
        options=csms_options,
        timers=csms_timers or timers,
        heartbeat_interval=heartbeat_interval,
        boot_retry_interval=boot_retry_interval,
        on_frame=at_csms,
    )
    csms.boot_mode = boot_mode
    await csms.start()
    station = SimStation(
        version,
        csms.url,
        station_kwargs.pop("identity", "CP1"),
        defects=station_defects,
        timers=timers,
        on_frame=at_station,
        **station_kwargs,
    )
    try:
        if start_station:
            await station.start()
        yield Link(csms, station, at_csms, at_station)
    finally:
        await station.stop()
        await csms.stop()


@dataclass
class ScriptedStation:
    """A station on a plain websocket that does only what the test says.

    ``call()`` sends a CALL and returns the answer frame (a decoded list). CALLs of the
    CSMS are recorded in ``received`` and answered with ``answers[action]`` (a payload;
    ``{}`` when none is given), so the CSMS's own actions complete.
    """

    ws: ClientConnection
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[list[Any]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    _waiting: dict[str, asyncio.Future[list[Any]]] = field(default_factory=dict)
    _changes: Notifier = field(default_factory=Notifier)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                frame = json.loads(text)
                if frame[0] == 2:
                    self.received.append(frame)
                    answer = self.answers.get(frame[2], {})
                    await self.ws.send(json.dumps([3, frame[1], answer]))
                else:
                    future = self._waiting.pop(frame[1], None)
                    if future is not None and not future.done():
                        future.set_result(frame)
                self._changes.notify()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            self._changes.notify()

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 2) -> list[Any]:
        message_id = f"s{next(self._ids)}"
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = future
        await self.ws.send(json.dumps([2, message_id, action, payload]))
        async with asyncio.timeout(timeout):
            return await future

    async def wait_received(self, action: str, timeout: float = 2) -> list[Any]:
        """Wait for a CALL of ``action`` from the CSMS; returns the latest."""

        def found() -> bool:
            return any(frame[2] == action for frame in self.received)

        await self._changes.wait_until(found, timeout)
        return [frame for frame in self.received if frame[2] == action][-1]

    async def wait_closed(self, timeout: float = 2) -> None:
        async with asyncio.timeout(timeout):
            await self.closed.wait()


@asynccontextmanager
async def running_csms(version: str, **kwargs: Any) -> AsyncIterator[SimCsms]:
    """A SimCsms on 127.0.0.1 (FAST timers unless given), stopped on exit."""
    csms = SimCsms(version, **{"timers": FAST, **kwargs})
    await csms.start()
    try:
        yield csms
    finally:
        await csms.stop()


@asynccontextmanager
async def scripted_station(
    csms: SimCsms, identity: str = "CP1", subprotocols: list[str] | None = None
) -> AsyncIterator[ScriptedStation]:
    """Connect a :class:`ScriptedStation` to ``csms``; closed on exit."""
    offered = subprotocols or [csms.version.subprotocol]
    ws = await connect(f"{csms.url}/{identity}", subprotocols=offered, proxy=None)
    station = ScriptedStation(ws)
    reader = asyncio.create_task(station._read())
    try:
        yield station
    finally:
        await ws.close()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


def boot_payload(version: str, reason: str = "PowerUp") -> dict[str, Any]:
    """A minimal valid BootNotification payload for ``version``."""
    if version == "1.6":
        return {"chargePointVendor": "V", "chargePointModel": "M"}
    return {"reason": reason, "chargingStation": {"model": "M", "vendorName": "V"}}


async def http(url: str, method: str = "POST", body: bytes = b"") -> tuple[int, Any]:
    """A minimal HTTP/1.1 client (no proxies, no threads) for the control API tests."""
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        head = (
            f"{method} {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        raw = await reader.read()
        writer.close()
    status_line, _, rest = raw.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(payload) if payload else None


async def post_action(url: str, action: str, params: dict[str, Any] | None = None):
    import json

    return await http(url, body=json.dumps({"action": action, "params": params or {}}).encode())
