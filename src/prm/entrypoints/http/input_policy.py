"""What text PRM accepts, decided once at the edge for every route, on both databases.

PostgreSQL refuses NUL (U+0000) in text and SQLite stores it silently, so without one rule the
two databases disagree and a NUL typed anywhere becomes a server error. :func:`enforce_input_policy`
runs before every handler (after routing and the permission guard) and applies one policy to
every string PRM receives:

- **path and query parameters** (names and values): no C0 control character (U+0000–U+001F) and
  no DEL (U+007F); a violation is a 422 naming the parameter (``["query", "search"]``);
- **dates and times**: RFC 3339 text in query parameters (``2026-03-12``, ``2026-03-12T09:00:00Z``),
  never a number read as seconds since 1970, which the decoder would otherwise accept; in
  parameters and bodies alike, inside ``domain.shared.dates.ACCEPTED_DATES`` (years 1900 to 2200;
  a 422 ``prm.date_out_of_range`` naming the field and the range, the same answer the domain
  gives), so that no date near the calendar's ends overflows when a day or a zone is added;
- **JSON bodies**: valid UTF-8 (else 400 ``http.invalid_encoding``), at most
  :data:`MAX_JSON_DEPTH` levels of nesting (else 400 ``http.json_too_deep``), at most
  ``PRM_MAX_BODY_BYTES`` bytes (else 413, Litestar's own limit); no C0 control character in any string value except tab,
  line feed and carriage return (free text may hold them), and none at all in object keys; a
  violation is a 422 naming the field by its path (``["body", "names", 0, "given"]``);
- **JSON types as declared**: the body is decoded strictly against the route's body type, so
  ``0`` is not a boolean, ``"12"`` not a number and ``1700000000`` not a time (Litestar's own
  decoding is lenient); a mismatch is the usual 422 naming the field.

Names and keys that hold control characters are quoted with the characters escaped (``\\u0000``),
so an error never echoes them.

Bodies are read once here (Litestar keeps them for the handler). The full walk over a decoded body only
happens when the raw JSON could hold a control character at all (an escape sequence such as
``\\u0000``; raw control bytes are malformed JSON anyway), and the depth count only when the body
holds more brackets than the limit, so ordinary requests pay a few substring searches.
"""

import re
import weakref
from collections.abc import MutableMapping
from datetime import UTC, date, datetime
from typing import Any, get_args
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

from prm.domain.shared.dates import ACCEPTED_DATES

MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a JSON body may have (free-form metadata included)."""

Scope = MutableMapping[str, Any]

_CONTROL_IN_PARAMETER = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPE_HINTS = (b"\\u00", b"\\u001", b"\\b", b"\\f")
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RejectedInput(Exception):
    """A request refused at the edge; rendered as a problem by ``problems.rejected_input_handler``."""

    def __init__(self, status: int, code: str, detail: str, loc: list[str | int] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.loc = loc


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def printable(text: str) -> str:
    """``text`` with its control characters written as ``\\uXXXX``, to be quoted safely."""
    return _CONTROL_IN_PARAMETER.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def check_parameter(source: str, name: str, value: str) -> None:
    """Refuse a path or query parameter (name or value) holding a control character."""
    found = _CONTROL_IN_PARAMETER.search(name) or _CONTROL_IN_PARAMETER.search(value)
    if found:
        shown = printable(name)
        raise RejectedInput(
            422,
            "http.control_character",
            f"invalid request: {shown}: control character {_describe(found.group())} is not allowed",
            [source, shown],
        )


def _too_deep() -> RejectedInput:
    return RejectedInput(
        400, "http.json_too_deep", f"the request body nests deeper than {MAX_JSON_DEPTH} levels", ["body"]
    )


def _walk(value: Any, path: list[str | int], depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise _too_deep()
    if isinstance(value, str):
        found = _CONTROL_IN_TEXT.search(value)
        if found:
            where = ".".join(printable(str(p)) for p in path) or "body"
            raise RejectedInput(
                422,
                "http.control_character",
                f"invalid request: {where}: control character {_describe(found.group())} is not allowed",
                ["body", *(printable(p) if isinstance(p, str) else p for p in path)],
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _CONTROL_IN_PARAMETER.search(key)
            if found:
                where = ".".join(printable(str(p)) for p in path) or "the body"
                raise RejectedInput(
                    422,
                    "http.control_character",
                    f"invalid request: a key of {where} holds control character {_describe(found.group())}",
                    ["body", *(printable(p) if isinstance(p, str) else p for p in path), printable(key)],
                )
            _walk(item, [*path, key], depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, [*path, index], depth + 1)


def _depth(value: Any, depth: int = 0) -> int:
    """Nesting depth of a decoded JSON value, stopping as soon as it passes the limit."""
    if depth > MAX_JSON_DEPTH:
        return depth
    if isinstance(value, dict):
        return max((_depth(v, depth + 1) for v in value.values()), default=depth + 1)
    if isinstance(value, list):
        return max((_depth(v, depth + 1) for v in value), default=depth + 1)
    return depth


def check_json_body(body: bytes) -> None:
    """Apply the body rules of the module docstring to a JSON document (``b""`` passes)."""
    if not body:
        return
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedInput(
            400, "http.invalid_encoding", f"the request body is not valid UTF-8 (byte {exc.start})", ["body"]
        ) from exc
    deep = body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH
    hinted = any(hint in body for hint in _ESCAPE_HINTS)
    if not deep and not hinted:
        return
    try:
        document = msgspec.json.decode(body)
    except RecursionError as exc:
        raise _too_deep() from exc
    except msgspec.DecodeError:
        return  # malformed JSON: the handler's decoder answers 400 http.malformed_json
    if deep and _depth(document) > MAX_JSON_DEPTH:
        raise _too_deep()
    if hinted:
        _walk(document, [], 0)


def _is_json(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return bool(media == b"application/json" or media.endswith(b"+json"))
    return True  # no content type: Litestar reads the body as JSON


def check_query(raw: bytes) -> None:
    """Refuse a query string whose names or values hold control characters or are not UTF-8."""
    if not raw or (b"%" not in raw and raw.isascii()):
        return  # nothing escaped: the server already refused raw control bytes
    try:
        pairs = parse_qsl(raw.decode("utf-8", "strict"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise RejectedInput(400, "http.invalid_encoding", "the query string is not valid UTF-8", ["query"]) from exc
    for name, value in pairs:
        check_parameter("query", name, value)


_RFC3339_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RFC3339_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?$")


def _holds_dates(annotation: Any, seen: set[Any] | None = None) -> bool:
    """Whether a date or datetime can occur anywhere in values of ``annotation``."""
    seen = set() if seen is None else seen
    if annotation in (date, datetime):
        return True
    if annotation in seen:
        return False
    seen.add(annotation)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return any(_holds_dates(f.type, seen) for f in msgspec.structs.fields(annotation))
    return any(_holds_dates(a, seen) for a in get_args(annotation))


def _out_of_range(field: str, loc: list[str | int]) -> RejectedInput:
    """The domain's answer (``DateOutOfRange``), given at the edge with the field's full path."""
    return RejectedInput(
        422, "prm.date_out_of_range", f"{field} must be {ACCEPTED_DATES.describe()} (times in UTC)", loc
    )


def _check_dates(value: Any, path: list[str | int]) -> None:
    if isinstance(value, date):
        if not ACCEPTED_DATES.contains(value):
            raise _out_of_range(".".join(map(str, path)), ["body", *path])
    elif isinstance(value, msgspec.Struct):
        # The class's own field tuples: ``msgspec.structs.fields`` resolves the type hints on each
        # call (an eighth of a create's CPU when it ran per request).
        cls = type(value)
        for name, wire in zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True):
            _check_dates(getattr(value, name), [*path, wire])
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_dates(item, [*path, index])
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_dates(item, [*path, key])


class _RouteTypes:
    """What the policy needs to know of a route handler, worked out once per handler."""

    __slots__ = ("body", "body_dates", "times")

    def __init__(self, handler: Any) -> None:
        self.times: dict[str, re.Pattern[str]] = {}
        self.body: msgspec.json.Decoder[Any] | None = None
        self.body_dates = False
        try:
            parameters = handler.parsed_fn_signature.parameters
        except AttributeError:
            return
        for key, definition in parameters.items():
            if key == "data":
                if definition.annotation not in (bytes, str, Any):
                    self.body = msgspec.json.Decoder(definition.annotation, strict=True)
                    self.body_dates = _holds_dates(definition.annotation)
                continue
            kinds = set(get_args(definition.annotation)) | {definition.annotation}
            kwarg = definition.kwarg_definition
            wire = getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or key
            if datetime in kinds:
                self.times[wire] = _RFC3339_TIME
            elif date in kinds:
                self.times[wire] = _RFC3339_DATE


def check_times(times: dict[str, re.Pattern[str]], raw_query: bytes) -> None:
    """Refuse a date or time query parameter that is not RFC 3339 text."""
    if not times or not raw_query:
        return
    for name, value in parse_qsl(raw_query.decode("utf-8", "replace"), keep_blank_values=True):
        pattern = times.get(name)
        if pattern is None or not value:
            continue
        if not pattern.match(value):
            example = "2026-03-12" if pattern is _RFC3339_DATE else "2026-03-12T09:00:00Z"
            raise RejectedInput(
                422,
                "http.validation_failed",
                f"invalid request: {name}: not an RFC 3339 value such as {example}",
                ["query", name],
            )
        try:
            parsed = (
                date.fromisoformat(value)
                if pattern is _RFC3339_DATE
                else datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            )
        except ValueError:
            continue  # the decoder names what is wrong with it
        if isinstance(parsed, datetime) and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)  # read as UTC, as the routes that allow it do
        if not ACCEPTED_DATES.contains(parsed):
            raise _out_of_range(name, ["query", name])


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(v) for v in value]
    return value


def check_body_types(decoder: msgspec.json.Decoder[Any], body: bytes, dates: bool = False) -> None:
    """Decode ``body`` strictly; a type mismatch raises Litestar's ``ValidationException`` so that
    the usual 422 names the field (malformed JSON is left to Litestar's 400). An integer written
    with a zero fraction (``4.0``) is an integer, as JSON Schema says. With ``dates``, every date
    and time in it must be in the accepted range."""
    try:
        decoded = decoder.decode(body)
        if dates:
            _check_dates(decoded, [])
    except msgspec.ValidationError as exc:
        if "got `float`" in str(exc):
            try:
                decoded = decoder.decode(msgspec.json.encode(_integral_floats_as_ints(msgspec.json.decode(body))))
            except msgspec.ValidationError as again:
                exc = again
            else:
                if dates:
                    _check_dates(decoded, [])
                return
        message, _, where = str(exc).partition(" - at `$")
        key = where.rstrip("`").lstrip(".")
        raise ValidationException(
            "invalid request body", extra=[{"message": message, "key": key, "source": "body"}]
        ) from exc
    except msgspec.DecodeError:
        return


_ROUTES: "weakref.WeakKeyDictionary[Any, _RouteTypes]" = weakref.WeakKeyDictionary()
"""Per route handler (weakly, so that an application's handlers go with it, and an id reused by a
later one can never pick up another route's types)."""


async def enforce_input_policy(request: Request[Any, Any, Any]) -> None:
    """The application's ``before_request`` hook: after routing and after the permission guard
    (so an anonymous caller learns nothing of a route's fields), before any parameter or body
    is parsed. Raises :class:`RejectedInput`; the body it reads is cached for the handler, and
    one larger than ``PRM_MAX_BODY_BYTES`` is Litestar's 413."""
    scope: Scope = request.scope  # type: ignore[assignment]
    for name, value in (scope.get("path_params") or {}).items():
        if isinstance(value, str):
            check_parameter("path", name, value)
    query = scope.get("query_string", b"")
    check_query(query)
    handler = scope["route_handler"]
    types = _ROUTES.get(handler)
    if types is None:
        types = _ROUTES[handler] = _RouteTypes(handler)
    check_times(types.times, query)
    if scope["method"] not in _METHODS_WITH_BODY or not _is_json(scope):
        return
    body = await request.body()
    check_json_body(body)
    if types.body is not None and body:
        check_body_types(types.body, body, types.body_dates)
