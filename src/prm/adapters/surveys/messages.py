"""Survey invitations through the communications context's queue, and the patients context's
existence check."""

from datetime import datetime
from uuid import UUID

from prm.application.communications.contracts import MessageRequest
from prm.application.communications.inbox_ports import ClinicName
from prm.application.communications.messages_queue import QueueMessage
from prm.application.communications.templates_builtin import SURVEY_INVITATION
from prm.application.patients.contact_points import GetPatientContactPoints
from prm.application.surveys.ports import SurveyMessages, SurveyPatients
from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.shared.ids import PatientId


class SurveyMessagesFromCommunications(SurveyMessages):
    """The built-in ``survey_invitation`` template (``patient_name``, ``clinic_name``,
    ``survey_url``), category ``survey``, queued in the caller's unit of work; a patient without
    an address or consent gets a ``blocked`` message, not an error."""

    def __init__(self, queue: QueueMessage, clinic: ClinicName) -> None:
        self._queue = queue
        self._clinic = clinic

    async def send(
        self,
        *,
        patient_id: PatientId,
        channel: str,
        link: str,
        send_at: datetime | None,
        dedup_key: str,
        journey_instance_id: UUID | None = None,
    ) -> UUID:
        return await self._queue.queue(
            MessageRequest(
                patient_id=patient_id,
                channel=Channel(channel),
                template_name=SURVEY_INVITATION,
                template_vars={"clinic_name": await self._clinic.name(), "survey_url": link},
                category=TemplateCategory.SURVEY.value,
                event_type="survey.invitation",
                scheduled_for=send_at,
                journey_instance_id=journey_instance_id,
                dedup_key=dedup_key,
            )
        )


class SurveyPatientsFromPatients(SurveyPatients):
    def __init__(self, get: GetPatientContactPoints) -> None:
        self._get = get

    async def exists(self, patient_id: PatientId) -> bool:
        return await self._get(patient_id) is not None
