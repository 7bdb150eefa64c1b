"""Each context's part of the cross-entity search, over its public read ports (never its tables).

- patients: name prefixes, phone digits, an email fragment or the exact MRN in one query
  (the patients context's free-text match), or the id;
- practitioners: name prefixes, or the id;
- appointments: the upcoming appointments of the first :data:`PEOPLE` matching patients and
  practitioners, or the id;
- tickets: the newest tickets whose title holds the text (any case), and those of the first
  :data:`PEOPLE` matching patients, or the id;
- communications: messages whose subject or body holds every word (the messages part's
  full-text search), or the id.

Bounded work: a source runs at most ``2 + 2 * PEOPLE`` queries whatever the tenant's size.
"""

from collections.abc import Sequence
from datetime import UTC
from uuid import UUID

from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder, AppointmentRepository
from prm.application.communications.messages_ports import MessageFilter, MessageQueries, MessageRepository
from prm.application.patients.ports import PatientCriteria, PatientFinder, PatientRepository, PatientSummary
from prm.application.patients.text_match import free_text, name_prefixes
from prm.application.practitioners.ports import PractitionerCriteria, PractitionerFinder, PractitionerRepository
from prm.application.search.ports import SearchHit, SearchKind, SearchSource, SearchText
from prm.application.shared.paging import PageRequest
from prm.application.shared.ports import Clock
from prm.application.tickets.ports import TicketCriteria, TicketFinder, TicketRepository
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import ACTIVE_STATUSES, Appointment
from prm.domain.communications.messages import Message, MessageId
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.domain.tickets.ids import TicketId
from prm.domain.tickets.model import Ticket

PEOPLE = 3
"""Matching patients (and practitioners) whose appointments and tickets are looked at."""
SNIPPET = 120
"""Characters of a message body shown."""


def _patient_hit(p: PatientSummary) -> SearchHit:
    subtitle = f"MRN {p.mrn}" + (f" · {p.status.value}" if p.status.value != "active" else "")
    return SearchHit(id=p.id, title=p.full_name, subtitle=subtitle, patient_id=p.id)


async def _patients(finder: PatientFinder, query: SearchText, limit: int) -> Sequence[PatientSummary]:
    return await finder.first(PatientCriteria(text=free_text(query.text, query.region)), limit)


class PatientsSource(SearchSource):
    kind = SearchKind.PATIENTS

    def __init__(self, finder: PatientFinder, patients: PatientRepository) -> None:
        self._finder = finder
        self._patients = patients

    async def search(self, query: SearchText, limit: int) -> Sequence[SearchHit]:
        if query.as_id is not None:
            patient = await self._patients.get(PatientId(query.as_id))
            return [_patient_hit(PatientSummary.of(patient))] if patient is not None else []
        return [_patient_hit(p) for p in await _patients(self._finder, query, limit)]


class PractitionersSource(SearchSource):
    kind = SearchKind.PRACTITIONERS

    def __init__(self, finder: PractitionerFinder, practitioners: PractitionerRepository) -> None:
        self._finder = finder
        self._practitioners = practitioners

    async def search(self, query: SearchText, limit: int) -> Sequence[SearchHit]:
        if query.as_id is not None:
            found = await self._practitioners.get(PractitionerId(query.as_id))
            if found is None:
                return []
            return [SearchHit(id=found.id, title=found.name, subtitle=found.details.speciality)]
        prefixes = name_prefixes(query.text)
        if not prefixes:
            return []
        summaries = await self._finder.summaries(PractitionerCriteria(name_prefixes=prefixes), limit)
        return [SearchHit(id=s.id, title=s.name, subtitle=s.speciality) for s in summaries]


def _appointment_hit(a: Appointment, who: str | None) -> SearchHit:
    start = a.slot.starts_at.astimezone(UTC)
    subtitle = " · ".join(part for part in (who, a.status.value, a.appointment_type) if part)
    return SearchHit(
        id=a.id, title=f"Appointment {start:%Y-%m-%d %H:%M} UTC", subtitle=subtitle, patient_id=a.patient_id, at=start
    )


