"""What a field accepts, read from a route's wire types, to make a 422 say how to fix the request.

An unknown field lists the fields the object has; an unknown enum or literal value lists the
accepted values. The types are the msgspec Structs and annotations the handler declares, so the
hint is always what the route really accepts.
"""

import enum
from collections.abc import Sequence
from typing import Any

import msgspec
from litestar import Request

_ti = msgspec.inspect


def _unwrap(info: _ti.Type) -> list[_ti.Type]:
    """The alternatives of a (possibly optional or union) type, without ``None`` (msgspec leaves
    ``UNSET`` out of unions already)."""
    if isinstance(info, _ti.UnionType):
        return [t for t in info.types if not isinstance(t, _ti.NoneType)]
    return [info]


def _step(info: _ti.Type, part: str | int) -> _ti.Type | None:
    for alternative in _unwrap(info):
        if isinstance(part, int) and isinstance(alternative, _ti.ListType | _ti.SetType | _ti.FrozenSetType):
            return alternative.item_type
        if isinstance(part, str) and isinstance(alternative, _ti.StructType):
            for field in alternative.fields:
                if field.encode_name == part:
                    return field.type
        if isinstance(part, str) and isinstance(alternative, _ti.DictType):
            return alternative.value_type
    return None


def _resolve(annotation: Any, path: Sequence[str | int]) -> _ti.Type | None:
    try:
        info: _ti.Type | None = _ti.type_info(annotation)
    except (TypeError, ValueError):
        return None
    for part in path:
        if info is None:
            return None
        info = _step(info, part)
    return info


def accepted_values(annotation: Any, path: Sequence[str | int]) -> list[str] | None:
    """The values an enum or literal at ``path`` of ``annotation`` accepts, or ``None``."""
    info = _resolve(annotation, path)
    if info is None:
        return None
    for alternative in _unwrap(info):
        if isinstance(alternative, _ti.EnumType):
            return [str(m.value) for m in alternative.cls if isinstance(m, enum.Enum)]
        if isinstance(alternative, _ti.LiteralType):
            return [str(v) for v in alternative.values]
    return None


def known_fields(annotation: Any, path: Sequence[str | int]) -> list[str] | None:
    """The wire names of the fields of the object at ``path`` of ``annotation``, or ``None``."""
    info = _resolve(annotation, path)
    if info is None:
        return None
    for alternative in _unwrap(info):
        if isinstance(alternative, _ti.StructType):
            return [field.encode_name for field in alternative.fields]
    return None


def parameter_annotation(request: Request[Any, Any, Any], source: str, name: str) -> Any:
    """The declared type of the handler's body (``source == "body"``) or of a query, path or
    header parameter by its wire ``name``; ``None`` when unknown."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except AttributeError:
        return None
    if source == "body":
        data = parameters.get("data")
        return data.annotation if data is not None else None
    for key, definition in parameters.items():
        wire = getattr(definition.kwarg_definition, "name", None) or key
        if wire == name:
            return definition.annotation
    return None
