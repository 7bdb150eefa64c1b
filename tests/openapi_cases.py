"""Requests built from PRM's own OpenAPI document, for the suites that probe every operation.

:func:`operations` lists every operation with its parameters and resolved request-body schema;
:func:`valid_value` makes a plausible value for a schema (every optional property filled, so that
each string field of a body exists to be mutated); :func:`body_fields` walks a body schema to its
string, integer and date fields. Nothing here knows a particular route: a new operation is covered
the day it appears in the schema.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

JsonSchema = dict[str, Any]
Path = tuple[str | int, ...]

METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path" or "query"
    schema: JsonSchema
    required: bool


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body: JsonSchema | None
    public: bool

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


class Resolver:
    """Resolves ``$ref`` (local ``#/components/...`` only) and flattens ``oneOf``/``anyOf`` to
    their first non-null alternative."""

    def __init__(self, document: JsonSchema) -> None:
        self.document = document

    def __call__(self, node: JsonSchema) -> JsonSchema:
        seen = 0
        while "$ref" in node and seen < 20:
            target: Any = self.document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
            seen += 1
        for key in ("oneOf", "anyOf"):
            if key in node:
                choices = [self(c) for c in node[key]]
                concrete = [c for c in choices if c.get("type") != "null"]
                return concrete[0] if concrete else choices[0]
        return node


def operations(document: JsonSchema) -> list[Operation]:
    """Every operation of the document, reads first and deletes last."""
    resolve = Resolver(document)
    found: list[Operation] = []
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            if method not in METHOD_ORDER:
                continue
            parameters = tuple(
                Parameter(p["name"], p["in"], resolve(p.get("schema", {})), bool(p.get("required")))
                for p in (resolve(p) for p in op.get("parameters", []))
                if p["in"] in {"path", "query"}
            )
            body = None
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                body = resolve(content["application/json"].get("schema", {}))
            found.append(Operation(method, path, parameters, body, op.get("security") == []))
    return sorted(found, key=lambda o: (METHOD_ORDER[o.method], o.path))


def kind_of(schema: JsonSchema) -> str:
    """``string``, ``date``, ``date-time``, ``uuid``, ``integer``, ``number``, ``boolean``,
    ``array``, ``object`` or ``other``."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "other")
    if kind == "string" and schema.get("format") in {"date", "date-time", "uuid"}:
        return str(schema["format"])
    if kind is None and "properties" in schema:
        return "object"
    return str(kind) if kind else "other"


def valid_value(schema: JsonSchema, resolve: Resolver, name: str = "", depth: int = 0) -> Any:
    """A value the schema accepts (best effort: lengths, minima, enums, formats)."""
    schema = resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("examples"):
        return schema["examples"][0]
    kind = kind_of(schema)
    if kind == "object":
        if depth > 4:
            return {}
        return {
            key: valid_value(prop, resolve, key, depth + 1)
            for key, prop in schema.get("properties", {}).items()
            if key not in {"tenant_id", "version"}
        }
    if kind == "array":
        items = schema.get("items", {})
        return [] if depth > 4 else [valid_value(items, resolve, name, depth + 1)]
    if kind == "date":
        return "2030-01-15"
    if kind == "date-time":
        return "2030-01-15T10:00:00Z"
    if kind == "uuid":
        return str(uuid4())
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1) if "maximum" not in schema else int(schema["maximum"])
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string":
        if schema.get("format") == "email" or "email" in name:
            return "someone@example.org"
        length = max(int(schema.get("minLength", 1)), 3)
        return "abc"[:length] if length <= 3 else "a" * length
    return None


def body_fields(schema: JsonSchema, resolve: Resolver, prefix: Path = (), depth: int = 0) -> Iterator[tuple[Path, str]]:
    """``(path, kind)`` of every scalar field of a body schema, arrays entered at index 0."""
    schema = resolve(schema)
    kind = kind_of(schema)
    if depth > 4:
        return
    if kind == "object":
        for key, prop in schema.get("properties", {}).items():
            yield from body_fields(prop, resolve, (*prefix, key), depth + 1)
    elif kind == "array":
        yield from body_fields(schema.get("items", {}), resolve, (*prefix, 0), depth + 1)
    elif prefix:
        yield prefix, kind


def with_value(document: Any, path: Path, value: Any) -> Any:
    """A copy of ``document`` with ``value`` at ``path`` (containers created as needed)."""
    if not path:
        return value
    head, *rest = path
    if isinstance(head, int):
        items = list(document) if isinstance(document, list) else []
        while len(items) <= head:
            items.append({})
        items[head] = with_value(items[head], tuple(rest), value)
        return items
    copy = dict(document) if isinstance(document, dict) else {}
    copy[head] = with_value(copy.get(head, {}), tuple(rest), value)
    return copy
