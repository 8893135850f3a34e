"""Where a harness round trip spends its time: ``python -m benchmarks --diagnose``.

The round-trip benchmark says *how much* the harness adds; this says *where*, so that
whoever optimises ``harness/`` knows what to change first. Four views, each cheap:

* event-loop iterations (``select`` calls) and process CPU time per round trip, per
  variant: more iterations mean more wake-ups, which on a small VM cost more than the
  Python they run;
* ablations: ``Session.call`` timed with one piece of its work replaced by a trivial
  stand-in (schema validation, trace entries, the session's wait),
  interleaved with the unmodified call; the drop in the median is that piece's cost;
* a "receive loop" floor: a bare echo whose answer arrives through a reader task and a
  future, as in any client with a receive loop (the harness's design, and the ``ocpp``
  library's): the part of the overhead that is architecture, not code;
* micro-costs of the synchronous pieces of one Heartbeat call, measured alone.

The stand-ins are monkeypatches of this process only, restored afterwards; they exist to
measure, never to ship. Nothing under ``harness/`` is modified.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import io
import pstats
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

import harness.observe as observe_module
import harness.session as session_module
from benchmarks import roundtrip as rt
from harness.ocppj import Call, CallResult, Conversation, decode, encode, validate_payload
from harness.session import Response, Session
from harness.trace import IN, OUT, Trace, TraceEntry

__all__ = ["Diagnosis", "run"]

#: the unmodified call, then each ablation, then all of them together
ABLATIONS = ("none", "validation", "trace", "wait_for", "all three")


@dataclass
class Diagnosis:
    """Everything the diagnosis measured; printed by ``__main__`` and kept in the JSON."""

    loop_iterations: dict[str, float]
    cpu_us: dict[str, float]
    ablation_median_us: dict[str, float]
    bare_median_us: float
    reader_floor_median_us: float
    micro_us: dict[str, float]
    profile_text: str

    def to_json(self) -> dict[str, Any]:
        def rounded(values: dict[str, float]) -> dict[str, float]:
            return {key: round(value, 2) for key, value in values.items()}

        return {
            "select_calls_per_round_trip": rounded(self.loop_iterations),
            "process_cpu_us_per_round_trip": rounded(self.cpu_us),
            "session_call_ablation_median_us": rounded(self.ablation_median_us),
            "bare_async_median_us": round(self.bare_median_us, 1),
            "bare_with_receive_loop_median_us": round(self.reader_floor_median_us, 1),
            "micro_costs_us": rounded(self.micro_us),
        }


# -- stand-ins for the ablations ------------------------------------------------------------


async def _wait_without_wait_for(
    self: Session, predicate: Callable[[], Any], timeout: float
) -> Any:
    """``Session._wait`` with ``asyncio.timeout`` instead of ``asyncio.wait_for``.

    Same semantics (bounded, re-checks the predicate on every change), but no extra task
    per wait: the candidate fix whose gain the ablation measures.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        event = self._event()
        self.raise_failure()
        result = predicate()
        if result:
            return result
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(remaining):
                await event.wait()


def _no_violations(*args: Any, **kwargs: Any) -> list[Any]:
    return []


@contextlib.contextmanager
def _patched(bench: rt.Bench, ablation: str) -> Iterator[None]:
    """Apply one ablation (or all) for the duration of a block; always restore."""
    names = ABLATIONS[1:-1] if ablation == "all three" else (ablation,)
    saved: list[tuple[Any, str, Any]] = []
    entry = TraceEntry(0, 0.0, "frame")

    def patch(owner: Any, attribute: str, value: Any) -> None:
        if not hasattr(owner, attribute):
            # The harness changed shape: an ablation that patches nothing would report
            # a saving of zero as if it were a measurement.
            raise RuntimeError(f"cannot ablate {ablation}: {owner!r} has no {attribute!r}")
        saved.append((owner, attribute, owner.__dict__.get(attribute)))
        setattr(owner, attribute, value)

    try:
        for name in names:
            if name == "validation":
                # the harness's own CALL (session) and the DUT's answer (observe)
                patch(session_module, "validate_payload", _no_violations)
                patch(observe_module, "validate_payload", _no_violations)
            elif name == "trace":
                patch(bench.session.trace, "frame", lambda *a, **k: entry)
            elif name == "wait_for":
                patch(Session, "_wait", _wait_without_wait_for)
        yield
    finally:
        for owner, attribute, value in reversed(saved):
            if value is None:
                delattr(owner, attribute)  # an instance attribute we added
            else:
                setattr(owner, attribute, value)


# -- the receive-loop floor -----------------------------------------------------------------


async def _reader_block(
    ws: ClientConnection, texts: Iterator[str], n: int, deadline: float
) -> list[int]:
    """Echo round trips whose answer comes through a reader task and a future."""
    loop = asyncio.get_running_loop()
    waiting: list[asyncio.Future[Any]] = []

    async def reader() -> None:
        async for message in ws:
            if waiting:
                waiting.pop().set_result(message)

    task = loop.create_task(reader())
    samples = []
    clock = time.perf_counter_ns
    try:
        for _ in range(n):
            future = loop.create_future()
            waiting.append(future)
            text = next(texts)
            start = clock()
            await ws.send(text)
            async with asyncio.timeout(rt.OP_TIMEOUT):
                await future
            samples.append(clock() - start)
            if time.perf_counter() > deadline:
                break
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return samples


# -- measurements ---------------------------------------------------------------------------


