"""Running PRM's side of events and jobs: a dishka REQUEST scope per handler call.

Each event handler and each job runs in a unit of work of its own, bound to the event's (job's)
tenant with the system principal, exactly like a request: the handler class is resolved from the
scope (its context's provider builds it) and called. For events, ``processed_events`` gets
``(handler, event id)`` in that same transaction, so a repeat delivery (a relay that died before
marking the event published) changes nothing: its commit fails on that record's key.
"""

from collections.abc import Mapping, Sequence
from typing import Any, cast
from uuid import UUID

from dishka import AsyncContainer

from prm.adapters.sql.processed_events import already_processed, record_processed
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.events import BatchEventHandler, EventHandler, PublishedEvent
from prm.application.shared.jobs import JobHandler, PermanentJobFailure
from prm.application.shared.ports import Clock
from prm.domain.shared.ids import TenantId
from prm.ioc.events import EVENT_HANDLERS, handler_name
from prm.ioc.jobs import JOB_HANDLERS


class ContainerDispatcher:
    """Event handlers and job handlers of ``prm.ioc``, each run in a scope of ``container``."""

    def __init__(
        self,
        container: AsyncContainer,
        *,
        event_handlers: Mapping[str, tuple[type[EventHandler], ...]] | None = None,
        job_handlers: Mapping[str, type[JobHandler]] | None = None,
    ) -> None:
        self._container = container
        self._event_handlers = EVENT_HANDLERS if event_handlers is None else event_handlers
        self._job_handlers = JOB_HANDLERS if job_handlers is None else job_handlers
        self._by_name: dict[str, type[EventHandler]] = {
            handler_name(cls): cls for classes in self._event_handlers.values() for cls in classes
        }
        self._names: dict[str, tuple[str, ...]] = {}

    @property
    def tasks(self) -> Sequence[str]:
        return tuple(self._job_handlers)

    def handlers(self, event_type: str) -> Sequence[str]:
        """Names of the handlers of ``event_type``: its own, then those of ``"*"``."""
        names = self._names.get(event_type)
        if names is None:
            classes = self._event_handlers.get(event_type, ()) + self._event_handlers.get("*", ())
            names = self._names[event_type] = tuple(handler_name(cls) for cls in classes)
        return names

    def _context(self, tenant_id: UUID, request_id: str) -> RequestContext:
        return RequestContext(tenant_id=TenantId(tenant_id), principal=SYSTEM, request_id=request_id)

    async def handle_many(self, handler: str, events: Sequence[PublishedEvent]) -> tuple[int, BaseException | None]:
        """Run ``handler`` on ``events`` (one tenant's, in order), each in a transaction of its own
        with its ``processed_events`` record, on one scope while all goes well; stops at the first
        event that raises and returns ``(events done, that error)`` (``(len(events), None)`` when
        all went well).

        There is no look-up first: a repeat (a relay that died before marking the event published)
        runs the handler again, and its commit then fails on the record's primary key, which
        rolls the repeat's writes back: the effect in the database happens once.
        """
        cls = self._by_name[handler]
        if len(events) > 1 and hasattr(cls, "handle_batch") and await self._batch(cls, handler, events):
            return len(events), None
        done = 0
        while done < len(events):
            first = events[done]
            context = self._context(first.tenant_id, f"event:{first.id}")
            async with self._container(context={RequestContext: context}) as scope:
                uow = await scope.get(SqlUnitOfWork)
                clock = await scope.get(Clock)
                instance = await scope.get(cls)
                for event in events[done:]:
                    record_processed(uow, handler, [event], clock.now())
                    try:
                        await instance(event)
                        await uow.commit()  # the record, if the handler did not commit it with its work
                    except Exception as error:  # noqa: BLE001 - the relay records it
                        if not already_processed(error):
                            return done, error
                        done += 1  # handled before: this repeat's writes are rolled back
                        break  # with the scope: a fresh transaction for the rest
                    done += 1
        return done, None

    async def _batch(self, cls: type[EventHandler], handler: str, events: Sequence[PublishedEvent]) -> bool:
        """All of ``events`` through the handler's ``handle_batch`` in one transaction with their
        records; ``False`` (nothing written) if it raised or some event was handled before, and
        the caller goes one event at a time."""
        context = self._context(events[0].tenant_id, f"event:{events[0].id}")
        async with self._container(context={RequestContext: context}) as scope:
            uow = await scope.get(SqlUnitOfWork)
            now = (await scope.get(Clock)).now()
            record_processed(uow, handler, events, now)
            try:
                await cast(BatchEventHandler, await scope.get(cls)).handle_batch(events)
                await uow.commit()
            except Exception:  # noqa: BLE001 - one at a time will find which event, and record it
                return False
        return True

    async def run_job(self, task: str, tenant_id: UUID | None, args: dict[str, Any]) -> None:
        """Run the job handler of ``task`` with ``args`` for ``tenant_id``; raises
        ``PermanentJobFailure`` for a task this code does not know or a job without a tenant."""
        cls = self._job_handlers.get(task)
        if cls is None:
            raise PermanentJobFailure(f"no handler for task {task!r}")
        if tenant_id is None:
            raise PermanentJobFailure(f"job of {task!r} has no tenant")
        async with self._container(context={RequestContext: self._context(tenant_id, f"job:{task}")}) as scope:
            await (await scope.get(cls))(args)
