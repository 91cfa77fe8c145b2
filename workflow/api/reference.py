"""The reference page's content, read from the OpenAPI document: the operations by tag, each
with its parameters and answers, and every schema as a table of its fields. Plain data for a
template (templates/api/reference.html); nothing here knows an operation by name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REF = "#/components/schemas/"


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str
    link: str | None = None  # the schema it refers to


@dataclass
class Parameter:
    name: str
    where: str
    type: str
    required: bool
    description: str
    default: Any = None


@dataclass
class Answer:
    status: str
    description: str
    media: list[tuple[str, str, list[str]]]  # (media type, description, schemas it refers to)


@dataclass
class Op:
    id: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    answers: list[Answer]


@dataclass
class Tag:
    name: str
    description: str
    operations: list[Op] = field(default_factory=list)


@dataclass
class Reference:
    title: str
    version: str
    description: str
    server: str
    tags: list[Tag]
    schemas: dict[str, list[Field]]


def type_of(schema: dict[str, Any]) -> tuple[str, str | None]:
    """A schema's type as a short text, and the component it refers to (if any)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF)
        return name, name
    if "oneOf" in schema:
        parts = [type_of(s) for s in schema["oneOf"]]
        return " | ".join(p[0] for p in parts), next((p[1] for p in parts if p[1]), None)
    kind = schema.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    names = []
    link = None
    for k in kinds:
        if k == "array":
            inner, link = type_of(schema.get("items", {}))
            names.append(f"array[{inner}]")
        elif k == "object" and isinstance(schema.get("additionalProperties"), dict):
            inner, link = type_of(schema["additionalProperties"])
            names.append(f"object{{string: {inner}}}")
        else:
            names.append(k)
    text = " | ".join(names)
    if "enum" in schema:
        text += ": " + ", ".join(str(e) for e in schema["enum"])
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("pattern"):
        text += f" /{schema['pattern']}/"
    return text, link


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        text, link = type_of(prop)
        out.append(Field(name, text, name in required, prop.get("description", ""), link))
    return out


def _refs(schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        return [schema["$ref"].removeprefix(REF)]
    return [r for s in schema.get("oneOf", ()) for r in _refs(s)]


def view(document: dict[str, Any]) -> Reference:
    info = document["info"]
    tags = {t["name"]: Tag(t["name"], t.get("description", "")) for t in document.get("tags", [])}
    for path, item in document["paths"].items():
        for method, op in item.items():
            parameters = []
            for p in op.get("parameters", []):
                text, _link = type_of(p.get("schema", {}))
                parameters.append(Parameter(p["name"], p["in"], text, p.get("required", False),
                                            p.get("description", ""), p.get("schema", {}).get("default")))
            answers = [Answer(status, answer.get("description", ""),
                              [(media, body.get("schema", {}).get("description", ""),
                                _refs(body.get("schema", {})))
                               for media, body in answer.get("content", {}).items()])
                       for status, answer in op.get("responses", {}).items()]
            tag = tags.setdefault(op["tags"][0], Tag(op["tags"][0], ""))
            tag.operations.append(Op(op["operationId"], method.upper(), path, op.get("summary", ""),
                                     op.get("description", ""), parameters, answers))
    components = document.get("components", {}).get("schemas", {})
    return Reference(info["title"], info["version"], info.get("description", ""),
                     document.get("servers", [{"url": ""}])[0]["url"], list(tags.values()),
                     {name: _fields(schema) for name, schema in sorted(components.items())})
