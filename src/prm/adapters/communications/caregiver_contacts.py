"""The communications context's view of caregivers, through the caregivers context's public use
case (:class:`~prm.application.caregivers.communication_recipients.CommunicationRecipients`)."""

from collections.abc import Sequence
from datetime import date

from prm.application.caregivers.communication_recipients import CommunicationRecipients
from prm.application.communications.contracts import CaregiverContact, CaregiverContacts
from prm.domain.caregivers.model import CaregiverChannel
from prm.domain.communications.channels import Channel
from prm.domain.shared.ids import PatientId


class CaregiverContactsFromCaregivers(CaregiverContacts):
    """Same unit of work as the caller; no commit, no audit event (ids and addresses only). A
    channel caregivers cannot prefer (none today) has no caregiver recipients."""

    def __init__(self, recipients: CommunicationRecipients) -> None:
        self._recipients = recipients

    async def recipients(
        self, patient_id: PatientId, channel: Channel, day: date, *, exclude: str | None = None
    ) -> Sequence[CaregiverContact]:
        try:
            caregiver_channel = CaregiverChannel(channel.value)
        except ValueError:
            return ()
        found = await self._recipients(patient_id, caregiver_channel, day, exclude=exclude)
        return [CaregiverContact(r.caregiver_id, r.address) for r in found]
