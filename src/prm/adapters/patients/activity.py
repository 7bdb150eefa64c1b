"""The other contexts as the patient 360 view and the patient statistics see them, each read
through that context's own finder or query port (see
:mod:`prm.application.patients.patient_360_ports`). Every method is a fixed number of
statements: a count, a page, or one grouped query."""

from collections.abc import Sequence
from datetime import datetime

from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder
from prm.application.caregivers.patient_caregivers import PatientCaregivers
from prm.application.communications.consent_ports import ConsentRepository
from prm.application.communications.inbox_ports import ThreadFilter, ThreadRepository
from prm.application.communications.messages_ports import MessageFilter, MessageQueries
from prm.application.journeys.ports import InstanceCriteria, JourneyInstanceFinder
from prm.application.patients.patient_360_ports import (
    AppointmentItem,
    AppointmentSummary,
    CaregiverItem,
    ChannelState,
    Conversation,
    JourneyItem,
    MessageItem,
    PatientAppointments,
    PatientCommunications,
    PatientJourneys,
    PatientRelations,
    PatientTickets,
    TagItem,
    TicketItem,
)
from prm.application.shared.paging import MAX_PAGE_SIZE, Page, PageRequest
from prm.application.tags.entity_tags import TagsOfEntity
from prm.application.tickets.ports import TicketCriteria, TicketFinder
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import ConsentState
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance
from prm.domain.shared.ids import PatientId
from prm.domain.tags.model import TaggedKind


class PatientAppointmentsFromAppointments(PatientAppointments):
    def __init__(self, finder: AppointmentFinder) -> None:
        self._finder = finder

    async def summary(self, patient_id: PatientId, now: datetime) -> AppointmentSummary:
        s = await self._finder.patient_summary(patient_id, now)
        return AppointmentSummary(
            total=s.total,
            upcoming=s.upcoming,
            no_shows=s.no_shows,
            last_visit_at=s.last_visit_at,
            next_appointment_at=s.next_starts_at,
        )

    async def latest(self, patient_id: PatientId, limit: int) -> Sequence[AppointmentItem]:
        found = await self._finder.latest(AppointmentCriteria(patient_id=patient_id), limit)
        return [
            AppointmentItem(
                id=a.id,
                starts_at=a.slot.starts_at,
                ends_at=a.slot.ends_at,
                status=a.status.value,
                appointment_type=a.appointment_type,
                practitioner_id=a.practitioner_id,
                location_id=a.location_id,
            )
            for a in found
        ]


def _journey_item(instance: JourneyInstance) -> JourneyItem:
    stages = sorted(instance.stages, key=lambda s: s.order_index)
    current = next((s.name for s in stages if not s.status.finished), None)
    return JourneyItem(
        id=instance.id,
        journey_id=instance.journey_id,
        status=instance.status.value,
        started_at=instance.started_at,
        completed_at=instance.completed_at,
        stages_done=sum(1 for s in stages if s.status.finished),
        stages_total=len(stages),
        current_stage=current,
    )


class PatientJourneysFromJourneys(PatientJourneys):
    def __init__(self, finder: JourneyInstanceFinder) -> None:
        self._finder = finder

    async def active_count(self, patient_id: PatientId) -> int:
        return await self._finder.count_of_patient(patient_id, InstanceStatus.ACTIVE)

    async def active(self, patient_id: PatientId, limit: int) -> tuple[Sequence[JourneyItem], int]:
        criteria = InstanceCriteria(patient_id=patient_id, status=InstanceStatus.ACTIVE)
        page = await self._finder.find(criteria, PageRequest(1, limit))
        return [_journey_item(i) for i in page.items], page.total


class PatientTicketsFromTickets(PatientTickets):
    def __init__(self, finder: TicketFinder) -> None:
        self._finder = finder

    async def open_count(self, patient_id: PatientId) -> int:
        counts = await self._finder.patient_counts(patient_id)
        return sum(n for status, n in counts.items() if status.is_active)

    async def latest(self, patient_id: PatientId, limit: int) -> Sequence[TicketItem]:
        page = await self._finder.find(TicketCriteria(patient_id=patient_id), PageRequest(1, limit))
        return [
            TicketItem(
                id=t.id,
                title=t.title,
                category=t.category,
                priority=t.priority.value,
                status=t.status.value,
                created_at=t.created_at,
                resolution_due_at=t.resolution_due_at,
            )
            for t in page.items
        ]


class PatientCommunicationsFromCommunications(PatientCommunications):
    def __init__(self, queries: MessageQueries, threads: ThreadRepository, consents: ConsentRepository) -> None:
        self._queries = queries
        self._threads = threads
        self._consents = consents

    async def count_since(self, patient_id: PatientId, since: datetime) -> int:
        return await self._queries.count_of_patient(patient_id, since)

    async def latest(self, patient_id: PatientId, limit: int) -> Sequence[MessageItem]:
        page = await self._queries.list_page(MessageFilter(patient_id=patient_id), PageRequest(1, limit))
        return [
            MessageItem(
                id=m.id,
                direction=m.direction.value,
                channel=m.channel.value,
                status=m.status.value,
                category=m.category,
                subject=m.subject,
                created_at=m.created_at,
            )
            for m in page.items
        ]

    async def conversations(self, patient_id: PatientId, page: PageRequest) -> Page[Conversation]:
        threads = await self._threads.list_page(ThreadFilter(patient_id=patient_id), page)
        return threads.map(
            lambda t: Conversation(
                id=t.id,
                channel=t.channel.value,
                status=t.status.value,
                unread_count=t.unread_count,
                last_message_at=t.last_message_at,
                last_inbound_at=t.last_inbound_at,
                assigned_to=t.assigned_to,
                created_at=t.created_at,
            )
        )

    async def channels(self, patient_id: PatientId) -> Sequence[ChannelState]:
        # One thread per patient and channel (a unique key), so one page holds them all.
        threads = await self._threads.list_page(ThreadFilter(patient_id=patient_id), PageRequest(1, MAX_PAGE_SIZE))
        by_channel = {t.channel: t for t in threads.items}
        # The patient's consent history (a handful of rows, newest first): the first per channel is current.
        current: dict[Channel, ConsentState] = {}
        for record in await self._consents.history(patient_id):
            current.setdefault(record.channel, record.state)
        states = []
        for channel in Channel:
            thread = by_channel.get(channel)
            consent = current.get(channel, ConsentState.NONE)
            states.append(
                ChannelState(
                    channel=channel.value,
                    consent=consent.value,
                    thread_id=thread.id if thread else None,
                    unread_count=thread.unread_count if thread else 0,
                    last_message_at=thread.last_message_at if thread else None,
                )
            )
        return states


class PatientRelationsFromCaregiversAndTags(PatientRelations):
    def __init__(self, caregivers: PatientCaregivers, tags: TagsOfEntity) -> None:
        self._caregivers = caregivers
        self._tags = tags

    async def caregivers(self, patient_id: PatientId) -> Sequence[CaregiverItem]:
        return [
            CaregiverItem(
                id=c.id,
                name=c.details.name.text,
                relationship=c.details.relationship,
                relationship_display=c.details.relationship_display,
                preferred_channel=c.details.preferred_channel.value if c.details.preferred_channel else None,
                receives_communications=c.details.receives_communications,
            )
            for c in await self._caregivers(patient_id)
        ]

    async def tags(self, patient_id: PatientId) -> Sequence[TagItem]:
        return [
            TagItem(id=t.id, name=t.details.name, colour=t.details.colour)
            for t in await self._tags(TaggedKind.PATIENTS, patient_id)
        ]
