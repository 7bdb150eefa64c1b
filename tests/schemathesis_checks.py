"""PRM's reading of two of Schemathesis's checks: a hooks module (``SCHEMATHESIS_HOOKS``) for the
``st run`` of :mod:`tests.integration.test_fuzz_schema`, which replaces the built-in
``positive_data_acceptance`` and ``negative_data_rejection`` by these two.

- **Schema-valid requests pass the wire.** Schemathesis's ``positive_data_acceptance`` wants every
  schema-valid request accepted. Some of PRM's rules cannot be written in JSON Schema (a password's
  strength, an IANA time-zone name, an end after its start, a phone number that exists), so a
  schema-valid request may still be refused with a 422 that names the *domain* rule
  (``identity.weak_password``, ``appointments.invalid_time_slot``, ...). What must never happen
  is a refusal by the wire itself: ``http.*`` codes (malformed body, unknown field, wrong type,
  control characters are documented in the description but not always as a pattern), 400, 413
  or 415 for schema-valid data. That is this check.
- **Schema-violating requests are refused, but for msgspec's documented leniency.** Litestar
  decodes bodies with msgspec in lax mode, so ``0``/``1`` and ``"true"``/``"false"`` are read as
  booleans and numeric strings as numbers. Schemathesis's ``negative_data_rejection`` flags those
  as accepted invalid data; this check forgives exactly that and nothing else: the body, coerced
  the way msgspec does, must validate against the schema.

It also serialises ``ast.parse`` in the ``st`` process (see :func:`_one_parse_at_a_time`).
"""

import ast
import threading
from typing import Any

import jsonschema_rs
from schemathesis import check
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.specs.openapi.checks import negative_data_rejection

WIRE_STATUSES = frozenset({400, 413, 415})

_PARSING = threading.Lock()
_parse = ast.parse


def _one_parse_at_a_time(*args: Any, **kwargs: Any) -> Any:
    """``ast.parse``, one thread at a time. CPython 3.11 keeps the AST constructor's recursion
    depth per interpreter, so two threads parsing at once can fail with ``SystemError: AST
    constructor recursion depth mismatch`` (python/cpython#106905). Schemathesis's two workers
    are threads, and Hypothesis parses lambdas' source to describe filtered strategies: a run
    failed with it once in CI, as a "Runtime Error" that no request caused."""
    with _PARSING:
        return _parse(*args, **kwargs)


ast.parse = _one_parse_at_a_time  # this module is loaded only into the ``st`` process (SCHEMATHESIS_HOOKS)


class WireRejectedValidData(Failure):
    """A schema-valid request was refused by the wire (an ``http.*`` problem)."""


@check
def schema_valid_data_passes_the_wire(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code < 400:
        return None
    code = ""
    try:
        body = response.json()
        code = str(body.get("code", "")) if isinstance(body, dict) else ""
    except ValueError:
        pass
    if response.status_code in WIRE_STATUSES or (response.status_code == 422 and code.startswith("http.")):
        raise WireRejectedValidData(
            operation=case.operation.label,
            title="Schema-valid request refused by the wire",
            message=f"{response.status_code} {code}: {response.text[:400]}",
        )
    return None


def _lax(value: Any, schema: Any, resolve: Any) -> Any:
    """``value`` coerced as msgspec's lax mode would read it against ``schema``."""
    schema = resolve(schema)
    if not isinstance(schema, dict):
        return value
    for key in ("anyOf", "oneOf"):
        if key in schema:
            for choice in schema[key]:
                coerced = _lax(value, choice, resolve)
                if coerced is not value:
                    return coerced
            return value
    kind = schema.get("type")
    if kind == "boolean":
        lax = {0: False, 1: True, "0": False, "1": True, "true": True, "false": False}
        if not isinstance(value, bool) and isinstance(value, int | str) and value in lax:
            return lax[value]
    elif kind in {"integer", "number"} and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if kind == "integer" and number.is_integer() else number
    elif kind == "number" and isinstance(value, bool) is False and isinstance(value, int):
        return value
    elif kind == "object" and isinstance(value, dict):
        properties = schema.get("properties", {})
        return {k: _lax(v, properties[k], resolve) if k in properties else v for k, v in value.items()}
    elif kind == "array" and isinstance(value, list):
        return [_lax(v, schema.get("items", {}), resolve) for v in value]
    return value


def _resolver(document: dict[str, Any]) -> Any:
    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    return resolve


@check
def negative_data_is_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """The built-in ``negative_data_rejection``, forgiving msgspec's lax coercions (module docstring)."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        document = case.operation.schema.raw_schema
        resolve = _resolver(document)
        operation = document["paths"][case.operation.path][case.method.lower()]
        media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        body_schema = media.get("schema") if isinstance(media, dict) else None
        if body_schema is not None and isinstance(case.body, dict | list):
            coerced = _lax(case.body, body_schema, resolve)
            bundled = {**resolve(body_schema), "components": document.get("components", {})}
            if coerced != case.body and jsonschema_rs.validator_for(bundled).is_valid(coerced):
                return None
        raise
