"""Patients chosen by demographic criteria, a batch at a time, with their contact points: what
the communications context's campaigns send to."""

from abc import abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from prm.application.patients.contact_points import PatientContactPoints
from prm.domain.patients.model import PatientStatus
from prm.domain.shared.ids import PatientId
from prm.domain.shared.text import fold


@dataclass(frozen=True, slots=True, kw_only=True)
class AudienceQuery:
    """Every criterion given must hold. ``born_after`` is exclusive, ``born_on_or_before``
    inclusive (a patient without a birth date matches neither); ``genders`` FHIR
    AdministrativeGender codes; ``cities`` compared folded (case and accents aside)."""

    status: PatientStatus = PatientStatus.ACTIVE
    born_after: date | None = None
    born_on_or_before: date | None = None
    genders: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()


class PatientAudience(Protocol):
    """The read side the use case runs on (the patients' SQL adapter)."""

    @abstractmethod
    async def page(self, query: AudienceQuery, after: PatientId | None, size: int) -> Sequence[PatientContactPoints]:
        """Up to ``size`` matching patients with an id above ``after``, in id order."""


class SelectPatientAudience:
    """The tenant's patients matching an :class:`AudienceQuery`, in id order, ``size`` at a time
    (keyset paging: each batch is one indexed query, however large the tenant). Runs in the
    caller's unit of work; records no audit event (ids and addresses for messaging: the caller
    audits what it does with them)."""

    def __init__(self, audience: PatientAudience) -> None:
        self._audience = audience

    async def __call__(self, query: AudienceQuery, size: int) -> AsyncIterator[Sequence[PatientContactPoints]]:
        query = AudienceQuery(
            status=query.status,
            born_after=query.born_after,
            born_on_or_before=query.born_on_or_before,
            genders=query.genders,
            cities=tuple(dict.fromkeys(fold(c) for c in query.cities)),
        )
        after: PatientId | None = None
        while True:
            batch = await self._audience.page(query, after, size)
            if batch:
                yield batch
            if len(batch) < size:
                return
            after = batch[-1].patient_id
