"""Process stored inbound events: resolve the patient, hand the event to its subscribers."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog

from prm.application.integrations.ports import (
    InboundEvent,
    IntegrationEventRepository,
    IntegrationEventSubscriber,
    IntegrationEventSubscribers,
    PatientDirectory,
)
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.integrations.ids import IntegrationEventId
from prm.domain.integrations.model import FailureReason, IntegrationEvent, IntegrationEventStatus
from prm.domain.shared.errors import DomainError, StaleVersion
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)

STALE_RETRIES = 3
"""How many times a subscriber that met a concurrent change (``StaleVersion``: a journey instance
saved meanwhile by an action job, say) is called again before the event fails."""


async def _call(subscriber: IntegrationEventSubscriber, event: InboundEvent) -> bool | None:
    """``subscriber(event)``, again (it reads afresh) while it raises ``StaleVersion``, up to
    :data:`STALE_RETRIES` times. Subscribers are idempotent on the event's id, so what a first call
    wrote before the collision is not applied twice."""
    for attempt in range(STALE_RETRIES + 1):
        try:
            return await subscriber(event)
        except StaleVersion:
            if attempt == STALE_RETRIES:
                raise
            log.info("integration_event.subscriber_retried", event_id=str(event.id), attempt=attempt + 1)
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessingReport:
    """How many of the asked events became processed, ignored or failed; ``skipped`` were not
    pending (processed already, by an earlier run of the job) and ``missing`` do not exist."""

    processed: int = 0
    ignored: int = 0
    failed: int = 0
    skipped: int = 0
    missing: int = 0


class ProcessIntegrationEvents:
    """Process the ``pending`` events among ``event_ids`` in one unit of work, and commit once.

    For each event: the patient its identifier names (one look-up for all of them), then the
    subscribers of its code. It becomes ``processed`` when at least one subscriber took it,
    ``ignored`` when its code has none or every one returned ``False`` (it applied to nothing),
    ``failed`` with a reason (``unknown_patient``,
    ``ambiguous_patient``, ``subscriber_rejected``). Records ``integration_event.processed`` or
    ``.failed`` in the outbox. Idempotent: events that are not pending are skipped, so a job run
    again changes nothing. An unexpected error of a subscriber rolls the whole unit back (the job
    engine retries it); ``StaleVersion`` (another run changed an event meanwhile) does the same.
    """

    def __init__(
        self,
        events: IntegrationEventRepository,
        patients: PatientDirectory,
        subscribers: IntegrationEventSubscribers,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._events = events
        self._patients = patients
        self._subscribers = subscribers
        self._outbox = outbox
        self._uow = uow
        self._clock = clock

    async def __call__(self, event_ids: Sequence[IntegrationEventId]) -> ProcessingReport:
        wanted = list(dict.fromkeys(event_ids))
        found = await self._events.get_many(wanted) if wanted else []
        pending = sorted((e for e in found if e.status is IntegrationEventStatus.PENDING), key=lambda e: e.id)
        skipped = len(found) - len(pending)
        if not pending:
            return ProcessingReport(skipped=skipped, missing=len(wanted) - len(found))
        matches = await self._patients.resolve(sorted({e.patient_identifier for e in pending}))
        if len(pending) > 1:
            await self._expect(pending, matches)
        now = self._clock.now()
        versions = [(event, event.version) for event in pending]
        for event in pending:
            await self._process(event, tuple(matches.get(event.patient_identifier, ())), now)
        await self._events.save_many([(event, version) for event, version in versions])
        await self._outbox.add([change for event in pending for change in event.events])
        await self._uow.commit()
        report = ProcessingReport(
            processed=sum(e.status is IntegrationEventStatus.PROCESSED for e in pending),
            ignored=sum(e.status is IntegrationEventStatus.IGNORED for e in pending),
            failed=sum(e.status is IntegrationEventStatus.FAILED for e in pending),
            skipped=skipped,
            missing=len(wanted) - len(found),
        )
        log.info(
            "integration_events.processed",
            processed=report.processed,
            ignored=report.ignored,
            failed=report.failed,
            skipped=report.skipped,
        )
        return report

    async def _expect(self, pending: Sequence[IntegrationEvent], matches: Mapping[str, Sequence[PatientId]]) -> None:
        """Tell each subscriber the patients of the batch's events it will be given (those whose
        identifier names one patient), so that it reads what it needs once for all of them."""
        expected: dict[int, tuple[IntegrationEventSubscriber, list[PatientId]]] = {}
        for event in pending:
            found = matches.get(event.patient_identifier, ())
            if len(found) != 1:
                continue
            for subscriber in await self._subscribers.for_code(event.event_code):
                expected.setdefault(id(subscriber), (subscriber, []))[1].append(found[0])
        for subscriber, patients in expected.values():
            await subscriber.expect(patients)

    async def _process(self, event: IntegrationEvent, patients: tuple[PatientId, ...], now: datetime) -> None:
        if not patients:
            event.mark_failed(FailureReason.UNKNOWN_PATIENT, "no patient of the tenant has this identifier", now)
            return
        if len(patients) > 1:
            event.mark_failed(
                FailureReason.AMBIGUOUS_PATIENT, "several patients of the tenant have this identifier", now
            )
            return
        patient_id = patients[0]
        subscribers = await self._subscribers.for_code(event.event_code)
        if not subscribers:
            event.mark_ignored(patient_id, now)
            return
        inbound = InboundEvent(
            id=event.id,
            source_system=event.source_system,
            event_code=event.event_code,
            external_id=event.external_id,
            encounter_id=event.encounter_id,
            patient_id=patient_id,
            occurred_at=event.occurred_at,
            received_at=event.received_at,
            payload=event.payload,
        )
        took = 0
        for subscriber in subscribers:
            try:
                outcome = await _call(subscriber, inbound)
            except DomainError as exc:  # a rule of the subscriber's context: the event fails, the rest go on
                event.mark_failed(FailureReason.SUBSCRIBER_REJECTED, f"{exc.code}: {exc.detail}", now, patient_id)
                return
            took += outcome is not False
        if not took:  # every subscriber said the event applied to nothing of theirs
            event.mark_ignored(patient_id, now)
            return
        event.mark_processed(patient_id, took, now)
