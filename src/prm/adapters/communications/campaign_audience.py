"""A campaign's audience, through the patients and appointments contexts' public use cases
(:mod:`prm.application.patients.select_audience`,
:mod:`prm.application.appointments.patients_not_seen_since`)."""

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, time

from prm.application.appointments.patients_not_seen_since import PatientsNotSeenSince
from prm.application.communications.campaigns_ports import CampaignAudienceSource
from prm.application.communications.contracts import PatientContact
from prm.application.patients.select_audience import AudienceQuery, SelectPatientAudience
from prm.domain.communications.campaigns import Audience
from prm.domain.patients.model import PatientStatus


class CampaignAudienceFromPatients(CampaignAudienceSource):
    """Demographic criteria are the patients context's query; ``last_appointment_before`` is the
    appointments context's set of patients not seen since then, applied to each batch."""

    def __init__(self, select: SelectPatientAudience, not_seen_since: PatientsNotSeenSince) -> None:
        self._select = select
        self._not_seen_since = not_seen_since

    async def batches(self, audience: Audience, today: date, size: int) -> AsyncIterator[Sequence[PatientContact]]:
        born_after, born_on_or_before = audience.birth_date_range(today)
        query = AudienceQuery(
            status=PatientStatus(audience.patient_status),
            born_after=born_after,
            born_on_or_before=born_on_or_before,
            genders=audience.genders,
            cities=audience.cities,
        )
        lapsed = None
        if audience.last_appointment_before is not None:
            lapsed = await self._not_seen_since(datetime.combine(audience.last_appointment_before, time(), UTC))
            if not lapsed:
                return
        async for batch in self._select(query, size):
            contacts = [
                PatientContact(
                    patient_id=found.patient_id,
                    phones=found.phones,
                    emails=found.emails,
                    preferred_language=found.preferred_language,
                    active=found.status is PatientStatus.ACTIVE,
                    given_name=found.given_name,
                )
                for found in batch
                if lapsed is None or found.patient_id in lapsed
            ]
            if contacts:
                yield contacts
