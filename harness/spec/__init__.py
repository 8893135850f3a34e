"""Facts from the OCPP specifications that the catalog and the simulators share.

One place for each fact, so that a test case and the simulator it is proven against
cannot drift apart: the catalog of every known case and Part 5 feature
(:mod:`harness.spec.catalog`), and the rule registry (:mod:`harness.spec.rules`), which
declares every rule id a verdict can name (requirement ids per version, OCPP-J
framing and transport rules, the harness's own, and families such as
``expect:<Action>``) with a one-line summary, as data under ``harness/spec/rules/``.
"""

from harness.spec.ocpp16_keys import required_keys

__all__ = ["OCPP16_REQUIRED_CORE_KEYS"]

#: OCPP 1.6 §9.1: the configuration keys every charge point has (Core profile)
OCPP16_REQUIRED_CORE_KEYS: tuple[str, ...] = tuple(key.name for key in required_keys({"Core"}))
