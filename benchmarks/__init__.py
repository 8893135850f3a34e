"""Benchmarks of the harness's hot paths; run them with ``python -m benchmarks``.

Two questions matter for a compliance harness: can it check every frame a busy device
sends without falling behind (frame throughput), and does it add so little latency to a
CALL that timing-sensitive test cases measure the device, not the harness (round trip).
See ``benchmarks/README.md`` for how to read the output.
"""
