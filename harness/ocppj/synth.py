"""Build the smallest payload a schema accepts.

Used for conformant default replies to actions that no test case scripts: the harness
must answer every CALL, and an answer built from the schema is valid by construction
(required fields only, first enum value, minimum lengths and counts).
"""

from __future__ import annotations

from typing import Any

__all__ = ["minimal_instance"]


def minimal_instance(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return minimal_instance(root["definitions"][name], root)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = kind[0]
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal_instance(props[name], root) for name in schema.get("required", [])}
    if kind == "array":
        count = schema.get("minItems", 0)
        return [minimal_instance(schema.get("items", {}), root) for _ in range(count)]
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2025-01-01T00:00:00Z"
        if schema.get("format") == "uri":
            return "http://example.invalid/"
        return "x" * schema.get("minLength", 0)
    if kind == "integer":
        return int(schema.get("minimum", 0))  # 2.1 schemas write minimums as 0.0
    if kind == "number":
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None
