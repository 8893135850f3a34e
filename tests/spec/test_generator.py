"""tools/oca_catalog.py regenerates the committed data files byte for byte (when the
OCA documents are at hand), so the data and its generator cannot drift apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


@pytest.mark.skipif(not (SHARED / "oca" / "v201").is_dir(), reason="no OCA documents at ../shared")
def test_generator_reproduces_the_data(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "oca_catalog.py"),
            str(SHARED),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for folder in ("catalog", "features"):
        for made in sorted((tmp_path / folder).glob("*.toml")):
            committed = ROOT / "harness" / "spec" / folder / made.name
            assert made.read_text("utf-8") == committed.read_text("utf-8"), (
                f"{folder}/{made.name} is stale: run python tools/oca_catalog.py"
            )
    assert "2.0.1 Core (errata): charging-station {'C': 119, 'M': 104}" in done.stderr
