"""Each context's section of a patient's record, read through that context's own read port.

Every source pages through its context's finder (100 rows a page, in the finder's order) up to
the export's limit, then orders the rows oldest first. Times are RFC 3339 UTC.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder
from prm.application.communications.messages_ports import MessageFilter, MessageQueries
from prm.application.journeys.ports import InstanceCriteria, JourneyInstanceFinder
from prm.application.patients.export_patient import rfc3339
from prm.application.patients.export_ports import Cell, PatientRecordSource, RecordSection
from prm.application.shared.paging import MAX_PAGE_SIZE, Page, PageRequest
from prm.application.tickets.ports import TicketCriteria, TicketFinder
from prm.domain.appointments.model import Appointment
from prm.domain.communications.messages import Message
from prm.domain.journeys.instances import JourneyInstance
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.model import Ticket

T = TypeVar("T")


async def collect_pages(read: Callable[[PageRequest], Awaitable[Page[T]]], limit: int) -> tuple[list[T], bool]:
    """Up to ``limit`` items over pages of :data:`MAX_PAGE_SIZE`, and whether more were left."""
    items: list[T] = []
    number = 1
    while len(items) < limit:
        page = await read(PageRequest(number, MAX_PAGE_SIZE))
        items.extend(page.items)
        if not page.has_next or not page.items:
            return items[:limit], len(items) > limit
        number += 1
    return items[:limit], True


def _section(
    name: str, title: str, columns: tuple[str, ...], rows: Sequence[Mapping[str, Cell]], truncated: bool
) -> RecordSection:
    ordered = sorted(rows, key=lambda row: str(row[columns[0]] or ""))
    return RecordSection(name=name, title=title, columns=columns, rows=ordered, truncated=truncated)


class AppointmentsSection(PatientRecordSource):
    COLUMNS = ("starts_at", "ends_at", "status", "appointment_type", "reason", "practitioner_id", "id")

    def __init__(self, finder: AppointmentFinder) -> None:
        self._finder = finder

    async def section(self, patient_id: PatientId, limit: int) -> RecordSection:
        criteria = AppointmentCriteria(patient_id=patient_id)
        items, truncated = await collect_pages(lambda page: self._finder.find(criteria, page), limit)
        return _section("appointments", "Appointments", self.COLUMNS, [self._row(a) for a in items], truncated)

    @staticmethod
    def _row(a: Appointment) -> Mapping[str, Cell]:
        return {
            "starts_at": rfc3339(a.slot.starts_at),
            "ends_at": rfc3339(a.slot.ends_at),
            "status": a.status.value,
            "appointment_type": a.appointment_type,
            "reason": a.reason_text,
            "practitioner_id": str(a.practitioner_id),
            "id": str(a.id),
        }


class JourneysSection(PatientRecordSource):
    COLUMNS = ("started_at", "journey_id", "status", "stages_completed", "stages_total", "completed_at", "id")

    def __init__(self, finder: JourneyInstanceFinder) -> None:
        self._finder = finder

    async def section(self, patient_id: PatientId, limit: int) -> RecordSection:
        criteria = InstanceCriteria(patient_id=patient_id)
        items, truncated = await collect_pages(lambda page: self._finder.find(criteria, page), limit)
        return _section("journeys", "Care journeys", self.COLUMNS, [self._row(i) for i in items], truncated)

    @staticmethod
    def _row(i: JourneyInstance) -> Mapping[str, Cell]:
        return {
            "started_at": rfc3339(i.started_at),
            "journey_id": str(i.journey_id),
            "status": i.status.value,
            "stages_completed": sum(1 for s in i.stages if s.status.finished),
            "stages_total": len(i.stages),
            "completed_at": rfc3339(i.completed_at),
            "id": str(i.id),
        }


class CommunicationsSection(PatientRecordSource):
    COLUMNS = ("created_at", "direction", "channel", "status", "subject", "body", "id")

    def __init__(self, queries: MessageQueries) -> None:
        self._queries = queries

    async def section(self, patient_id: PatientId, limit: int) -> RecordSection:
        where = MessageFilter(patient_id=patient_id)
        items, truncated = await collect_pages(lambda page: self._queries.list_page(where, page), limit)
        return _section("communications", "Communications", self.COLUMNS, [self._row(m) for m in items], truncated)

    @staticmethod
    def _row(m: Message) -> Mapping[str, Cell]:
        return {
            "created_at": rfc3339(m.created_at),
            "direction": m.direction.value,
            "channel": m.channel.value,
            "status": m.status.value,
            "subject": m.subject,
            "body": m.body,
            "id": str(m.id),
        }


class TicketsSection(PatientRecordSource):
    COLUMNS = ("created_at", "title", "category", "priority", "status", "resolved_at", "id")

    def __init__(self, finder: TicketFinder) -> None:
        self._finder = finder

    async def section(self, patient_id: PatientId, limit: int) -> RecordSection:
        criteria = TicketCriteria(patient_id=patient_id)
        items, truncated = await collect_pages(lambda page: self._finder.find(criteria, page), limit)
        return _section("tickets", "Tickets", self.COLUMNS, [self._row(t) for t in items], truncated)

    @staticmethod
    def _row(t: Ticket) -> Mapping[str, Cell]:
        return {
            "created_at": rfc3339(t.created_at),
            "title": t.title,
            "category": t.category,
            "priority": t.priority.value,
            "status": t.status.value,
            "resolved_at": rfc3339(t.resolved_at),
            "id": str(t.id),
        }
