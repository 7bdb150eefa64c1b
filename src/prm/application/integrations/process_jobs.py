"""The job handlers that process inbound events (registered in ``prm.ioc.jobs.JOB_HANDLERS``)."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from prm.application.integrations.inputs import MAX_BATCH
from prm.application.integrations.process_events import ProcessIntegrationEvents
from prm.application.shared.jobs import JobHandler, PermanentJobFailure
from prm.domain.integrations.ids import IntegrationEventId


def _ids(values: object) -> Sequence[IntegrationEventId]:
    if not isinstance(values, list) or not values or len(values) > MAX_BATCH:
        raise PermanentJobFailure(f"event_ids must be a list of 1 to {MAX_BATCH} ids")
    try:
        return [IntegrationEventId(UUID(str(value))) for value in values]
    except ValueError as exc:
        raise PermanentJobFailure("event_ids must hold UUIDs") from exc


class ProcessIntegrationEventJob(JobHandler):
    """``integrations.process_event`` with ``{"event_id": "<uuid>"}``: process one event
    (:class:`ProcessIntegrationEvents`). An id the tenant does not have fails the job for good."""

    def __init__(self, process: ProcessIntegrationEvents) -> None:
        self._process = process

    async def __call__(self, args: Mapping[str, Any]) -> None:
        (event_id,) = _ids([args.get("event_id")])
        report = await self._process([event_id])
        if report.missing:
            raise PermanentJobFailure(f"integration event {event_id} does not exist")


class ProcessIntegrationEventBatchJob(JobHandler):
    """``integrations.process_batch`` with ``{"event_ids": ["<uuid>", ...]}`` (up to 1,000, as
    one bulk request stored them): process them together in one unit of work."""

    def __init__(self, process: ProcessIntegrationEvents) -> None:
        self._process = process

    async def __call__(self, args: Mapping[str, Any]) -> None:
        await self._process(_ids(args.get("event_ids")))
