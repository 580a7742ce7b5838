"""JSON Schema of every message's data, generated from the contracts and committed.

    uv run python -m jeugdketen_shared.schemas          # write shared/schemas/*.json

Tests fail when a committed schema is stale, and when a contract changed in a way that breaks
who relies on the committed version: for a domain event its consumers (a field removed or
retyped), for an inbound message the partners publishing it (a field removed or retyped, or a
new required field). A breaking change gets a new type with a version suffix (`.v2`) instead.

    uv run python -m jeugdketen_shared.schemas --accept-breaking

writes a breaking change anyway. Only for a narrowing of an inbound field that refuses what no
partner can have meant (a capacity of 10^20 places): say why in the commit and in the docs.
"""

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import ALL_CONTRACTS, InboundMessage

SCHEMA_FOLDER = Path(__file__).resolve().parents[2] / "schemas"
ENVELOPE_FILE = "cloudevent.json"


def generated_schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema, for the envelope and the data of every CloudEvent type."""
    schemas = {ENVELOPE_FILE: _schema(CloudEvent, "The envelope of every message (NL GOV)")}
    for contract in ALL_CONTRACTS:
        schemas[f"{contract.cloudevent_type}.json"] = _schema(contract, None)
    return schemas


def _schema(model: type[BaseModel], title: str | None) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    if title:
        schema["description"] = title
    return schema


def committed_schemas() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in SCHEMA_FOLDER.glob("*.json")}


def is_inbound(file_name: str) -> bool:
    return any(
        f"{contract.cloudevent_type}.json" == file_name and issubclass(contract, InboundMessage)
        for contract in ALL_CONTRACTS
    )


def breaking_changes(old: dict[str, Any], new: dict[str, Any], *, inbound: bool) -> list[str]:
    """What in `new` breaks a party that relies on `old`."""
    problems = []
    old_fields, new_fields = _fields(old), _fields(new)
    for name, old_type in old_fields.items():
        if name not in new_fields:
            problems.append(f"field {name!r} removed")
        elif new_fields[name] != old_type and not (
            inbound and _only_widened(old_type, new_fields[name])
        ):
            problems.append(f"field {name!r} retyped from {old_type} to {new_fields[name]}")
    if inbound:
        newly_required = set(new.get("required", ())) - set(old.get("required", ()))
        problems.extend(f"field {name!r} newly required" for name in sorted(newly_required))
    return problems


def _only_widened(old_type: str, new_type: str) -> bool:
    """An enumeration that only gained values: every message valid before still is, so no
    partner breaks (a consumer of events may meet a value it does not know)."""
    old, new = json.loads(old_type), json.loads(new_type)
    if "enum" not in old or "enum" not in new:
        return False
    rest = {k: v for k, v in old.items() if k != "enum"}
    return rest == {k: v for k, v in new.items() if k != "enum"} and set(old["enum"]) <= set(
        new["enum"]
    )


def _fields(schema: dict[str, Any]) -> dict[str, str]:
    """Each property's type, with references resolved, as comparable canonical JSON."""
    definitions = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[1]])
            return {
                key: resolve(value)
                for key, value in node.items()
                if key not in {"description", "examples", "title", "default"}
            }
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    def flattened(properties: dict[str, Any], prefix: str) -> dict[str, str]:
        # an object's own fields are compared one by one (`original.truncated`), so that an
        # optional field added inside it breaks no one, as at the top
        fields: dict[str, str] = {}
        for name, prop in properties.items():
            resolved = resolve(prop)
            if resolved.get("type") == "object" and "properties" in resolved:
                fields |= flattened(resolved["properties"], f"{prefix}{name}.")
            else:
                fields[prefix + name] = json.dumps(resolved, sort_keys=True)
        return fields

    return flattened(schema.get("properties", {}), "")


def write(*, accept_breaking: bool = False) -> None:
    SCHEMA_FOLDER.mkdir(exist_ok=True)
    committed = committed_schemas()
    for file_name, schema in generated_schemas().items():
        if file_name in committed:
            breaks = breaking_changes(committed[file_name], schema, inbound=is_inbound(file_name))
            if breaks and accept_breaking:
                print(f"{file_name}: breaking change accepted ({'; '.join(breaks)})")
            elif breaks:
                sys.exit(f"{file_name}: breaking change ({'; '.join(breaks)}); add a .v2 type")
        (SCHEMA_FOLDER / file_name).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    write(accept_breaking="--accept-breaking" in sys.argv[1:])
