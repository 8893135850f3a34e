"""ocpp-harness: an OCPP-J compliance and interoperability test harness (pytest plugin)."""

__version__ = "0.1.0"
