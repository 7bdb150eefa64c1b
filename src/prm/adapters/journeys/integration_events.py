"""Inbound integration events as journey triggers: the ``"*"`` subscriber of the integrations
context (``INTEGRATION_SUBSCRIBERS``)."""

from collections.abc import Sequence

from prm.application.integrations.ports import InboundEvent, IntegrationEventSubscriber
from prm.application.journeys.apply_events import ApplyJourneyTrigger, JourneyTrigger
from prm.domain.shared.ids import PatientId


class AdvanceJourneysOnIntegrationEvent(IntegrationEventSubscriber):
    """Completes the stages waiting for the event's code on the patient's active instances (those
    of its encounter, or bound to none) and enrols the patient where a journey's trigger
    conditions match (the payload's fields, with ``source_system`` and ``encounter_id``). Runs in
    the processing unit of work; returns ``False`` when nothing matched (the event is ignored)."""

    def __init__(self, apply: ApplyJourneyTrigger) -> None:
        self._apply = apply

    async def expect(self, patient_ids: Sequence[PatientId]) -> None:
        await self._apply.expect(patient_ids)

    async def __call__(self, event: InboundEvent) -> bool:
        attributes = {**event.payload, "source_system": event.source_system}
        if event.encounter_id:
            attributes["encounter_id"] = event.encounter_id
        return await self._apply(
            JourneyTrigger(
                code=event.event_code,
                reference=f"integration:{event.id}",
                patient_id=event.patient_id,
                encounter_id=event.encounter_id,
                attributes=attributes,
            )
        )
