"""Fixtures of the engine self-tests; the benches themselves are in ``bench.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.loop import BackgroundLoop
from harness.ocppj import OcppVersion
from tests.engine.bench import CHATTY, CsmsBench, StationBench, settle_boot


@pytest.fixture
def loop() -> Iterator[BackgroundLoop]:
    background = BackgroundLoop()
    yield background
    background.close()


@pytest.fixture
def make_csms_bench(loop: BackgroundLoop) -> Iterator[Callable[..., CsmsBench]]:
    """``make_csms_bench(version="2.0.1", **options)``: a bench, closed at teardown."""
    benches: list[CsmsBench] = []

    def make(version: str = "2.0.1", **options: Any) -> CsmsBench:
        bench = CsmsBench(loop, OcppVersion.parse(version), **options)
        benches.append(bench)
        return bench

    yield make
    for bench in reversed(benches):
        bench.close()


@pytest.fixture
def make_station_bench(loop: BackgroundLoop) -> Iterator[Callable[..., StationBench]]:
    benches: list[StationBench] = []

    def make(version: str = "2.0.1", **options: Any) -> StationBench:
        bench = StationBench(loop, OcppVersion.parse(version), **options)
        benches.append(bench)
        return bench

    yield make
    for bench in reversed(benches):
        bench.close()


@pytest.fixture
def booted(make_csms_bench: Callable[..., CsmsBench]) -> CsmsBench:
    """A 2.0.1 station, booted and settled; no Heartbeat comes for 15 s."""
    return settle_boot(make_csms_bench())


@pytest.fixture
def chatty(make_csms_bench: Callable[..., CsmsBench]) -> CsmsBench:
    """A 2.0.1 station, booted with interval 1: a Heartbeat every 50 ms."""
    return settle_boot(make_csms_bench(heartbeat=CHATTY))
