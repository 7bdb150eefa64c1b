"""Patients not seen since a day: those with appointments, none starting on or after it (the
"lapsed patients" of a recall campaign)."""

from abc import abstractmethod
from collections.abc import Set
from datetime import datetime
from typing import Protocol

from prm.domain.shared.ids import PatientId

NOT_A_VISIT = frozenset({"cancelled", "entered-in-error"})
"""FHIR Appointment.status values that are no visit, planned or past."""


class AppointmentHistory(Protocol):
    @abstractmethod
    async def patients_last_seen_before(self, instant: datetime) -> Set[PatientId]:
        """Patients whose latest appointment (of a status not in :data:`NOT_A_VISIT`) starts
        before ``instant`` (UTC)."""


class PatientsNotSeenSince:
    """The tenant's patients with at least one appointment (not cancelled or entered in error)
    and none starting at or after ``instant``. Ids only, in the caller's unit of work; no audit
    event."""

    def __init__(self, history: AppointmentHistory) -> None:
        self._history = history

    async def __call__(self, instant: datetime) -> Set[PatientId]:
        return await self._history.patients_last_seen_before(instant)
