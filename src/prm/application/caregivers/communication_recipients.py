"""Who else receives a patient's messages: the read port the communications context uses."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from prm.application.caregivers.ports import CaregiverRepository
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.caregivers.model import CaregiverChannel
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True)
class CaregiverAddress:
    """A caregiver's address on one channel: E.164 phone (sms, whatsapp) or email."""

    caregiver_id: CaregiverId
    address: str


class CommunicationRecipients:
    """``await recipients(patient_id, channel, day)``: the addresses of the patient's caregivers
    who receive the patient's communications on ``channel`` on ``day`` (see
    ``CaregiverDetails.communication_address``: ``receives_communications``, active that day,
    preferring that channel or none, with an address for it), in the order they were added, each
    address once and never the patient's own ``exclude`` address. One query; runs in the
    caller's unit of work, records no audit event (the caller records the messages it creates)."""

    def __init__(self, caregivers: CaregiverRepository) -> None:
        self._caregivers = caregivers

    async def __call__(
        self, patient_id: PatientId, channel: CaregiverChannel, day: date, *, exclude: str | None = None
    ) -> Sequence[CaregiverAddress]:
        seen = {exclude} if exclude else set()
        found: list[CaregiverAddress] = []
        for caregiver in await self._caregivers.of_patient(patient_id):
            address = caregiver.details.communication_address(channel, day)
            if address is not None and address not in seen:
                seen.add(address)
                found.append(CaregiverAddress(caregiver.id, address))
        return found
