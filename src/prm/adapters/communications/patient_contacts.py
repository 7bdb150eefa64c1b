"""The communications context's view of patients, through the patients context's public use
cases (:mod:`prm.application.patients.contact_points`)."""

from collections.abc import Sequence

from prm.application.communications.contracts import PatientContact, PatientContacts
from prm.application.patients.contact_points import FindPatientsByContact, GetPatientContactPoints
from prm.domain.patients.model import PatientStatus
from prm.domain.shared.ids import PatientId


class PatientContactsFromPatients(PatientContacts):
    """Same unit of work as the caller; no commit, no audit event (ids and addresses only)."""

    def __init__(self, get: GetPatientContactPoints, find: FindPatientsByContact) -> None:
        self._get = get
        self._find = find

    async def get(self, patient_id: PatientId) -> PatientContact | None:
        found = await self._get(patient_id)
        if found is None:
            return None
        return PatientContact(
            patient_id=found.patient_id,
            phones=found.phones,
            emails=found.emails,
            preferred_language=found.preferred_language,
            active=found.status is PatientStatus.ACTIVE,
            given_name=found.given_name,
        )

    async def by_phone(self, phone: str) -> Sequence[PatientId]:
        return await self._find.by_phone(phone)

    async def by_email(self, email: str) -> Sequence[PatientId]:
        return await self._find.by_email(email)
