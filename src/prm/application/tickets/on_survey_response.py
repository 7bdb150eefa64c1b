"""On ``survey.response_recorded``: a low score opens a follow-up ticket."""

from uuid import UUID

import structlog

from prm.application.shared.events import EventHandler, PublishedEvent
from prm.application.shared.ports import UnitOfWork
from prm.application.tickets.open_ticket import OpenTicket, OpenTicketCommand
from prm.domain.shared.errors import PatientNotFound
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.codes import TicketPriority, TicketSource

log = structlog.get_logger(__name__)

SURVEY_CATEGORY = "survey_follow_up"
SURVEY_TITLE = "Low survey score"


def _uuid(value: object) -> UUID | None:
    return UUID(str(value)) if value not in (None, "") else None


class OpenTicketForLowScore(EventHandler):
    """Registered for ``survey.response_recorded`` (payload: ``survey_response_id``,
    ``invitation_id``, ``template_id``, ``patient_id``, ``score`` (number or null),
    ``below_threshold``, ``journey_instance_id``, ``stage_id``).

    When ``below_threshold``, opens a high-priority ``survey_follow_up`` ticket titled "Low survey
    score" for the patient, with the response and journey instance behind it, de-duplicated by
    ``survey:<survey_response_id>`` (a repeat delivery opens nothing new), and commits. A response
    whose patient the tenant no longer has opens nothing.
    """

    def __init__(self, open_ticket: OpenTicket, uow: UnitOfWork) -> None:
        self._open = open_ticket
        self._uow = uow

    async def __call__(self, event: PublishedEvent) -> None:
        payload = event.payload
        if payload.get("below_threshold") is not True:
            return
        response_id = _uuid(payload.get("survey_response_id")) or event.aggregate_id
        patient_id = _uuid(payload.get("patient_id"))
        if patient_id is None:
            log.info("ticket.survey_without_patient", survey_response_id=str(response_id))
            return
        try:
            ticket_id = await self._open(
                OpenTicketCommand(
                    patient_id=PatientId(patient_id),
                    title=SURVEY_TITLE,
                    category=SURVEY_CATEGORY,
                    priority=TicketPriority.HIGH,
                    source=TicketSource.SURVEY,
                    journey_instance_id=_uuid(payload.get("journey_instance_id")),
                    survey_response_id=response_id,
                    dedup_key=f"survey:{response_id}",
                )
            )
        except PatientNotFound:
            log.info("ticket.survey_patient_unknown", survey_response_id=str(response_id))
            return
        await self._uow.commit()
        log.info("ticket.opened_for_survey", ticket_id=str(ticket_id), survey_response_id=str(response_id))
