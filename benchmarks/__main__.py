"""``python -m benchmarks``: run the suite, print a table, optionally write JSON.

One command, no arguments needed, well under a minute: so that anyone changing the hot
paths can compare before and after on their own machine. Targets are printed beside the
figures with PASS/MISS; a MISS is reported, never hidden (``--check`` turns it into a
non-zero exit status for CI).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import core_run, frames, roundtrip

#: whole-suite budget; each part stops early (and says so) rather than overrun it
ROUNDTRIP_BUDGET_S = 30.0
DIAGNOSE_BUDGET_S = 25.0


def _versions() -> dict[str, str]:
    names = ("ocpp-harness", "websockets", "jsonschema-rs", "ocpp")
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "?"
    return found


def _environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "packages": _versions(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    """Plain-text columns; numbers right-aligned so magnitudes line up."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(cell).rjust(width) if index in right else str(cell).ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _print_frames(results: list[frames.ThroughputResult], pinning: str) -> None:
    print(
        "\n1. Frame throughput: decode() + validate_payload() of OCPP 2.0.1 CALLs as received\n"
        f"   one thread, {pinning}, best of {results[0].repeats} repeats"
    )
    rows = [
        [
            r.name,
            str(r.size_bytes),
            f"{r.best_fps:,.0f}",
            f"{r.median_fps:,.0f}",
            f"{r.decode_us:.1f}",
            f"{r.validate_us:.1f}",
            f">= {r.target_fps:,.0f}" if r.target_fps else "-",
            r.verdict,
        ]
        for r in results
    ]
    headers = [
        "frame",
        "bytes",
        "frames/s best",
        "frames/s median",
        "decode us",
        "validate us",
        "target",
        "verdict",
    ]
    print(_table(headers, rows, right={1, 2, 3, 4, 5, 6}))


def _print_roundtrip(report: roundtrip.RoundTripReport) -> None:
    print(
        "\n2. Round trip of one CALL on loopback (Heartbeat; CSMS stub answers at once)\n"
        f"   {report.iterations} per variant after {report.warmup} warm-up, "
        f"{report.rounds} interleaved rounds"
        + ("  [TRUNCATED by the time budget]" if report.truncated else "")
    )
    rows = []
    for name in roundtrip.VARIANTS:
        r = report.results[name]
        rows.append(
            [
                name,
                f"{r.median_us:.1f}",
                f"{r.p95_us:.1f}",
                f"{r.p99_us:.1f}",
                f"{r.min_us:.1f}",
                str(len(r.samples_ns)),
            ]
        )
    print(
        _table(
            ["variant", "median us", "p95 us", "p99 us", "min us", "samples"],
            rows,
            right={1, 2, 3, 4, 5},
        )
    )
    print()
    ratio_rows = [
        [
            r.label,
            f"{r.value:.2f}",
            f"<= {r.target:g}" if r.target is not None else "-",
            r.verdict,
        ]
        for r in report.ratios()
    ]
    print(_table(["ratio of medians", "value", "target", "verdict"], ratio_rows, right={1, 2}))


def _print_diagnosis(diagnosis: Any) -> None:
    print("\n3. Diagnosis: where the harness's round trip goes")
    rows = [
        [
            name,
            f"{diagnosis.loop_iterations[name]:.2f}",
            f"{diagnosis.cpu_us[name]:.1f}",
        ]
        for name in roundtrip.VARIANTS
    ]
    print(_table(["variant", "select()/RTT", "process CPU us/RTT"], rows, right={1, 2}))
    print()
    base = diagnosis.ablation_median_us.get("none")
    rows = [["bare async echo", f"{diagnosis.bare_median_us:.1f}", ""]]
    rows.append(
        [
            "bare echo via reader task + future",
            f"{diagnosis.reader_floor_median_us:.1f}",
            "",
        ]
    )
    for name, median in diagnosis.ablation_median_us.items():
        label = "Session.call as is" if name == "none" else f"Session.call without {name}"
        saved = "" if name == "none" or base is None else f"{base - median:+.1f}"
        rows.append([label, f"{median:.1f}", saved])
    print(_table(["ablation (no thread hop)", "median us", "saved us"], rows, right={1, 2}))
    print()
    rows = [[name, f"{cost:.2f}"] for name, cost in diagnosis.micro_us.items()]
    rows.append(["sum", f"{sum(diagnosis.micro_us.values()):.2f}"])
    print(_table(["synchronous piece of one call", "us"], rows, right={1}))
    print("\ncProfile of the loop thread during Session.call (proportions only):")
    print(diagnosis.profile_text.rstrip())


