"""Facts from the OCPP specifications that the catalog and the simulators share.

One place for each fact, so that a test case and the simulator it is proven against
cannot drift apart.
"""

from harness.spec.ocpp16_keys import required_keys

__all__ = ["OCPP16_REQUIRED_CORE_KEYS"]

#: OCPP 1.6 §9.1: the configuration keys every charge point has (Core profile)
OCPP16_REQUIRED_CORE_KEYS: tuple[str, ...] = tuple(key.name for key in required_keys({"Core"}))