def _loop_views(
    bench: rt.Bench, n: int, deadline: float
) -> tuple[dict[str, float], dict[str, float]]:
    """select() calls and process CPU per round trip, per variant."""
    selector = bench.loop.loop._selector  # type: ignore[attr-defined]
    original = selector.select
    calls = [0]

    def counting(timeout: float | None = None) -> Any:
        calls[0] += 1
        return original(timeout)

    iterations: dict[str, float] = {}
    cpu: dict[str, float] = {}
    selector.select = counting
    try:
        for variant in rt.VARIANTS:
            calls[0] = 0
            cpu_start = time.process_time()
            done = len(bench.block(variant, n, deadline))
            cpu[variant] = (time.process_time() - cpu_start) / max(done, 1) * 1e6
            iterations[variant] = calls[0] / max(done, 1)
    finally:
        del selector.select  # back to the class's method
    return iterations, cpu


def _ablations(
    bench: rt.Bench, reader_ws: ClientConnection, n: int, rounds: int, deadline: float
) -> tuple[dict[str, list[int]], list[int], list[int]]:
    samples: dict[str, list[int]] = {name: [] for name in ABLATIONS}
    bare: list[int] = []
    floor: list[int] = []
    for index in range(rounds):
        order = ABLATIONS[index % len(ABLATIONS) :] + ABLATIONS[: index % len(ABLATIONS)]
        for name in order:
            with _patched(bench, name):
                samples[name] += bench.block(rt.SESSION, n, deadline)
        bare += bench.block(rt.BARE_ASYNC, n, deadline)
        floor += bench.loop.run(
            _reader_block(reader_ws, bench.echo_texts, n, deadline), rt.OP_TIMEOUT * n
        )
        bench.reset_trace()
        if time.perf_counter() > deadline:
            break
    return samples, bare, floor


def _micro_costs(repeat: int = 20_000) -> dict[str, float]:
    """µs per operation of the synchronous pieces of one harness Heartbeat round trip."""
    version = rt.VERSION
    message_id = str(uuid.uuid4())
    call = Call(message_id, "Heartbeat", {})
    result_text = f'[3,"{message_id}",{{"currentTime":"{rt._NOW}"}}]'
    result = decode(result_text, version)
    assert isinstance(result, CallResult)
    trace = Trace()

    def conversation() -> None:
        c = Conversation(version)
        c.send(call)
        c.receive(result)

    pieces: dict[str, Callable[[], Any]] = {
        "uuid.uuid4() + str": lambda: str(uuid.uuid4()),
        "validate request (Heartbeat {})": lambda: validate_payload(
            version, "Heartbeat", {}, response=False
        ),
        "validate response (currentTime)": lambda: validate_payload(
            version, "Heartbeat", result.payload, response=True
        ),
        "encode(Call)": lambda: encode(call),
        "decode(CALLRESULT text)": lambda: decode(result_text, version),
        "Trace.frame (OUT)": lambda: trace.frame(OUT, result_text, call),
        "Trace.frame (IN)": lambda: trace.frame(IN, result_text, result, action="Heartbeat"),
        "Conversation send + receive": conversation,
        "asyncio.Event() (per _notify)": asyncio.Event,
        "Response(...)": lambda: Response("Heartbeat", result.payload, raw=result_text),
    }
    costs = {}
    for name, function in pieces.items():
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(repeat):
                function()
            best = min(best, time.perf_counter() - start)
        costs[name] = best / repeat * 1e6
        trace.entries.clear()
    return costs


def _profile(bench: rt.Bench, n: int, deadline: float, top: int = 18) -> str:
    """cProfile of the loop thread during ``n`` Session.call round trips (tottime order).

    The profiler slows everything down several times; read it for proportions only.
    """
    profiler = cProfile.Profile()

    async def enable() -> None:
        profiler.enable()

    async def disable() -> None:
        profiler.disable()

    bench.loop.run(enable(), rt.OP_TIMEOUT)
    try:
        bench.block(rt.SESSION, n, deadline)
    finally:
        bench.loop.run(disable(), rt.OP_TIMEOUT)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime")
    print("-- everything on the loop thread, by own time", file=out)
    stats.print_stats(top)
    print("-- harness/ functions only, by own time", file=out)
    stats.print_stats("harness/", top)
    return out.getvalue()


def run(
    bench: rt.Bench,
    n: int = 500,
    rounds: int = 8,
    budget_s: float = 25.0,
    log: Callable[[str], None] = print,
) -> Diagnosis:
    """Diagnose on ``bench``: the same loop, server and connections the benchmark timed."""
    deadline = time.perf_counter() + budget_s
    assert bench.server is not None
    port = bench.server.sockets[0].getsockname()[1]

    async def open_reader_connection() -> ClientConnection:
        return await connect(f"ws://{rt.HOST}:{port}/echo", ping_interval=None, proxy=None)

    reader_ws = bench.loop.run(open_reader_connection(), rt.OP_TIMEOUT)
    try:
        for variant in rt.VARIANTS:  # warm-up
            bench.block(variant, n // 2, deadline)
        log("  loop iterations and CPU per round trip")
        iterations, cpu = _loop_views(bench, n, deadline)
        log("  ablations of Session.call")
        samples, bare, floor = _ablations(bench, reader_ws, n, rounds, deadline)
        log("  micro-costs")
        micro = _micro_costs()
        log("  cProfile of the loop thread")
        profile_text = _profile(bench, n, deadline)
    finally:
        bench.loop.run(reader_ws.close(), rt.OP_TIMEOUT)
    return Diagnosis(
        loop_iterations=iterations,
        cpu_us=cpu,
        ablation_median_us={
            name: statistics.median(values) / 1000 for name, values in samples.items() if values
        },
        bare_median_us=statistics.median(bare) / 1000,
        reader_floor_median_us=statistics.median(floor) / 1000,
        micro_us=micro,
        profile_text=profile_text,
    )
