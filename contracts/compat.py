"""What counts as a breaking change to a published v1 event schema.

Consumers written against the checked-in schema must keep working: so no field may go away,
no field may change its type, and no new field may become required. Optional fields may be
added freely.
"""

import json
from typing import Any

Schema = dict[str, Any]


def _shape(prop: Schema) -> str:
    """The part of a property schema that a consumer's parser depends on."""
    keys = ("type", "$ref", "anyOf", "allOf", "oneOf", "items", "enum", "const", "format")
    return json.dumps({k: prop[k] for k in keys if k in prop}, sort_keys=True)


def _object_changes(where: str, old: Schema, new: Schema) -> list[str]:
    problems: list[str] = []
    old_props: Schema = old.get("properties", {})
    new_props: Schema = new.get("properties", {})
    for field, old_prop in old_props.items():
        if field not in new_props:
            problems.append(f"{where}: field {field!r} removed")
        elif _shape(old_prop) != _shape(new_props[field]):
            problems.append(f"{where}: field {field!r} changed type")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    for field in sorted(added_required):
        problems.append(f"{where}: field {field!r} became required")
    return problems


def breaking_changes(name: str, old: Schema, new: Schema) -> list[str]:
    """Every breaking difference between two JSON Schemas of one event."""
    problems = _object_changes(name, old, new)
    old_defs: Schema = old.get("$defs", {})
    new_defs: Schema = new.get("$defs", {})
    for def_name, old_def in old_defs.items():
        if def_name not in new_defs:
            problems.append(f"{name}: definition {def_name!r} removed")
        else:
            problems += _object_changes(f"{name}#{def_name}", old_def, new_defs[def_name])
    return problems
