"""Domain events of the patients context; written to the outbox with the change that caused them."""

from dataclasses import dataclass
from typing import ClassVar

from prm.domain.shared.events import catalogue
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True)
class PatientRegistered:
    TYPE: ClassVar[str] = "patient.registered"
    VERSION: ClassVar[int] = 1

    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class PatientUpdated:
    TYPE: ClassVar[str] = "patient.updated"
    VERSION: ClassVar[int] = 1

    patient_id: PatientId
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PatientDeactivated:
    TYPE: ClassVar[str] = "patient.deactivated"
    VERSION: ClassVar[int] = 1

    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class PatientReactivated:
    TYPE: ClassVar[str] = "patient.reactivated"
    VERSION: ClassVar[int] = 1

    patient_id: PatientId


CATALOGUE = catalogue(PatientRegistered, PatientUpdated, PatientDeactivated, PatientReactivated)
"""What this context publishes, by ``TYPE``."""
