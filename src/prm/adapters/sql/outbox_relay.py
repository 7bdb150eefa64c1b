"""The outbox relay: every committed event, at least once, in order per aggregate, to its handlers.

One pass (:meth:`OutboxRelay.relay_once`) looks at the partitions that hold unpublished events
and takes each it can (PostgreSQL: ``pg_try_advisory_xact_lock``, so several ``prm worker``
processes share the partitions and no two relay the same one; SQLite: one relay per process).
For a partition it reads up to ``batch`` events in id order (UUIDv7: commit order per
aggregate), groups them by aggregate and relays the groups concurrently, each in order: every
handler of the event's type (:class:`EventDispatcher`, each in a unit of work of its own, idempotent
through ``processed_events``), then every publisher (NATS). Relayed events get ``published_at``.

A handler that raises blocks the rest of *its aggregate's* events, not the partition: the failure
is recorded in ``event_handler_failures`` and retried after a jittered backoff; after
:data:`MAX_HANDLER_ATTEMPTS` it is *parked* (logged as an error, listed by ``prm worker status``)
and the relay moves on. On PostgreSQL the relay reads across tenants through the ``outbox_relay``
policy (migration 0006), switched on for its transaction only.
"""

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
import structlog

from prm.adapters.jobs.retry import MAX_HANDLER_ATTEMPTS, backoff
from prm.adapters.sql.connection import SqlConnection, SqlDatabase
from prm.adapters.sql.outbox_tables import event_handler_failures, outbox, partition_of
from prm.application.shared.events import PublishedEvent
from prm.domain.shared.ids import TenantId

log = structlog.get_logger(__name__)

RELAY_LOCK_BASE = 7_310_000
"""Advisory lock keys ``RELAY_LOCK_BASE + partition`` (PostgreSQL)."""

_RELAY_ON = sa.text("SELECT set_config('app.relay', 'on', true)")


class EventDispatcher(Protocol):
    """PRM's side of relaying: which handlers an event type has, and running one of them."""

    def handlers(self, event_type: str) -> Sequence[str]: ...

    async def handle_many(self, handler: str, events: Sequence[PublishedEvent]) -> tuple[int, BaseException | None]:
        """Run ``handler`` on ``events`` (one tenant's, in order), each in a transaction of its own,
        stopping at the first that raises; returns how many succeeded and that error (or ``None``).
        An event the handler has had before changes nothing (its ``processed_events`` record)."""
        ...


class EventPublisher(Protocol):
    """An outside destination of every event (NATS JetStream); must drop duplicates by event id."""

    name: str

    async def publish(self, event: PublishedEvent) -> None: ...


@dataclass(slots=True)
class _Failure:
    attempts: int
    parked: bool
    next_attempt_at: datetime | None
    first_failed_at: datetime


@dataclass(slots=True)
class _Outcome:
    published: list[tuple[Any, Any]]
    failures: list[dict[str, Any]]
    cleared: list[Any]


def published_event(row: Any) -> PublishedEvent:
    """An ``outbox`` row as handlers see it."""
    return PublishedEvent(
        id=row.id,
        tenant_id=TenantId(row.tenant_id),
        type=row.event_type,
        version=row.event_version,
        aggregate_id=row.aggregate_id,
        occurred_at=row.occurred_at,
        payload=row.payload,
    )


