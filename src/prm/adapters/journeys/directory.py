"""The journeys context's view of patients and organisations, through those contexts' public use
cases (:mod:`prm.application.patients`, :mod:`prm.application.organizations.get_organization`)."""

from uuid import UUID

from prm.application.journeys.ports import JourneyOrganizations, JourneyPatients
from prm.application.organizations.get_organization import GetOrganization
from prm.application.patients.contact_points import GetPatientContactPoints
from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.domain.organizations.errors import OrganizationNotFound
from prm.domain.organizations.ids import OrganizationId
from prm.domain.shared.errors import PatientNotFound
from prm.domain.shared.ids import PatientId


class JourneyPatientsFromPatients(JourneyPatients):
    """``exists`` reads in the caller's unit of work without an audit event (ids only);
    ``by_mrn`` is the patients context's MRN look-up, which records its own ``read``."""

    def __init__(self, contact_points: GetPatientContactPoints, by_mrn: GetPatientByMrn) -> None:
        self._contact_points = contact_points
        self._by_mrn = by_mrn

    async def exists(self, patient_id: PatientId) -> bool:
        return await self._contact_points(patient_id) is not None

    async def by_mrn(self, mrn: str) -> PatientId | None:
        try:
            return (await self._by_mrn(mrn)).id
        except PatientNotFound:
            return None


class JourneyOrganizationsFromOrganizations(JourneyOrganizations):
    """Through ``GetOrganization`` (which records a ``read`` of the organisation)."""

    def __init__(self, get: GetOrganization) -> None:
        self._get = get

    async def exists(self, organization_id: UUID) -> bool:
        try:
            await self._get(OrganizationId(organization_id))
        except OrganizationNotFound:
            return False
        return True
