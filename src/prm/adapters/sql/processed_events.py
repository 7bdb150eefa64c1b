"""The relay's idempotency record: ``(handler, event id)`` in ``processed_events``, written in the
handler's own transaction (see ``prm.entrypoints.worker.dispatch``)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.outbox_tables import processed_events
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.shared.events import PublishedEvent

PROCESSED_KEY = "pk_processed_events"


def record_processed(uow: SqlUnitOfWork, handler: str, events: Sequence[PublishedEvent], at: datetime) -> None:
    """Write ``(handler, event)`` records for ``events`` when ``uow`` commits (with the handler's work)."""
    uow.defer_insert(
        processed_events,
        [{"tenant_id": e.tenant_id, "handler": handler, "event_id": e.id, "processed_at": at} for e in events],
    )


def already_processed(error: BaseException) -> bool:
    """Whether ``error`` is a commit refused because a record of :func:`record_processed` exists:
    the handler had the event before, and this repeat's writes were rolled back."""
    if not isinstance(error, IntegrityError):
        return False
    constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
    return constraint == PROCESSED_KEY or PROCESSED_KEY in str(error.orig) or "processed_events" in str(error.orig)