class AppointmentsSource(SearchSource):
    kind = SearchKind.APPOINTMENTS

    def __init__(
        self,
        appointments: AppointmentRepository,
        finder: AppointmentFinder,
        patients: PatientFinder,
        practitioners: PractitionerFinder,
        clock: Clock,
    ) -> None:
        self._appointments = appointments
        self._finder = finder
        self._patients = patients
        self._practitioners = practitioners
        self._clock = clock

    async def search(self, query: SearchText, limit: int) -> Sequence[SearchHit]:
        if query.as_id is not None:
            found = await self._appointments.get(AppointmentId(query.as_id))
            return [_appointment_hit(found, None)] if found is not None else []
        now = self._clock.now()
        upcoming = frozenset(ACTIVE_STATUSES)
        hits: dict[UUID, SearchHit] = {}
        for p in await _patients(self._patients, query, PEOPLE):
            criteria = AppointmentCriteria(patient_id=p.id, statuses=upcoming, starts_from=now)
            for a in await self._finder.first(criteria, limit):
                hits.setdefault(a.id, _appointment_hit(a, p.full_name))
        prefixes = name_prefixes(query.text)
        if prefixes:
            for s in await self._practitioners.summaries(PractitionerCriteria(name_prefixes=prefixes), PEOPLE):
                criteria = AppointmentCriteria(practitioner_id=s.id, statuses=upcoming, starts_from=now)
                for a in await self._finder.first(criteria, limit):
                    hits.setdefault(a.id, _appointment_hit(a, s.name))
        return sorted(hits.values(), key=lambda h: (h.at, h.id))[:limit]


def _ticket_hit(t: Ticket) -> SearchHit:
    return SearchHit(
        id=t.id,
        title=t.title,
        subtitle=f"{t.status.value} · {t.priority.value}",
        patient_id=t.patient_id,
        at=t.created_at,
    )


class TicketsSource(SearchSource):
    kind = SearchKind.TICKETS

    def __init__(self, tickets: TicketRepository, finder: TicketFinder, patients: PatientFinder) -> None:
        self._tickets = tickets
        self._finder = finder
        self._patients = patients

    async def search(self, query: SearchText, limit: int) -> Sequence[SearchHit]:
        if query.as_id is not None:
            found = await self._tickets.get(TicketId(query.as_id))
            return [_ticket_hit(found)] if found is not None else []
        page = await self._finder.find(TicketCriteria(title=query.text), PageRequest(1, limit))
        hits = {t.id: _ticket_hit(t) for t in page.items}
        for p in await _patients(self._patients, query, PEOPLE):
            page = await self._finder.find(TicketCriteria(patient_id=p.id), PageRequest(1, limit))
            hits.update((t.id, _ticket_hit(t)) for t in page.items if t.id not in hits)
        return sorted(hits.values(), key=lambda h: (h.at, h.id), reverse=True)[:limit]


def _message_hit(m: Message) -> SearchHit:
    body = " ".join(m.body.split())
    snippet = body if len(body) <= SNIPPET else body[: SNIPPET - 1] + "…"
    title = m.subject or f"{m.channel.value} {m.direction.value}"
    return SearchHit(id=m.id, title=title, subtitle=snippet, patient_id=m.patient_id, at=m.created_at)


class CommunicationsSource(SearchSource):
    kind = SearchKind.COMMUNICATIONS

    def __init__(self, queries: MessageQueries, messages: MessageRepository) -> None:
        self._queries = queries
        self._messages = messages

    async def search(self, query: SearchText, limit: int) -> Sequence[SearchHit]:
        if query.as_id is not None:
            found = await self._messages.get(MessageId(query.as_id))
            return [_message_hit(found)] if found is not None else []
        page = await self._queries.search(query.text, MessageFilter(), PageRequest(1, limit))
        return [_message_hit(m) for m in page.items]
