"""Ports of the caregivers context (issue 13). Every implementation is tenant-scoped: it only
ever sees the rows of the tenant it was built for."""

from abc import abstractmethod
from collections.abc import Sequence
from typing import Protocol

from prm.domain.caregivers.ids import CaregiverId
from prm.domain.caregivers.model import Caregiver
from prm.domain.shared.ids import PatientId

MAX_CAREGIVERS = 50
"""Caregivers one patient has at most (a list, a 360 view and a message's copies read them all)."""


class CaregiverRepository(Protocol):
    """The tenant's caregivers as aggregates."""

    @abstractmethod
    async def add(self, caregiver: Caregiver) -> None: ...

    @abstractmethod
    async def get(self, patient_id: PatientId, caregiver_id: CaregiverId) -> Caregiver | None:
        """The caregiver of this patient; ``None`` for another patient's (or tenant's) id."""

    @abstractmethod
    async def get_by_id(self, caregiver_id: CaregiverId) -> Caregiver | None:
        """The tenant's caregiver with this id, whoever's it is; ``None`` for another tenant's."""

    @abstractmethod
    async def of_patient(self, patient_id: PatientId) -> Sequence[Caregiver]:
        """The patient's caregivers in the order they were added (at most :data:`MAX_CAREGIVERS`), one query."""

    @abstractmethod
    async def count(self, patient_id: PatientId) -> int: ...

    @abstractmethod
    async def save(self, caregiver: Caregiver, *, expected_version: int) -> None:
        """Update the row if it is still at ``expected_version``; raises ``StaleVersion`` otherwise."""

    @abstractmethod
    async def remove(self, caregiver: Caregiver) -> None:
        """Delete the row if it is still at ``caregiver.version``; raises ``StaleVersion`` otherwise."""


class PatientDirectory(Protocol):
    """What caregivers need to know of the tenant's patients."""

    @abstractmethod
    async def exists(self, patient_id: PatientId) -> bool: ...
