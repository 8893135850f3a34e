"""OCPP test-case catalog."""
