"""Helpers for the simulator self-tests: a linked station/CSMS pair on loopback.

Tests are plain sync functions that ``run()`` one coroutine; every wait inside is an
event wait with a timeout (recorders, ``wait_until``), never a fixed sleep.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.ocppj import OcppVersion
from harness.sim import FrameRecorder, SimCsms, SimStation, SimTimers

__all__ = ["FAST", "Link", "http", "linked", "post_action", "run"]

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
        """StatusNotifications a booted station sends (1.6 adds connector 0)."""
        extra = 1 if self.version is OcppVersion.V16 else 0
        return len(self.station.connectors) + extra

    async def booted(self, accepted: int = 1, timeout: float = 2) -> None:
        """Wait until the station's ``accepted``-th boot is accepted and its status is in."""
        await self.station.wait_until(
            lambda: self.station.accepted.is_set() and self.station.boots_accepted >= accepted,
            timeout,
        )
        await self.at_csms.wait_call(
            "StatusNotification", count=self.statuses_after_boot() * accepted, timeout=timeout
        )

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
    **station_kwargs: Any,
) -> AsyncIterator[Link]:
    """A SimCsms on 127.0.0.1 with a SimStation connected to it, both recorded."""
    ocpp = OcppVersion.parse(version)
    at_csms, at_station = FrameRecorder(ocpp), FrameRecorder(ocpp)
    csms = SimCsms(
        version,
        defects=csms_defects,
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
