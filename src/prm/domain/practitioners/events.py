"""Domain events of the practitioners context; written to the outbox with the change that caused them.

The first field is the aggregate's id (the outbox keys on it). Events carry ids and field names,
never personal data.
"""

from dataclasses import dataclass
from typing import ClassVar

from prm.domain.shared.events import catalogue
from prm.domain.shared.ids import PractitionerId


@dataclass(frozen=True, slots=True)
class PractitionerRegistered:
    TYPE: ClassVar[str] = "practitioner.registered"
    VERSION: ClassVar[int] = 1

    practitioner_id: PractitionerId


@dataclass(frozen=True, slots=True)
class PractitionerUpdated:
    TYPE: ClassVar[str] = "practitioner.updated"
    VERSION: ClassVar[int] = 1

    practitioner_id: PractitionerId
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PractitionerDeleted:
    TYPE: ClassVar[str] = "practitioner.deleted"
    VERSION: ClassVar[int] = 1

    practitioner_id: PractitionerId


CATALOGUE = catalogue(PractitionerRegistered, PractitionerUpdated, PractitionerDeleted)
"""What this context publishes, by ``TYPE``."""