class OutboxRelay:
    """Relays the outbox (see the module docstring); one instance per worker process."""

    def __init__(
        self,
        database: SqlDatabase,
        dispatcher: EventDispatcher,
        now: Callable[[], datetime],
        *,
        publishers: Sequence[EventPublisher] = (),
        batch: int = 500,
        parallel: int = 4,
    ) -> None:
        self._database = database
        self._parallel = asyncio.Semaphore(parallel)
        self._dispatcher = dispatcher
        self._publishers = tuple(publishers)
        self._now = now
        self._batch = batch
        self._postgres = database.dialect.name == "postgresql"
        self._busy: set[int] = set()

    async def relay_once(self) -> int:
        """Relay one batch of every partition this relay can take, ``parallel`` partitions at a
        time (so that the partitions a relay holds at once leave others for other workers);
        returns the events published."""
        partitions = await self.pending_partitions()
        random.shuffle(partitions)  # several relays start on different partitions
        results = await asyncio.gather(*(self._one_partition(p) for p in partitions if p not in self._busy))
        return sum(results)

    async def _one_partition(self, partition: int) -> int:
        async with self._parallel:
            return await self._relay_partition(partition)

    async def drain(self) -> int:
        """Relay until nothing is pending that can be relayed now; returns the events published."""
        total = 0
        while published := await self.relay_once():
            total += published
        return total

    async def pending_partitions(self) -> list[int]:
        async with self._database.connect(None) as connection:
            await self._relay_mode(connection)
            result = await connection.execute(
                sa.select(outbox.c.partition).where(outbox.c.published_at.is_(None)).distinct()
            )
            return [row[0] for row in result.all()]

    async def _relay_mode(self, connection: SqlConnection) -> None:
        if self._postgres:
            await connection.execute(_RELAY_ON)

    async def _relay_partition(self, partition: int) -> int:
        self._busy.add(partition)
        try:
            if self._postgres:
                async with self._database.connect(None) as connection:
                    await self._relay_mode(connection)
                    locked = await connection.execute(
                        sa.select(sa.func.pg_try_advisory_xact_lock(RELAY_LOCK_BASE + partition))
                    )
                    if not locked.scalar():
                        return 0  # another worker relays this partition now
                    rows, failures = await self._read(connection, partition)
                    outcome = await self._relay(rows, failures)
                    await self._write(connection, outcome)
                    await connection.commit()
            else:
                async with self._database.connect(None) as connection:
                    rows, failures = await self._read(connection, partition)
                outcome = await self._relay(rows, failures)
                async with self._database.transaction() as connection:
                    await connection.lock_for_writing()
                    await self._write(connection, outcome)
            return len(outcome.published)
        finally:
            self._busy.discard(partition)

    async def _read(
        self, connection: SqlConnection, partition: int
    ) -> tuple[list[Any], dict[Any, dict[str, _Failure]]]:
        rows = list(
            (
                await connection.execute(
                    sa.select(outbox)
                    .where(outbox.c.partition == partition, outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self._batch)
                )
            ).all()
        )
        failures: dict[Any, dict[str, _Failure]] = {}
        if rows:
            found = await connection.execute(
                sa.select(event_handler_failures).where(
                    event_handler_failures.c.partition == partition,
                    event_handler_failures.c.event_id.in_([row.id for row in rows]),
                )
            )
            for f in found.all():
                failures.setdefault(f.event_id, {})[f.handler] = _Failure(
                    f.attempts, f.parked, f.next_attempt_at, f.first_failed_at
                )
        return rows, failures

    async def _relay(self, rows: Sequence[Any], failures: dict[Any, dict[str, _Failure]]) -> _Outcome:
        """Each handler (then each publisher) takes the batch's events in id order, one tenant's
        at a time; an event is published when every one of them has had it."""
        outcome = _Outcome([], [], [])
        events = [published_event(row) for row in rows]
        blocked: dict[Any, Any] = {}  # aggregate -> id of its first event that must wait
        names: list[str] = []
        for event in events:
            names.extend(n for n in self._dispatcher.handlers(event.type) if n not in names)
        for name in names:
            await self._lane(
                name,
                [e for e in events if name in self._dispatcher.handlers(e.type)],
                failures,
                blocked,
                outcome,
            )
        for publisher in self._publishers:
            await self._publish_lane(publisher, events, failures, blocked, outcome)
        for event in events:
            first_waiting = blocked.get(event.aggregate_id)
            if first_waiting is None or event.id < first_waiting:
                outcome.published.append((event.tenant_id, event.id))
                if event.id in failures:
                    outcome.cleared.append(event.id)
        return outcome

    def _waiting(
        self,
        name: str,
        events: Sequence[PublishedEvent],
        failures: dict[Any, dict[str, _Failure]],
        blocked: dict[Any, Any],
    ) -> list[PublishedEvent]:
        """The events ``name`` should have now: not of a blocked aggregate (from its first waiting
        event on), not parked for it, and blocking their aggregate while a failure's backoff runs."""
        now = self._now()
        todo: list[PublishedEvent] = []
        for event in events:
            first_waiting = blocked.get(event.aggregate_id)
            if first_waiting is not None and event.id >= first_waiting:
                continue
            failure = failures.get(event.id, {}).get(name)
            if failure is not None and failure.parked:
                continue
            if failure is not None and failure.next_attempt_at is not None and failure.next_attempt_at > now:
                blocked[event.aggregate_id] = event.id
                continue
            todo.append(event)
        return todo

    async def _lane(
        self,
        name: str,
        events: Sequence[PublishedEvent],
        failures: dict[Any, dict[str, _Failure]],
        blocked: dict[Any, Any],
        outcome: _Outcome,
    ) -> None:
        todo = self._waiting(name, events, failures, blocked)
        while todo:
            tenant = todo[0].tenant_id
            run = [e for e in todo if e.tenant_id == tenant]
            done, error = await self._dispatcher.handle_many(name, run)
            handled = {e.id for e in run[:done]}
            if error is None:
                todo = [e for e in todo if e.tenant_id != tenant]
                continue
            failed = run[done]
            handled.add(failed.id)
            if self._failed(name, failed, error, failures.get(failed.id, {}).get(name), outcome):
                blocked[failed.aggregate_id] = failed.id
            todo = [
                e
                for e in todo
                if e.id not in handled and not (e.aggregate_id in blocked and e.id >= blocked[e.aggregate_id])
            ]

    async def _publish_lane(
        self,
        publisher: EventPublisher,
        events: Sequence[PublishedEvent],
        failures: dict[Any, dict[str, _Failure]],
        blocked: dict[Any, Any],
        outcome: _Outcome,
    ) -> None:
        for event in self._waiting(publisher.name, events, failures, blocked):
            if event.aggregate_id in blocked and event.id >= blocked[event.aggregate_id]:
                continue
            try:
                await publisher.publish(event)
            except Exception as error:  # noqa: BLE001 - recorded and retried; the relay goes on
                failure = failures.get(event.id, {}).get(publisher.name)
                if self._failed(publisher.name, event, error, failure, outcome):
                    blocked[event.aggregate_id] = event.id

    def _failed(
        self,
        name: str,
        event: PublishedEvent,
        error: BaseException,
        failure: _Failure | None,
        outcome: _Outcome,
    ) -> bool:
        """Record ``error`` of ``name`` on ``event``; ``True`` if the event must wait (not parked)."""
        now = self._now()
        attempts = (failure.attempts if failure else 0) + 1
        parked = attempts >= MAX_HANDLER_ATTEMPTS
        outcome.failures.append(
            {
                "event_id": event.id,
                "handler": name,
                "tenant_id": event.tenant_id,
                "event_type": event.type,
                "partition": partition_of(event.aggregate_id),
                "attempts": attempts,
                "error": f"{type(error).__name__}: {error}"[:500],
                "first_failed_at": failure.first_failed_at if failure else now,
                "last_failed_at": now,
                "next_attempt_at": None if parked else now + backoff(attempts),
                "parked": parked,
            }
        )
        (log.error if parked else log.warning)(
            "relay.handler_failed",
            handler=name,
            event_type=event.type,
            event_id=str(event.id),
            attempt=attempts,
            parked=parked,
            error=type(error).__name__,
        )
        return not parked

    async def _write(self, connection: SqlConnection, outcome: _Outcome) -> None:
        if outcome.published:
            now = self._now()
            ids = [event_id for _, event_id in outcome.published]
            for start in range(0, len(ids), 1000):
                await connection.execute(
                    sa.update(outbox).where(outbox.c.id.in_(ids[start : start + 1000])).values(published_at=now)
                )
        for failure in outcome.failures:
            key = (event_handler_failures.c.event_id == failure["event_id"]) & (
                event_handler_failures.c.handler == failure["handler"]
            )
            await connection.execute(sa.delete(event_handler_failures).where(key))
            await connection.execute(sa.insert(event_handler_failures).values(**failure))
        if outcome.cleared:
            await connection.execute(
                sa.delete(event_handler_failures).where(
                    event_handler_failures.c.event_id.in_(outcome.cleared), event_handler_failures.c.parked.is_(False)
                )
            )
