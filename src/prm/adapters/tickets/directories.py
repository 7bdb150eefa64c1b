"""The tickets context's view of other contexts, through their public application ports (never
their tables): whether a patient exists (patients), whether a user exists (identity, for
assignees) and the tenant's time zone (identity, for business hours without a zone)."""

from prm.application.identity.ports import TenantRepository, UserRepository
from prm.application.patients.ports import PatientRepository
from prm.application.tickets.ports import AssigneeDirectory, PatientDirectory, TenantTimeZone
from prm.domain.identity.model import UserId as IdentityUserId
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.tickets.ids import UserId


class PatientDirectoryFromPatients(PatientDirectory):
    """Same unit of work as the caller; no audit event (an existence check)."""

    def __init__(self, patients: PatientRepository) -> None:
        self._patients = patients

    async def exists(self, patient_id: PatientId) -> bool:
        return await self._patients.exists(patient_id)


class AssigneeDirectoryFromIdentity(AssigneeDirectory):
    """The tenant's users, active or not (the identity repository is tenant-scoped)."""

    def __init__(self, users: UserRepository) -> None:
        self._users = users

    async def exists(self, user_id: UserId) -> bool:
        return await self._users.get(IdentityUserId(user_id)) is not None


class TenantTimeZoneFromIdentity(TenantTimeZone):
    """The tenant's IANA zone; ``UTC`` for a tenant without a record (the default tenant of a
    fresh installation)."""

    def __init__(self, tenants: TenantRepository, tenant_id: TenantId) -> None:
        self._tenants = tenants
        self._tenant_id = tenant_id

    async def time_zone(self) -> str:
        tenant = await self._tenants.get(self._tenant_id)
        return tenant.time_zone if tenant is not None else "UTC"
