"""Frame throughput: ``decode`` + ``validate_payload`` of received 2.0.1 CALLs.

Every frame a device sends goes through exactly these two calls in ``Session._ingest``
before anything else happens, so their cost bounds how fast a device may talk before the
harness falls behind (a station replaying its offline queue, a full NotifyReport, a
MeterValues flood at one-second sampling on many connectors).

Method: one thread, pinned to one CPU where the OS allows it; ``time.perf_counter`` around
a tight loop of a calibrated, capped number of iterations; best of several repeats (the
best run is the one least disturbed by the rest of the machine, as ``timeit`` argues).
Garbage collection stays enabled, because the harness runs with it enabled too.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks import payloads
from harness.ocppj import Call, OcppVersion, decode, validate_payload

__all__ = ["FrameCase", "ThroughputResult", "cases", "run"]

VERSION = OcppVersion.V201

#: the aim of each timed repeat; long enough to dwarf timer resolution, short enough
#: that the whole suite stays well under a minute
REPEAT_SECONDS = 0.15
#: hard bounds of one repeat, whatever the calibration says
MIN_ITERATIONS = 200
MAX_ITERATIONS = 200_000
#: calibration doubles the count at most this often
MAX_CALIBRATION_STEPS = 20


@dataclass(frozen=True)
class FrameCase:
    """One received frame to benchmark, with the throughput it must reach (if any)."""

    name: str
    action: str
    text: str
    target_fps: float | None


@dataclass
class ThroughputResult:
    """What one frame case measured; rates are frames per second."""

    name: str
    action: str
    size_bytes: int
    iterations: int
    repeats: int
    best_fps: float
    median_fps: float
    decode_us: float
    validate_us: float
    target_fps: float | None

    @property
    def verdict(self) -> str:
        if self.target_fps is None:
            return "-"
        return "PASS" if self.best_fps >= self.target_fps else "MISS"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "action": self.action,
            "size_bytes": self.size_bytes,
            "iterations_per_repeat": self.iterations,
            "repeats": self.repeats,
            "best_frames_per_s": round(self.best_fps),
            "median_frames_per_s": round(self.median_fps),
            "decode_us_per_frame": round(self.decode_us, 3),
            "validate_us_per_frame": round(self.validate_us, 3),
            "target_frames_per_s": self.target_fps,
            "verdict": self.verdict,
        }


def cases() -> list[FrameCase]:
    """The frames of the suite; message ids are UUIDs, as most stations send them."""
    return [
        FrameCase(
            "BootNotification",
            "BootNotification",
            payloads.frame_text(
                "0f6d2f6e-5d4b-4a0e-9b8e-2c3f1a7d9e01",
                "BootNotification",
                payloads.boot_notification(),
            ),
            100_000,
        ),
        FrameCase(
            "MeterValues (10 samples)",
            "MeterValues",
            payloads.frame_text(
                "7c1e4b52-93a8-4f0d-8d21-6b5f0e3c2a94", "MeterValues", payloads.meter_values()
            ),
            30_000,
        ),
        FrameCase(
            "NotifyReport (20 entries)",
            "NotifyReport",
            payloads.frame_text(
                "c3a9e7d0-1f52-4b68-a4c7-95e2d8b1f036", "NotifyReport", payloads.notify_report()
            ),
            None,
        ),
    ]


def check_valid(case: FrameCase) -> None:
    """Fail loudly unless the frame decodes to a CALL with a schema-valid payload.

    A benchmark of the failure path (building violation objects) would measure something
    the harness does rarely; this makes sure we time the success path.
    """
    frame = decode(case.text, VERSION)
    if not isinstance(frame, Call) or frame.action != case.action:
        raise AssertionError(f"{case.name}: does not decode to a {case.action} CALL: {frame}")
    problems = validate_payload(VERSION, case.action, frame.payload, response=False)
    if problems:
        raise AssertionError(f"{case.name}: payload is not schema-valid: {problems[0]}")


def _loop_both(text: str, action: str, n: int) -> float:
    """n x (decode + validate) as the session does it; returns seconds."""
    version = VERSION
    start = time.perf_counter()
    for _ in range(n):
        frame = decode(text, version)
        validate_payload(version, action, frame.payload, response=False)
    return time.perf_counter() - start


def _loop_decode(text: str, action: str, n: int) -> float:
    version = VERSION
    start = time.perf_counter()
    for _ in range(n):
        decode(text, version)
    return time.perf_counter() - start


def _loop_validate(text: str, action: str, n: int) -> float:
    version = VERSION
    payload = decode(text, version).payload
    start = time.perf_counter()
    for _ in range(n):
        validate_payload(version, action, payload, response=False)
    return time.perf_counter() - start


def _calibrate(loop: Callable[[str, str, int], float], case: FrameCase) -> int:
    """Iterations that make one repeat last about REPEAT_SECONDS (within the caps)."""
    n = MIN_ITERATIONS
    for _ in range(MAX_CALIBRATION_STEPS):
        elapsed = loop(case.text, case.action, n)
        if elapsed >= REPEAT_SECONDS / 4 or n >= MAX_ITERATIONS:
            break
        n *= 2
    per_frame = max(elapsed / n, 1e-9)
    return max(MIN_ITERATIONS, min(MAX_ITERATIONS, int(REPEAT_SECONDS / per_frame)))


def _best_seconds_per_frame(
    loop: Callable[[str, str, int], float], case: FrameCase, n: int, repeats: int
) -> list[float]:
    return [loop(case.text, case.action, n) / n for _ in range(repeats)]


@contextlib.contextmanager
def _one_cpu() -> Iterator[str]:
    """Pin this process to the CPU it runs on, so the figure is a one-core figure.

    Restored afterwards: the round-trip benchmark needs the loop thread free to run
    elsewhere, as it does in a real harness run.
    """
    if not hasattr(os, "sched_setaffinity"):
        yield "not pinned (no sched_setaffinity)"
        return
    previous = os.sched_getaffinity(0)
    cpu = min(previous)
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        yield f"not pinned ({exc})"
        return
    try:
        yield f"pinned to CPU {cpu}"
    finally:
        os.sched_setaffinity(0, previous)


def run(repeats: int = 5, log: Callable[[str], None] = print) -> tuple[list[ThroughputResult], str]:
    """Benchmark every case; returns the results and how the process was pinned."""
    results = []
    with _one_cpu() as pinning:
        for case in cases():
            check_valid(case)  # also compiles the validator, outside the timing
            n = _calibrate(_loop_both, case)
            log(f"  {case.name}: {n} frames x {repeats} repeats")
            both = _best_seconds_per_frame(_loop_both, case, n, repeats)
            dec = _best_seconds_per_frame(_loop_decode, case, n, max(2, repeats // 2))
            val = _best_seconds_per_frame(_loop_validate, case, n, max(2, repeats // 2))
            results.append(
                ThroughputResult(
                    name=case.name,
                    action=case.action,
                    size_bytes=len(case.text.encode("utf-8")),
                    iterations=n,
                    repeats=repeats,
                    best_fps=1 / min(both),
                    median_fps=1 / statistics.median(both),
                    decode_us=min(dec) * 1e6,
                    validate_us=min(val) * 1e6,
                    target_fps=case.target_fps,
                )
            )
    return results, pinning
