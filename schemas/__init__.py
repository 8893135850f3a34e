"""Bundled JSON schemas of ocpp-harness (shipped in the wheel as harness.schemas_data)."""