def _print_core_run(result: core_run.CoreRunResult) -> None:
    print(
        "\n4. The OCPP 2.0.1 Core station catalog against the embedded simulated station\n"
        '   ocpp-harness run --profile core -- -m "cs and ocpp201", one subprocess, '
        f"{result.workers} worker(s)"
    )
    counts = ", ".join(f"{n} {verdict}" for verdict, n in sorted(result.counts.items()))
    rows = [
        [
            str(result.cases),
            counts or "-",
            f"{result.wall_s:.1f}",
            f"<= {core_run.TARGET_S:g}",
            result.verdict,
        ]
    ]
    print(_table(["cases", "verdicts", "wall s", "target s", "verdict"], rows, right={0, 2, 3}))
    if result.slowest:
        slow = ", ".join(f"{case} {seconds:.2f} s" for case, seconds in result.slowest)
        print(f"   slowest: {slow}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Benchmarks of ocpp-harness's hot paths."
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write results as JSON")
    parser.add_argument(
        "--only",
        choices=("frames", "roundtrip", "core"),
        help="run one part of the suite; 'core' (not in the default run: it takes up to two "
        "minutes) times the Core station catalog against the embedded simulator",
    )
    parser.add_argument(
        "--iterations",
        type=int,
        default=2000,
        help="timed round trips per variant (default 2000, capped at 20000)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="throughput repeats (default 5)")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="also break the harness round trip down (ablations, loop iterations, cProfile);"
        " needs the round-trip part",
    )
    parser.add_argument("--check", action="store_true", help="exit with status 1 on any MISS")
    args = parser.parse_args(argv)
    iterations = max(4, min(args.iterations, 20_000))
    repeats = max(1, min(args.repeats, 20))

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    env = _environment()
    started = time.perf_counter()
    print(
        f"ocpp-harness benchmarks: Python {env['python']} on {env['platform']}, "
        f"{env['cpus']} CPUs; "
        + ", ".join(f"{name} {version}" for name, version in env["packages"].items())
    )
    output: dict[str, Any] = {"environment": env}
    verdicts: list[str] = []

    if args.only in (None, "frames"):
        log("frame throughput ...")
        results, pinning = frames.run(repeats=repeats, log=log)
        _print_frames(results, pinning)
        output["frames"] = {"pinning": pinning, "results": [r.to_json() for r in results]}
        verdicts += [r.verdict for r in results]

    if args.only in (None, "roundtrip"):
        # One set-up for the round trips and their diagnosis: both then see the same
        # process state (allocator, sockets, loop thread), so their figures add up.
        with roundtrip.Bench() as bench:
            log("round trips ...")
            report = roundtrip.run(
                iterations=iterations, budget_s=ROUNDTRIP_BUDGET_S, log=log, bench=bench
            )
            _print_roundtrip(report)
            output["roundtrip"] = report.to_json()
            verdicts += [r.verdict for r in report.ratios()]
            if args.diagnose:
                from benchmarks import diagnose  # only when asked: it monkeypatches

                log("diagnosis ...")
                diagnosis = diagnose.run(bench, budget_s=DIAGNOSE_BUDGET_S, log=log)
                _print_diagnosis(diagnosis)
                output["diagnosis"] = diagnosis.to_json()

    if args.only == "core":
        result = core_run.run(log=log)
        _print_core_run(result)
        output["core_run"] = result.to_json()
        verdicts.append(result.verdict)

    elapsed = time.perf_counter() - started
    misses = verdicts.count("MISS")
    print(f"\n{len(verdicts) - verdicts.count('-')} targets, {misses} MISS; {elapsed:.1f} s")
    output["elapsed_s"] = round(elapsed, 1)
    if args.json is not None:
        args.json.write_text(json.dumps(output, indent=2) + "\n", encoding="utf-8")
        print(f"JSON written to {args.json}")
    return 1 if args.check and misses else 0


if __name__ == "__main__":
    sys.exit(main())
