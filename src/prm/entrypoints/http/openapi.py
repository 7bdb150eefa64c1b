"""The OpenAPI document and the interactive docs, which work with no network.

- ``/api/v1/prm/docs``: Swagger UI, its scripts and styles served from the ``swagger-ui-py``
  package (``/api/v1/prm/docs/assets/...``), never from a CDN; ``/api/v1/prm/docs/openapi.json``:
  the OpenAPI 3.1 document. The docs' own routes are not part of it.
- ``info.version`` is the installed package's version; every operation has an ``operationId``
  (the handler's name in lowerCamelCase, e.g. ``listPatients``).
- :func:`finalize_document` makes the document say exactly what the API accepts and answers:

  - the schemas of our msgspec Structs are msgspec's own (:func:`msgspec.json.schema_components`),
    so every constraint the decoder enforces is in the document (lengths of list items, patterns,
    ``additionalProperties: false`` for bodies that refuse unknown fields), which Litestar's
    generator leaves out;
  - strings carry the input policy's rule as a ``pattern`` (no control characters but tab and
    new lines in bodies, none at all in parameters and keys; :mod:`prm.entrypoints.http.input_policy`;
    imports keep the same rule, so stored text, and so every answer, holds to it too); free-form
    objects are ``FreeFormJson``;
  - every operation declares 400 (malformed JSON, invalid UTF-8, nesting too deep) and 422
    (validation, control characters), protected ones 401 and 403, those with a body 413, all as
    ``application/problem+json`` (RFC 9457) with the ``Problem`` schema (the FHIR routes: an
    ``OperationOutcome`` as ``application/fhir+json``, which they declare themselves);
  - the main request bodies carry a complete example (:mod:`prm.entrypoints.http.examples`).
"""

import copy
import enum
import importlib.metadata
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any, get_args

import msgspec
from litestar import Litestar, Router
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.types import Method

from prm.entrypoints.http.examples import REQUEST_EXAMPLES
from prm.entrypoints.http.fhir_schemas import FHIR_JSON
from prm.entrypoints.http.hl7 import HL7_ACK_CONTENT, HL7_MESSAGES_PATH, HL7_REQUEST_CONTENT
from prm.entrypoints.http.patients_export import EXPORT_CONTENT, EXPORT_PATH
from prm.entrypoints.http.problems import PROBLEM_JSON
from prm.entrypoints.http.security import SECURITY_COMPONENTS

DESCRIPTION = """\
PRM, patient relationship management for clinics and hospitals: patients and practitioners
(FHIR R4 terms), appointments with availability, booking, waitlist and calendars, users, roles,
API keys and the audit trail.

Authenticate with `POST /api/v1/prm/auth/login` and send `Authorization: Bearer <access>`, or send
an integration's `X-API-Key`. Each operation names the permission it needs. Lists answer the
envelope `{items, total, page, page_size, has_next, has_previous}`. Errors are RFC 9457 problem
details (`application/problem+json`) with a stable `code`; a 422 lists the bad fields as
`errors: [{loc, msg, type}]`. Text may not hold control characters (tab and new lines are allowed
in body text).
"""

TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"
"""Body strings: any character but the C0 controls other than tab, line feed and carriage return."""
PARAMETER_PATTERN = "^[^\\u0000-\\u001f\\u007f]*$"
"""Path, query and header parameters and object keys: no control character at all."""

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_ANSWERS: dict[str, str] = {
    "400": "Malformed request: the body is not JSON, not UTF-8, or nested too deeply",
    "401": "No valid credentials (`WWW-Authenticate: Bearer`)",
    "403": "The caller lacks the permission, or the action would exceed its own rights",
    "413": "The request body is larger than `PRM_MAX_BODY_BYTES`",
    "422": "A field or parameter is invalid; `errors` names each one",
}
_REF = "#/components/schemas/"


def package_version() -> str:
    try:
        return importlib.metadata.version("prm")
    except importlib.metadata.PackageNotFoundError:  # a source tree that is not installed
        return "0.0.0"


def _operation_id(handler: HTTPRouteHandler, _method: Method, _path: list[str | Any]) -> str:
    head, *rest = handler.handler_name.strip("_").split("_")
    return head + "".join(part.capitalize() for part in rest)


