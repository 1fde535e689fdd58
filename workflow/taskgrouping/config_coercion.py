"""Values given with `snakemake --config` typed as the schema says.

Snakemake hands list items and nested values of `--config` over as strings:
`--config budgets='[2,3,4]'` arrives as ['2', '3', '4'] and `experiment: null` inside
`mlflow='{...}'` as 'null'. Before validation every string that sits where the schema
wants no string is read as YAML (so '2' is 2, 'true' is True, '0.5' is 0.5), kept only if
it then has a type the schema allows; 'null' (and '~') is None wherever the schema allows
null, also where it allows strings, so the README's `experiment: null` means the default
experiment, not one named "null". Anything else is left for validation to report.
"""

from __future__ import annotations

from typing import Any

import yaml

TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict,
    "null": type(None)}
NULLS = ("null", "~", "Null", "NULL")


def _resolved(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """`schema` with a local `$ref` (#/$defs/...) followed."""
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _allowed(schema: dict[str, Any]) -> list[str]:
    types = schema.get("type", [])
    return [types] if isinstance(types, str) else list(types)


def _has_type(value: Any, types: list[str]) -> bool:
    if isinstance(value, bool) and "boolean" not in types:
        return False
    return any(name in TYPES and isinstance(value, TYPES[name]) for name in types)


def _scalar(value: str, schema: dict[str, Any]) -> Any:
    types = _allowed(schema)
    if value in NULLS and "null" in types:
        return None
    if not types or "string" in types:
        return value
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    return parsed if _has_type(parsed, types) else value


def coerce(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """`value` with its strings typed where `schema` (a node of `root`) wants a non-string."""
    schema = _resolved(schema, root)
    if isinstance(value, str):
        return _scalar(value, schema)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [coerce(item, schema["items"], root) for item in value]
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        return {key: coerce(item, properties[key], root) if key in properties
                else coerce(item, extra, root) if isinstance(extra, dict) else item
                for key, item in value.items()}
    return value


def coerce_config(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Type `config`'s strings in place by `schema` (the whole config schema)."""
    config.update(coerce(config, schema, schema))
