"""structlog set-up: JSON lines in production, readable console output in development.

Every line carries the ``request_id`` (and ``tenant_id``) bound at the edge. Log ids and codes,
never personal data: as a second line of defence :func:`drop_personal_data` removes the values
of keys that name personal fields.
"""

import logging
import sys
from typing import Any

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


def render_json(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> str:
    """One JSON object per line, encoded with msgspec (anything it does not know becomes ``str``)."""
    return _json_encode(event_dict).decode()


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
    ]
    renderer: Any = render_json if settings.json_logs else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[*shared, *([structlog.processors.format_exc_info] if settings.json_logs else []), renderer],
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,  # so that a re-configuration (tests, reload) applies everywhere
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
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
