"""Domain events of the practitioners context; written to the outbox with the change that caused them.

The first field is the aggregate's id (the outbox keys on it). Events carry ids and field names,
never personal data.
"""

from dataclasses import dataclass

from prm.domain.shared.ids import PractitionerId


@dataclass(frozen=True, slots=True)
class PractitionerRegistered:
    practitioner_id: PractitionerId


@dataclass(frozen=True, slots=True)
class PractitionerUpdated:
    practitioner_id: PractitionerId
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PractitionerDeleted:
    practitioner_id: PractitionerId
