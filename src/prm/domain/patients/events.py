"""Domain events of the patients context; written to the outbox with the change that caused them."""

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

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


@dataclass(frozen=True, slots=True)
class PatientMerged:
    """``patient_id`` (the source, now ``merged``) was merged into ``target_patient_id`` (the
    survivor), which took ``taken_fields`` from it; ``merge_id`` is the merge record."""

    TYPE: ClassVar[str] = "patient.merged"
    VERSION: ClassVar[int] = 1

    patient_id: PatientId
    target_patient_id: PatientId
    merge_id: UUID
    taken_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PatientMergeUndone:
    """The merge ``merge_id`` of ``patient_id`` into ``target_patient_id`` was undone: both records
    and every reference are as they were before it."""

    TYPE: ClassVar[str] = "patient.merge_undone"
    VERSION: ClassVar[int] = 1

    patient_id: PatientId
    target_patient_id: PatientId
    merge_id: UUID


CATALOGUE = catalogue(
    PatientRegistered, PatientUpdated, PatientDeactivated, PatientReactivated, PatientMerged, PatientMergeUndone
)
"""What this context publishes, by ``TYPE``."""