def openapi_config(prefix: str) -> OpenAPIConfig:
    """The document's configuration, with the docs under ``{prefix}/docs``."""
    assets = f"{prefix}/docs/assets"
    return OpenAPIConfig(
        title="PRM API",
        version=package_version(),
        description=DESCRIPTION,
        components=SECURITY_COMPONENTS,
        operation_id_creator=_operation_id,
        openapi_router=Router(f"{prefix}/docs", route_handlers=[], opt={"public": True}, include_in_schema=False),
        render_plugins=[
            SwaggerRenderPlugin(
                path="/",
                js_url=f"{assets}/swagger-ui-bundle.js",
                css_url=f"{assets}/swagger-ui.css",
                standalone_preset_js_url=f"{assets}/swagger-ui-standalone-preset.js",
                favicon=f"<link rel='icon' type='image/png' href='{assets}/favicon-32x32.png'>",
            )
        ],
    )


def swagger_assets_router(prefix: str) -> Router:
    """Swagger UI's files from the installed ``swagger-ui-py`` package (Apache-2.0)."""
    directory = Path(str(files("swagger_ui") / "static"))
    return create_static_files_router(
        path=f"{prefix}/docs/assets",
        directories=[directory],
        opt={"public": True},
        include_in_schema=False,
        name="docs-assets",
    )


# --- msgspec's schemas for our Structs -----------------------------------------------------------


def _struct_types(annotation: Any, found: set[type]) -> None:
    """Every Struct and Enum class reachable from ``annotation``."""
    if isinstance(annotation, type) and annotation in found:
        return
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        if getattr(annotation, "__parameters__", ()):
            return  # an unparametrised generic: its concrete forms are reached through their arguments
        found.add(annotation)
        for field in msgspec.structs.fields(annotation):
            _struct_types(field.type, found)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    for argument in get_args(annotation):
        _struct_types(argument, found)


def _handler_types(app: Litestar) -> set[type]:
    found: set[type] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            signature = handler.parsed_fn_signature
            data = signature.parameters.get("data")
            if data is not None:
                _struct_types(data.annotation, found)
            _struct_types(signature.return_type.annotation, found)
    return found


def _msgspec_name(kind: type, clashing: set[str]) -> str:
    return f"{kind.__module__}.{kind.__qualname__}" if kind.__name__ in clashing else kind.__name__


def _litestar_name(kind: type, components: dict[str, Any]) -> str | None:
    for name in (f"{kind.__module__.rsplit('.', 1)[-1]}_{kind.__name__}", kind.__name__):
        if name in components:
            return name
    return None


