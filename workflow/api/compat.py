"""Does a new OpenAPI document break clients of the old one? The rule of /api/v1: additions
only. Pure: two documents in, a list of breaking changes out (empty: compatible).

Breaking, for a client written against the old document:
- a path or an operation removed;
- a parameter removed, a parameter newly required (a new optional one is fine), a
  parameter's type narrowed (a type, an enum value or a format it accepted is gone);
- an answer's status or media type removed;
- in a response body: a field removed, a field no longer always present, a field's type
  changed or widened (e.g. now nullable: a client that never saw null breaks on it), an
  object becoming something else.
Additions (paths, operations, optional parameters, wider parameter types, answers, fields,
enum values in responses) pass. Descriptions and examples are never compared.
"""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 50:
        schema = document.get("components", {}).get("schemas", {}).get(schema["$ref"].removeprefix(REF), {})
        seen += 1
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if kind is None:
        if "oneOf" in schema or "anyOf" in schema:
            return {"oneOf"}
        return {"object"} if "properties" in schema else {"any"}
    return set(kind) if isinstance(kind, list) else {kind}


def _parameter_changes(where: str, old: dict[str, Any], new: dict[str, Any], old_doc: dict[str, Any],
                       new_doc: dict[str, Any]) -> list[str]:
    out: list[str] = []
    old_params = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
    new_params = {(p["in"], p["name"]): p for p in new.get("parameters", [])}
    for key, param in old_params.items():
        name = f"{where}: parameter {key[1]} ({key[0]})"
        if key not in new_params:
            out.append(f"{name} removed")
            continue
        other = new_params[key]
        if other.get("required") and not param.get("required"):
            out.append(f"{name} is now required")
        out += _accepts(name, _resolve(old_doc, param.get("schema", {})),
                        _resolve(new_doc, other.get("schema", {})), old_doc, new_doc)
    for key, param in new_params.items():
        if key not in old_params and param.get("required"):
            out.append(f"{where}: new required parameter {key[1]} ({key[0]})")
    return out


def _accepts(name: str, old: dict[str, Any], new: dict[str, Any], old_doc: dict[str, Any],
             new_doc: dict[str, Any]) -> list[str]:
    """A parameter must accept at least what it accepted."""
    out: list[str] = []
    lost = _types(old) - _types(new)
    if lost and "any" not in _types(new):
        out.append(f"{name}: type {sorted(_types(old))} became {sorted(_types(new))}")
    if "enum" in new:
        gone = set(map(str, old.get("enum", ()))) - set(map(str, new["enum"]))
        if "enum" not in old or gone:
            out.append(f"{name}: no longer accepts {sorted(gone) if gone else 'any value'}")
    if new.get("format") != old.get("format") and new.get("format"):
        out.append(f"{name}: format {old.get('format')} became {new.get('format')}")
    if new.get("pattern") and new.get("pattern") != old.get("pattern"):
        out.append(f"{name}: pattern {old.get('pattern')} became {new.get('pattern')}")
    if "array" in _types(old) and "array" in _types(new):
        out += _accepts(name + "[]", _resolve(old_doc, old.get("items", {})),
                        _resolve(new_doc, new.get("items", {})), old_doc, new_doc)
    return out


def _gives(name: str, old: dict[str, Any], new: dict[str, Any], old_doc: dict[str, Any],
           new_doc: dict[str, Any], depth: int = 0) -> list[str]:
    """A response body must give at least what it gave, in the types it had."""
    if depth > 20:
        return []
    old, new = _resolve(old_doc, old), _resolve(new_doc, new)
    out: list[str] = []
    old_types, new_types = _types(old), _types(new)
    if "oneOf" in old_types or "oneOf" in new_types:
        old_options = old.get("oneOf", old.get("anyOf", [old]))
        new_options = new.get("oneOf", new.get("anyOf", [new]))
        for n, option in enumerate(old_options):
            if n >= len(new_options):
                out.append(f"{name}: alternative {n + 1} removed")
            else:
                out += _gives(f"{name}<{n + 1}>", option, new_options[n], old_doc, new_doc, depth + 1)
        return out
    if not new_types <= old_types and "any" not in old_types:
        out.append(f"{name}: type {sorted(old_types)} became {sorted(new_types)}")
        return out
    if "object" in old_types:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        new_required = set(new.get("required", ()))
        for field, schema in old_props.items():
            where = f"{name}.{field}"
            if field not in new_props:
                out.append(f"{where} removed")
                continue
            if field in old.get("required", ()) and field not in new_required:
                out.append(f"{where} is no longer always present")
            out += _gives(where, schema, new_props[field], old_doc, new_doc, depth + 1)
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            out += _gives(name + "{}", old_extra, new_extra, old_doc, new_doc, depth + 1)
    if "array" in old_types and "array" in new_types:
        out += _gives(name + "[]", old.get("items", {}), new.get("items", {}), old_doc, new_doc, depth + 1)
    return out


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in `new` breaks a client of `old` (empty when nothing does)."""
    out: list[str] = []
    if old.get("servers") != new.get("servers"):
        out.append(f"servers {old.get('servers')} became {new.get('servers')}")
    for path, item in old.get("paths", {}).items():
        if path not in new.get("paths", {}):
            out.append(f"{path}: path removed")
            continue
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            other = new["paths"][path].get(method)
            if other is None:
                out.append(f"{where}: operation removed")
                continue
            if other.get("operationId") != op.get("operationId"):
                out.append(f"{where}: operationId {op.get('operationId')} became {other.get('operationId')}")
            out += _parameter_changes(where, op, other, old, new)
            for status, answer in op.get("responses", {}).items():
                new_answer = other.get("responses", {}).get(status)
                if new_answer is None:
                    out.append(f"{where}: answer {status} removed")
                    continue
                for media, body in answer.get("content", {}).items():
                    new_body = new_answer.get("content", {}).get(media)
                    if new_body is None:
                        out.append(f"{where}: {status} {media} removed")
                        continue
                    out += _gives(f"{where} {status} {media}", body.get("schema", {}),
                                  new_body.get("schema", {}), old, new)
                for header in answer.get("headers", {}):
                    if header not in new_answer.get("headers", {}):
                        out.append(f"{where}: {status} header {header} removed")
    return out
