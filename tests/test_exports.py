"""The public surface is a contract: what test-case authors import from ``harness``."""

import harness
import harness.ocppj


def test_harness_exports_exactly_the_public_names():
    assert sorted(harness.__all__) == [
        "ANY",
        "DutFailure",
        "HarnessError",
        "__version__",
        "testcase",
    ]
    for name in harness.__all__:
        assert hasattr(harness, name)


def test_ocppj_exports_resolve():
    for name in harness.ocppj.__all__:
        assert getattr(harness.ocppj, name) is not None
