"""RFC 9457 problem details for every error, with a stable ``code``.

Domain error categories map to statuses here, once for the whole application. Request validation
failures are 422 with ``errors: [{loc, msg, type}]`` naming each bad field (the reference API's
shape); malformed JSON is 400; unknown routes 404; anything unexpected is a logged 500 whose
body reveals nothing.
"""

import re
from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from prm.domain.shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    NotFound,
    RateLimited,
    RuleViolated,
    Unauthenticated,
)
from prm.entrypoints.http.input_policy import RejectedInput
from prm.entrypoints.http.validation_hints import accepted_values, known_fields, parameter_annotation

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"

_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (Gone, 410),
    (Forbidden, 403),
    (RuleViolated, 422),
    (Unauthenticated, 401),
    (RateLimited, 429),
)
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_HTTP_CODES = {
    400: "http.bad_request",
    401: "http.unauthorized",
    403: "http.forbidden",
    404: "http.not_found",
    405: "http.method_not_allowed",
    413: "http.payload_too_large",
    415: "http.unsupported_media_type",
    429: "http.too_many_requests",
    503: "http.service_unavailable",
}


class FieldError(msgspec.Struct, frozen=True):
    loc: list[str | int]
    msg: str
    type: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """RFC 9457 problem details plus PRM's stable ``code`` and, for 422, the bad fields."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[FieldError] | None = None
    request_id: str | None = None


def status_of(error: DomainError) -> int:
    return next((status for category, status in _STATUS if isinstance(error, category)), 422)


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    request_id = request.scope.get("state", {}).get("request_id")
    body = Problem(
        type=f"urn:prm:problem:{code}",
        title=_TITLES.get(status, "Error"),
        status=status,
        code=code,
        detail=detail,
        errors=errors,
        request_id=request_id,
    )
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_HEADERS = frozenset({"If-Match", "X-API-Key", "Authorization"})


def _location(request: Request[Any, Any, Any], field: str) -> list[str | int]:
    if field in _HEADERS:
        return ["header", field]
    source = "body" if request.method in {"POST", "PUT", "PATCH"} else "query"
    if field in {"page", "page_size", "limit", "query"}:
        source = "query" if request.method == "GET" else source
    return [source, *(int(p) if p.isdigit() else p for p in field.split("."))]


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = status_of(exc)
    errors = None
    if isinstance(exc, RuleViolated) and exc.field:
        errors = [FieldError(loc=_location(request, exc.field), msg=exc.detail, type=exc.code)]
    log.info("request.refused", code=exc.code, status=status)
    headers = None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, Unauthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
    return problem_response(request, status, exc.code, exc.detail, errors, headers=headers)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MISSING = re.compile(r"missing required field `([^`]+)`")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_BAD_CHOICE = re.compile(r"Invalid enum value")


def _path(key: str) -> list[str | int]:
    """``"addresses[0].city"`` → ``["addresses", 0, "city"]``."""
    return [int(index) if index else name for name, index in _PATH_PART.findall(key)]


def _wire_name(request: Request[Any, Any, Any], key: str) -> str:
    """The name a parameter has on the wire (``query``), not in Python (``search_query``)."""
    try:
        definition = request.route_handler.parsed_fn_signature.parameters[key].kwarg_definition
    except (AttributeError, KeyError):
        return key
    return getattr(definition, "name", None) or key


def _field_errors(request: Request[Any, Any, Any], extra: Any) -> list[FieldError]:
    """Litestar's ``[{message, key, source}]`` as ``[{loc, msg, type}]`` with the full path to the field."""
    errors: list[FieldError] = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        raw_source = item.get("source") or "body"
        source = str(getattr(raw_source, "value", raw_source))
        message = str(item.get("message", "invalid value"))
        key = str(item.get("key") or "")
        path = _path(key if source == "body" else _wire_name(request, key))
        if source == "body" and path[:1] == ["data"]:
            path = path[1:]  # the body's own parameter name is not part of the document
        missing = _MISSING.search(message)
        unknown = _UNKNOWN_FIELD.search(message)
        kind = "missing" if missing else "value_error"
        if missing:
            path.append(missing.group(1))
        elif unknown or _BAD_CHOICE.search(message):
            message, path, kind = _with_hint(request, source, path, message, unknown.group(1) if unknown else None)
        errors.append(FieldError(loc=[source, *path], msg=message, type=kind))
    return errors


def _with_hint(
    request: Request[Any, Any, Any], source: str, path: list[str | int], message: str, unknown: str | None
) -> tuple[str, list[str | int], str]:
    """An unknown field's or a bad choice's message, with what the route accepts there."""
    if source == "body":
        annotation, inner = parameter_annotation(request, "body", ""), path
    else:
        annotation, inner = parameter_annotation(request, source, str(path[0]) if path else ""), path[1:]
    if unknown is not None:
        fields = known_fields(annotation, inner) if annotation is not None else None
        hint = f"; accepted fields: {', '.join(fields)}" if fields else ""
        return f"unknown field `{unknown}`{hint}", [*path, unknown], "unknown_field"
    values = accepted_values(annotation, inner) if annotation is not None else None
    hint = f"; accepted values: {', '.join(values)}" if values else ""
    return f"{message}{hint}", path, "enum"


def validation_error_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    detail = str(exc.detail)
    if "JSON is malformed" in detail or "malformed" in detail.lower() or "decode" in detail.lower():
        return problem_response(request, 400, "http.malformed_json", "the request body is not valid JSON")
    errors = _field_errors(request, exc.extra)
    summary = "; ".join(f"{'.'.join(map(str, e.loc[1:])) or e.loc[0]}: {e.msg}" for e in errors) or detail
    return problem_response(request, 422, "http.validation_failed", f"invalid request: {summary}", errors)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    code = _HTTP_CODES.get(status, f"http.{status}")
    detail = exc.detail if status != 404 or not isinstance(exc, NotFoundException) else "no such resource"
    headers = dict(exc.headers or {})
    return problem_response(request, status, code, str(detail), headers=headers or None)


def rejected_input_handler(request: Request[Any, Any, Any], exc: RejectedInput) -> Response[Problem]:
    """A request refused by the edge's input policy (:mod:`prm.entrypoints.http.input_policy`)."""
    log.info("request.refused", code=exc.code, status=exc.status)
    errors = [FieldError(loc=exc.loc, msg=exc.detail, type=exc.code)] if exc.loc and exc.status == 422 else None
    return problem_response(request, exc.status, exc.code, exc.detail, errors)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """A logged 500 whose body reveals nothing; the log line carries the stack and the error's
    type, never its message (see :func:`prm.entrypoints.logging.format_exception_safely`)."""
    log.error("request.failed", exc_info=exc, error_type=type(exc).__name__)
    return problem_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "http.internal_error",
        "an unexpected error occurred; quote the request id when reporting it",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    RejectedInput: rejected_input_handler,
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}


def problem_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI ``responses`` entries for the problem statuses a route may return."""
    from litestar.openapi.datastructures import ResponseSpec

    return {
        status: ResponseSpec(data_container=Problem, description=_TITLES.get(status, "Error"), media_type=PROBLEM_JSON)
        for status in statuses
    }


__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "FieldError", "MediaType", "Problem", "problem_responses"]
