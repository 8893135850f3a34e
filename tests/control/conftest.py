"""Each test meets its control services afresh: what a service said of itself at an
earlier test's port (describe, once per run) must not stick to a new one there."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from harness.control.http import forget_descriptions


@pytest.fixture(autouse=True)
def _fresh_descriptions() -> Iterator[None]:
    forget_descriptions()
    yield
    forget_descriptions()


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A loopback port that refuses connections: bound (so nobody else gets it), no listen."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/control"


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    """A pseudo-terminal: (master fd, slave path). The slave fd stays open meanwhile."""
    master, slave = os.openpty()
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)
