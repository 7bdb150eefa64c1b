"""Domain events of the patients context; written to the outbox with the change that caused them."""

from dataclasses import dataclass

from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True)
class PatientRegistered:
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class PatientUpdated:
    patient_id: PatientId
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PatientDeactivated:
    patient_id: PatientId


@dataclass(frozen=True, slots=True)
class PatientReactivated:
    patient_id: PatientId
