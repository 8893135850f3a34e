"""Round-trip time of one CALL through the harness, beside bare websockets round trips.

A test case that checks a timing requirement (a response within N seconds, a heartbeat
interval) measures device + harness; the harness's share must be small and known. So we
time ``StationRole.call("Heartbeat", {})`` against a CSMS stub that answers at once, and
put it beside the floor that the transport alone allows on the same machine, in the same
run:

``bare async``
    a websockets client sending a Heartbeat CALL text (random id, made in advance) and
    awaiting its echo, timed inside the event loop: the least any asyncio + websockets
    harness could cost.
``bare + thread hop``
    the same echo submitted from a plain thread with ``run_coroutine_threadsafe`` and
    waited for: what a synchronous facade over a background loop (the harness's design)
    costs before it does any OCPP work. The fair baseline for ``harness``.
``harness (sync facade)``
    ``StationRole.call``: thread hop, schema validation of request and response, uuid,
    conversation rules, trace entries, the receive loop, the wait on the response.
``harness Session.call``
    ``Session.call`` awaited on the loop itself (no thread hop): splits the harness's
    cost into "facade" and "session", for whoever optimises it.

All four share one background loop, one server process-wide (two handlers, both on
127.0.0.1, ephemeral port) and the same websockets options as the harness (no pings,
websockets' default permessage-deflate negotiation). They run interleaved, in rounds
with a rotating order, so a slow phase of the machine hurts all of them alike. Before
anything is timed the allocator is settled (:func:`settle_allocator`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.sync.client import connect as sync_connect

from harness.loop import BackgroundLoop, DrivenLoop
from harness.ocppj import OcppVersion
from harness.roles import StationRole
from harness.session import Session

__all__ = ["Bench", "LatencyResult", "RoundTripReport", "echo_texts", "run", "settle_allocator"]

VERSION = OcppVersion.V201
HOST = "127.0.0.1"
#: every single operation is bounded by this, so a broken stub cannot hang the suite
OP_TIMEOUT = 5.0
#: currentTime of the stub's answers: precomputed, so the stub costs as little as it can
_NOW = "2025-03-14T09:26:53.589Z"
#: distinct texts the bare clients cycle through: beyond deflate's 32 KiB window
ECHO_POOL = 4096


def echo_texts() -> Iterator[str]:
    """What the bare clients send: Heartbeat CALLs with fresh random ids, pre-generated.

    Same bytes as the harness's CALL, and as hard to compress: with permessage-deflate
    (websockets' default, which both sides negotiate) one constant text would shrink
    to a few bytes after the first, and make the baseline unfairly cheap (about 7 us
    per round trip here). Generated up front, so the id costs the baseline nothing.
    """
    pool = [
        json.dumps([2, str(uuid.uuid4()), "Heartbeat", {}], separators=(",", ":"))
        for _ in range(ECHO_POOL)
    ]
    return itertools.cycle(pool)


BARE_ASYNC = "bare async"
BARE_HOP = "bare + thread hop"
BARE_SYNC = "bare sync client"
HARNESS = "harness (sync facade)"
SESSION = "harness Session.call"
VARIANTS = (BARE_ASYNC, BARE_HOP, BARE_SYNC, HARNESS, SESSION)

#: the target of the brief: the harness's median at most 1.3 x the bare median
TARGET_RATIO = 1.3


@dataclass
class LatencyResult:
    """Round-trip samples of one variant, in nanoseconds."""

    name: str
    samples_ns: list[int] = field(default_factory=list)

    def _us(self, value: float) -> float:
        return value / 1000

    @property
    def median_us(self) -> float:
        return self._us(statistics.median(self.samples_ns))

    @property
    def p95_us(self) -> float:
        return self._us(_percentile(self.samples_ns, 95))

    @property
    def p99_us(self) -> float:
        return self._us(_percentile(self.samples_ns, 99))

    @property
    def min_us(self) -> float:
        return self._us(min(self.samples_ns))

    @property
    def mean_us(self) -> float:
        return self._us(statistics.fmean(self.samples_ns))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "samples": len(self.samples_ns),
            "min_us": round(self.min_us, 1),
            "median_us": round(self.median_us, 1),
            "mean_us": round(self.mean_us, 1),
            "p95_us": round(self.p95_us, 1),
            "p99_us": round(self.p99_us, 1),
        }


def _percentile(samples: list[int], pct: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats
    return float(ordered[int(rank) - 1])


@dataclass(frozen=True)
class Ratio:
    """harness median / baseline median, with its verdict against TARGET_RATIO."""

    label: str
    numerator: str
    denominator: str
    value: float
    target: float | None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "-"
        return "PASS" if self.value <= self.target else "MISS"

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ratio_of_medians": round(self.value, 3),
            "target": self.target,
            "verdict": self.verdict,
        }


@dataclass
class RoundTripReport:
    results: dict[str, LatencyResult]
    iterations: int
    warmup: int
    rounds: int
    truncated: bool

    def ratios(self) -> list[Ratio]:
        def ratio(label: str, num: str, den: str, target: float | None) -> Ratio:
            value = self.results[num].median_us / self.results[den].median_us
            return Ratio(label, num, den, value, target)

        return [
            ratio("harness / bare async (brief's ratio)", HARNESS, BARE_ASYNC, TARGET_RATIO),
            # websockets' own blocking client: what a synchronous caller of plain
            # websockets gets (the "bare echo, about 210 us" is of this kind)
            ratio("harness / bare sync client", HARNESS, BARE_SYNC, TARGET_RATIO),
            ratio("Session.call / bare async (no hop either)", SESSION, BARE_ASYNC, None),
            ratio(
                "bare + thread hop / bare async (what a hop would cost)", BARE_HOP, BARE_ASYNC, None
            ),
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "iterations_per_variant": self.iterations,
            "warmup_per_variant": self.warmup,
            "rounds": self.rounds,
            "truncated_by_time_budget": self.truncated,
            "variants": [self.results[name].to_json() for name in VARIANTS],
            "ratios": [r.to_json() for r in self.ratios()],
        }


# -- the peers on the loop ------------------------------------------------------------------


async def _csms_stub(websocket: ServerConnection) -> None:
    """Answer each CALL with a Heartbeat-shaped CALLRESULT at once; ignore the rest.

    The id is cut out of the text rather than parsed (the harness sends compact JSON and
    UUID ids): the bare echo server does no JSON work either, and whatever the stub
    spends would be counted against the harness.
    """
    async for text in websocket:
        if isinstance(text, str) and text.startswith('[2,"'):
            message_id = text.split('"', 2)[1]
            await websocket.send(f'[3,"{message_id}",{{"currentTime":"{_NOW}"}}]')


async def _echo(websocket: ServerConnection) -> None:
    async for message in websocket:
        await websocket.send(message)


async def _route(websocket: ServerConnection) -> None:
    """One server, two paths: /echo for the bare clients, anything else is the CSMS."""
    if websocket.request is not None and websocket.request.path == "/echo":
        await _echo(websocket)
    else:
        await _csms_stub(websocket)


def _select_subprotocol(connection: ServerConnection, offered: Any) -> str | None:
    # The harness refuses a CSMS that does not agree on its subprotocol; echo offers none.
    return VERSION.subprotocol if VERSION.subprotocol in offered else None


async def _echo_once(ws: ClientConnection, text: str) -> None:
    await ws.send(text)
    await ws.recv()


async def _echo_block(
    ws: ClientConnection, texts: Iterator[str], n: int, deadline: float
) -> list[int]:
    """n timed echoes inside the loop; stops early at ``deadline`` (perf_counter)."""
    samples = []
    clock = time.perf_counter_ns
    for _ in range(n):
        text = next(texts)
        start = clock()
        await ws.send(text)
        await ws.recv()
        samples.append(clock() - start)
        if time.perf_counter() > deadline:
            break
    return samples


async def _session_block(session: Session, n: int, deadline: float) -> list[int]:
    samples = []
    clock = time.perf_counter_ns
    for _ in range(n):
        start = clock()
        await session.call("Heartbeat", {}, timeout=OP_TIMEOUT, rule=None)
        samples.append(clock() - start)
        if time.perf_counter() > deadline:
            break
    return samples


def settle_allocator() -> None:
    """Free one 1 MiB block, so glibc raises its mmap threshold before we measure.

    asyncio reads each socket with ``recv(256 KiB)`` and shrinks the result. Until glibc
    has freed one mapped block larger than its initial 128 KiB threshold, every such
    buffer is a fresh ``mmap`` + ``munmap`` (about 18 us per received message on the
    machine this was written on), and whether that has happened yet depends on the
    history of the process. Forcing it makes runs comparable, and it hits all variants
    alike; see README.md.
    """
    block = bytearray(1 << 20)
    del block


class Bench:
    """The loop, the server and the two clients; a context manager that cleans up."""

    def __init__(self) -> None:
        settle_allocator()
        # The peers (stub CSMS, echo server) live in a loop of their own thread, as a
        # real DUT lives in its own process; the clients run as the harness runs them:
        # on a DrivenLoop in this thread (no thread hop per call).
        self.server_loop = BackgroundLoop()
        self.loop = DrivenLoop()
        self.server: Server | None = None
        self.bare: ClientConnection | None = None
        self.bare_hop: ClientConnection | None = None
        self.session = Session(VERSION, describe_peer="CSMS")
        self.role: StationRole | None = None
        self.echo_texts = echo_texts()

    def __enter__(self) -> Bench:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        async def start_server() -> Server:
            return await serve(
                _route, HOST, 0, select_subprotocol=_select_subprotocol, ping_interval=None
            )

        self.server = self.server_loop.run(start_server(), OP_TIMEOUT)
        port = self.server.sockets[0].getsockname()[1]

        async def open_bare() -> ClientConnection:
            return await connect(f"ws://{HOST}:{port}/echo", ping_interval=None, proxy=None)

        self.bare = self.loop.run(open_bare(), OP_TIMEOUT)
        # the hop variant: a client in a loop of another thread, driven from this one
        self.bare_hop = self.server_loop.run(open_bare(), OP_TIMEOUT)
        self.bare_sync = sync_connect(
            f"ws://{HOST}:{port}/echo", proxy=None, open_timeout=OP_TIMEOUT
        )

        async def begin() -> None:
            self.session.begin_case()  # as the pytest plugin does before each case

        self.loop.run(begin(), OP_TIMEOUT)
        self.role = StationRole(
            self.loop,
            self.session,
            endpoint=f"ws://{HOST}:{port}/ocpp",
            identity="BENCH-CS-001",
            password=None,
            security_profile=0,
            response_timeout=OP_TIMEOUT,
            connect_timeout=OP_TIMEOUT,
        )
        self.role.connect()
        response = self.role.call("Heartbeat", {})
        if response.is_error or "currentTime" not in response.payload:
            raise AssertionError(f"CSMS stub answered Heartbeat with {response}")
        if self.session.failures:
            raise AssertionError(f"harness saw a failure: {self.session.failures[0]}")

    def close(self) -> None:
        """Close clients and server (each bounded), then the loop thread."""

        if getattr(self, "bare_sync", None) is not None:
            self.bare_sync.close()

        async def close_clients() -> None:
            await self.session.close_current()
            if self.bare is not None:
                await self.bare.close()

        async def close_server() -> None:
            if self.bare_hop is not None:
                await self.bare_hop.close()
            if self.server is not None:
                self.server.close()
                await self.server.wait_closed()

        try:
            self.loop.run(close_clients(), OP_TIMEOUT)
            self.server_loop.run(close_server(), OP_TIMEOUT)
        finally:
            self.loop.close()
            self.server_loop.close()

    # -- one block of n timed round trips per variant -----------------------------------

    def block(self, variant: str, n: int, deadline: float) -> list[int]:
        assert self.bare is not None and self.role is not None
        if variant == BARE_ASYNC:
            return self.loop.run(
                _echo_block(self.bare, self.echo_texts, n, deadline), OP_TIMEOUT * n
            )
        if variant == SESSION:
            return self.loop.run(_session_block(self.session, n, deadline), OP_TIMEOUT * n)
        samples = []
        clock = time.perf_counter_ns
        if variant == BARE_HOP:
            bare, target, texts = self.bare_hop, self.server_loop.loop, self.echo_texts
            for _ in range(n):
                text = next(texts)
                start = clock()
                asyncio.run_coroutine_threadsafe(_echo_once(bare, text), target).result(OP_TIMEOUT)
                samples.append(clock() - start)
                if time.perf_counter() > deadline:
                    break
            return samples
        if variant == BARE_SYNC:
            sync, texts = self.bare_sync, self.echo_texts
            for _ in range(n):
                text = next(texts)
                start = clock()
                sync.send(text)
                sync.recv(OP_TIMEOUT)
                samples.append(clock() - start)
                if time.perf_counter() > deadline:
                    break
            return samples
        if variant == HARNESS:
            role = self.role
            for _ in range(n):
                start = clock()
                role.call("Heartbeat", {})
                samples.append(clock() - start)
                if time.perf_counter() > deadline:
                    break
            return samples
        raise ValueError(variant)

    def reset_trace(self) -> None:
        """Start a fresh trace, so thousands of calls do not make one giant case."""

        async def begin() -> None:
            self.session.begin_case()

        self.loop.run(begin(), OP_TIMEOUT)


def run(
    iterations: int = 2000,
    warmup: int = 300,
    rounds: int = 8,
    budget_s: float = 30.0,
    log: Callable[[str], None] = print,
    bench: Bench | None = None,
) -> RoundTripReport:
    """Warm every variant up, then time ``iterations`` round trips of each, interleaved.

    Pass ``bench`` to reuse one set-up (the diagnosis then measures the same process
    state); without it, a Bench is made and closed here.
    """
    if bench is None:
        with Bench() as own:
            return run(iterations, warmup, rounds, budget_s, log, own)
    results = {name: LatencyResult(name) for name in VARIANTS}
    per_round = max(1, iterations // rounds)
    deadline = time.perf_counter() + budget_s
    truncated = False
    for variant in VARIANTS:
        bench.block(variant, warmup, deadline)
    bench.reset_trace()
    for index in range(rounds):
        order = VARIANTS[index % len(VARIANTS) :] + VARIANTS[: index % len(VARIANTS)]
        for variant in order:
            results[variant].samples_ns += bench.block(variant, per_round, deadline)
        bench.reset_trace()
        if time.perf_counter() > deadline:
            truncated = True
            log(f"  time budget of {budget_s:g} s spent after round {index + 1}")
            break
    if bench.session.failures:
        raise AssertionError(f"harness saw a failure: {bench.session.failures[0]}")
    measured = min(len(result.samples_ns) for result in results.values())
    truncated = truncated or measured < per_round * rounds
    log(f"  {measured} round trips per variant in {rounds} interleaved rounds")
    return RoundTripReport(results, measured, warmup, rounds, truncated)
