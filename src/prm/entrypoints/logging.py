"""structlog set-up: JSON lines in production, readable console output in development.

Every line carries the ``request_id`` (and ``tenant_id``) bound at the edge. Log ids and codes,
never personal data: as a second line of defence :func:`drop_personal_data` removes the values
of keys that name personal fields.

The access line (one per HTTP request) is the one line on the hot path: in JSON it is written by
:class:`AccessLog`, the same object the pipeline would render, without assembling a logger and
running the processors for each line.

Exceptions are rendered by :func:`format_exception_safely` in both formats: the stack (file,
line, function and source line) and the exception's type, with database errors' SQLSTATE and
constraint name, but never the exception's message, local variables or bound parameters, which
may hold a patient's name, an MRN or a password hash. Rendering is plain text and cheap, so a
server error never holds up the event loop.
"""

import logging
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any

import msgspec
import structlog
from structlog.typing import EventDict, WrappedLogger

from prm.settings import Settings

PERSONAL_KEYS = frozenset(
    {
        "name",
        "given",
        "family",
        "first_name",
        "last_name",
        "middle_name",
        "full_name",
        "birth_date",
        "birthdate",
        "deceased_date",
        "phone",
        "phone_primary",
        "telecom",
        "email",
        "email_primary",
        "address",
        "addresses",
        "query",
        "search",
        "body",
        "message",
        "ssn",
        "mrn",
    }
)


_json_encode = msgspec.json.Encoder(enc_hook=str).encode

QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "aiosqlite",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "psycopg",
    "asyncio",
    "dishka",
    "alembic.runtime.migration",
)


def drop_personal_data(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """Replace the value of any key in :data:`PERSONAL_KEYS` by ``"[redacted]"``."""
    for key in PERSONAL_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


def _database_detail(exc: BaseException) -> str:
    """``sqlstate=23505 constraint=uq_patients_mrn`` for a database error (SQLAlchemy wraps the
    driver's in ``orig``), ``""`` otherwise."""
    orig = getattr(exc, "orig", None) or exc
    parts: list[str] = []
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        parts.append(f"sqlstate={sqlstate}")
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if isinstance(constraint, str):
        parts.append(f"constraint={constraint}")
    return " ".join(parts)


_MESSAGE_IS_CODE = (
    AttributeError,
    NameError,
    ImportError,
    RecursionError,
    ZeroDivisionError,
    OverflowError,
    NotImplementedError,
)
"""Errors whose message the interpreter writes from the code (names and types), never from data."""


def format_exception_safely(exc: BaseException) -> str:
    """The exception and its causes as a traceback without messages or locals (see the module
    docstring): ``Traceback ... File "x.py", line 3, in f ... module.ErrorType [detail]``."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    blocks: list[str] = []
    for error in reversed(chain):
        frames = "".join(traceback.StackSummary.extract(traceback.walk_tb(error.__traceback__)).format())
        kind = type(error)
        detail = _database_detail(error)
        message = f": {error}" if type(error) in _MESSAGE_IS_CODE else " (message withheld: it may hold personal data)"
        blocks.append(
            f"Traceback (most recent call last):\n{frames}{kind.__module__}.{kind.__qualname__}"
            f"{' [' + detail + ']' if detail else ''}{message}"
        )
    return "\n\nThe above exception was the direct cause of the following exception:\n\n".join(blocks)


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3 and isinstance(exc_info[1], BaseException):
        return exc_info[1]
    if exc_info is True:
        return sys.exc_info()[1]
    return None


def render_exception_safely(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """Replace ``exc_info`` by an ``exception`` text from :func:`format_exception_safely`."""
    exc = _exception_of(event_dict.pop("exc_info", None))
    if exc is not None:
        event_dict["exception"] = format_exception_safely(exc)
    return event_dict


def _plain_exception(sio: Any, exc_info: tuple[type[BaseException], BaseException, TracebackType | None]) -> None:
    """The console renderer's formatter, should an ``exc_info`` ever reach it: the safe text."""
    sio.write("\n" + format_exception_safely(exc_info[1]))


def render_json(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> str:
    """One JSON object per line, encoded with msgspec (anything it does not know becomes ``str``)."""
    return _json_encode(event_dict).decode()


ACCESS_EVENT = "http.request"

AccessLine = Callable[[str, str, int, float], None]
"""Writes one access line: ``(method, route template, status, duration_ms)``."""


class AccessLog:
    """The JSON access line, written straight to the log stream.

    The object is the one structlog's pipeline renders for ``log.info("http.request", method=...,
    route=..., status=..., duration_ms=...)``, key for key and in the same order: ``method``,
    ``route``, ``status``, ``duration_ms``, ``event``, the keys bound in the context
    (``request_id``; a personal key among them redacted, as :func:`drop_personal_data` does),
    ``level``, ``timestamp`` (ISO 8601 UTC, always with microseconds). What it saves: a logger
    assembled for every line (``cache_logger_on_first_use`` is off, so that a re-configuration
    applies everywhere), five processors, and ``datetime`` formatting (the date and time to the
    second are formatted once a second)."""

    __slots__ = ("_second", "_stamp", "_stream")

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._second = -1
        self._stamp = ""

    def __call__(self, method: str, route: str, status: int, duration_ms: float) -> None:
        second, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
        if second != self._second:
            self._stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        line: dict[str, Any] = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "event": ACCESS_EVENT,
        }
        context = structlog.contextvars.get_contextvars()
        for key, value in context.items():
            line.setdefault(key, "[redacted]" if key in PERSONAL_KEYS else value)
        line["level"] = "info"
        line["timestamp"] = f"{self._stamp}.{nanoseconds // 1000:06d}Z"
        self._stream.write(_json_encode(line).decode() + "\n")
        self._stream.flush()


def _no_access_line(method: str, route: str, status: int, duration_ms: float) -> None:
    """The access line when the level leaves out ``info``."""


_access_line: AccessLine | None = None


def access_line() -> AccessLine | None:
    """How to write the access line as :func:`configure_logging` last set it up: ``None`` when it
    goes through structlog (console output, or logging configured elsewhere)."""
    return _access_line


def configure_logging(settings: Settings) -> None:
    """Configure structlog (PRM's own log lines) and the standard library's logging (uvicorn,
    alembic) to write the same format to standard error.

    PRM's lines go straight from structlog to the stream, without the standard library's logging
    machinery: on the request path every microsecond counts (one access line per request).
    """
    level = getattr(logging, settings.log_level.upper())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        drop_personal_data,
        render_exception_safely,
    ]
    renderer: Any = (
        render_json
        if settings.json_logs
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(), exception_formatter=_plain_exception)
    )
    structlog.configure(
        processors=[*shared, renderer],
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,  # so that a re-configuration (tests, reload) applies everywhere
    )
    global _access_line  # mirrors structlog's own process-wide configuration
    if not settings.json_logs:
        _access_line = None
    elif level > logging.INFO:
        _access_line = _no_access_line
    else:
        _access_line = AccessLog(sys.stderr)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, render_exception_safely, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party loggers that echo URLs with query strings or SQL with its parameters (names,
    # phones) at INFO or DEBUG: kept at WARNING whatever PRM_LOG_LEVEL says.
    logging.getLogger("uvicorn.access").disabled = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