def _rewrite_refs(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            return {**node, "$ref": _REF + names.get(ref[len(_REF) :], ref[len(_REF) :])}
        return {key: _rewrite_refs(value, names) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(item, names) for item in node]
    return node


def _use_msgspec_schemas(document: dict[str, Any], kinds: Iterable[type]) -> None:
    """Replace Litestar's component for each Struct by msgspec's (see the module docstring)."""
    components: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    kinds = sorted(kinds, key=lambda k: (k.__module__, k.__qualname__))
    clashing = {name for name, count in Counter(k.__name__ for k in kinds).items() if count > 1}
    _, generated = msgspec.json.schema_components(kinds, ref_template=_REF + "{name}")
    names: dict[str, str] = {}
    for kind in kinds:
        ours = _msgspec_name(kind, clashing)
        names[ours] = _litestar_name(kind, components) or ours
    for kind in kinds:
        ours = _msgspec_name(kind, clashing)
        if ours not in generated or (issubclass(kind, enum.Enum) and names[ours] in components):
            continue
        schema = _rewrite_refs(generated[ours], names)
        schema.pop("$defs", None)
        components[names[ours]] = schema


# --- the input policy as patterns ----------------------------------------------------------------


def _strings(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object of type ``string`` under ``node`` (through anyOf/oneOf/items/properties)."""
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "string" or (isinstance(kind, list) and "string" in kind):
            yield node
        for key, value in node.items():
            if key not in {"enum", "examples", "example", "default", "const"}:
                yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _add_pattern(schema: dict[str, Any], pattern: str) -> None:
    if "pattern" in schema or "enum" in schema or "const" in schema or "format" in schema:
        return  # a format or a pattern of our own already excludes control characters
    schema["pattern"] = pattern


FREE_FORM = "FreeFormJson"
_FREE_FORM_SCHEMA: dict[str, Any] = {
    "description": "Any JSON value; strings and keys without control characters (tab and new lines allowed in text)",
    "anyOf": [
        {"type": "null"},
        {"type": "boolean"},
        {"type": "number"},
        {"type": "string", "pattern": TEXT_PATTERN},
        {"type": "array", "items": {"$ref": _REF + FREE_FORM}},
        {
            "type": "object",
            "propertyNames": {"pattern": PARAMETER_PATTERN},
            "additionalProperties": {"$ref": _REF + FREE_FORM},
        },
    ],
}


def _patterns(document: dict[str, Any]) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    for schema in list(schemas.values()):
        for string in _strings(schema):
            _add_pattern(string, TEXT_PATTERN)
        for node in _objects_with_free_keys(schema):
            node.setdefault("propertyNames", {"pattern": PARAMETER_PATTERN})
            if node.get("additionalProperties") in (None, True, {}):
                node["additionalProperties"] = {"$ref": _REF + FREE_FORM}
                schemas[FREE_FORM] = _FREE_FORM_SCHEMA
    for item in document.get("paths", {}).values():
        for method in _HTTP_METHODS:
            operation = item.get(method)
            if not operation:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in {"header", "path"}:
                    _without_null(parameter)
                for string in _strings(parameter.get("schema", {})):
                    _add_pattern(string, PARAMETER_PATTERN)
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                for string in _strings(media.get("schema", {})):
                    _add_pattern(string, TEXT_PATTERN)


def _without_null(parameter: dict[str, Any]) -> None:
    """A header or path parameter is absent or a string: ``None`` in its Python type means "may be
    left out", which ``required: false`` already says; a ``null`` alternative would be sent as the
    text ``null``."""
    schema = parameter.get("schema", {})
    for key in ("oneOf", "anyOf"):
        choices = [c for c in schema.get(key, []) if c.get("type") != "null"]
        if key in schema and len(choices) == 1:
            rest = {k: v for k, v in schema.items() if k != key}
            parameter["schema"] = {**choices[0], **rest}


def _objects_with_free_keys(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        free = node.get("additionalProperties") not in (None, False) or "properties" not in node
        if node.get("type") == "object" and free:
            yield node
        for value in node.values():
            yield from _objects_with_free_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects_with_free_keys(item)


# --- answers and examples ------------------------------------------------------------------------


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": _REF + "Problem"}}}}


def _hl7_bodies(document: dict[str, Any]) -> None:
    """``POST /hl7/messages`` reads its body itself (JSON or raw ER7) and answers ER7 to a raw one:
    say so (before ``_patterns``, which then gives its strings the body pattern). An empty body is
    answered with an AR acknowledgement, so the body is not required."""
    for path, item in document.get("paths", {}).items():
        operation = item.get("post")
        if operation and path.endswith(HL7_MESSAGES_PATH):
            operation["requestBody"] = {"required": False, "content": copy.deepcopy(HL7_REQUEST_CONTENT)}
            answer = operation.setdefault("responses", {}).setdefault("200", {"description": "The ACK"})
            answer["content"] = {**answer.get("content", {}), **HL7_ACK_CONTENT}


def _answers(document: dict[str, Any]) -> None:
    for path, item in document.get("paths", {}).items():
        for method in _HTTP_METHODS:
            operation = item.get(method)
            if not operation:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            wanted = ["400", "422"]
            if operation.get("security") != []:
                wanted += ["401", "403"]
            if "requestBody" in operation:
                wanted.append("413")
            for status in wanted:
                if not {PROBLEM_JSON, FHIR_JSON} & set(responses.get(status, {}).get("content", {})):
                    responses[status] = _problem(_ANSWERS[status])
            if FHIR_JSON in responses.get("404", {}).get("content", {}):  # a malformed id: the router's own 404
                responses["404"]["content"][PROBLEM_JSON] = {"schema": {"$ref": _REF + "Problem"}}
            if method == "get" and path.endswith(EXPORT_PATH) and "200" in responses:
                responses["200"]["content"] = EXPORT_CONTENT
            example = REQUEST_EXAMPLES.get((method.upper(), path))
            if example is not None:
                for media in operation.get("requestBody", {}).get("content", {}).values():
                    media["examples"] = {"example": {"summary": "A typical request", "value": example}}


def finalize_document(app: Litestar) -> dict[str, Any]:
    """Build the served OpenAPI document (see the module docstring) and make Litestar serve it.

    Call once, after every route is registered and ``document_permissions`` has run."""
    document = app.openapi_schema.to_schema()
    _use_msgspec_schemas(document, _handler_types(app))
    _hl7_bodies(document)
    _patterns(document)
    _answers(document)
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin._openapi_schema = document  # Litestar serves this dict as /openapi.json from now on
    return document


def openapi_document(app: Litestar) -> dict[str, Any]:
    """The document ``/openapi.json`` serves."""
    return app.plugins.get(OpenAPIPlugin).provide_openapi_schema()


__all__ = ["finalize_document", "openapi_config", "openapi_document", "package_version", "swagger_assets_router"]
