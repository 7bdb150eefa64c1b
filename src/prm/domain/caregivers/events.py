"""Domain events of the caregivers context; written to the outbox with the change that caused them.

The first field is the aggregate's id (the outbox keys on it). Events carry ids and field names,
never the values (no names, phones or emails).
"""

from dataclasses import dataclass
from typing import ClassVar

from prm.domain.caregivers.ids import CaregiverId
from prm.domain.shared.events import catalogue
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True)
class CaregiverAdded:
    TYPE: ClassVar[str] = "caregiver.added"
    VERSION: ClassVar[int] = 1

    caregiver_id: CaregiverId
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class CaregiverUpdated:
    TYPE: ClassVar[str] = "caregiver.updated"
    VERSION: ClassVar[int] = 1

    caregiver_id: CaregiverId
    patient_id: PatientId
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaregiverRemoved:
    TYPE: ClassVar[str] = "caregiver.removed"
    VERSION: ClassVar[int] = 1

    caregiver_id: CaregiverId
    patient_id: PatientId


CATALOGUE = catalogue(CaregiverAdded, CaregiverUpdated, CaregiverRemoved)
"""What this context publishes, by ``TYPE``."""
