"""Wire schemas of the patient 360 view, conversations and timeline (issue 13)."""

from datetime import datetime
from uuid import UUID

import msgspec

from prm.application.patients.get_patient_timeline import TimelinePage
from prm.application.patients.patient_360 import Patient360
from prm.application.patients.patient_360_ports import (
    AppointmentItem,
    CaregiverItem,
    ChannelState,
    Conversation,
    JourneyItem,
    MessageItem,
    PatientStatistics,
    TicketItem,
)
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind
from prm.domain.patients.model import Patient
from prm.entrypoints.http.patient_schemas import PatientResponse, patient_response


class PatientStatisticsBody(msgspec.Struct, frozen=True):
    """The contract's patient statistics: ``recent_communications`` counts messages in and out of
    the last 30 days; ``open_tickets`` open or in progress; ``last_visit_date`` the start of the
    latest appointment that took place, ``next_appointment_date`` of the earliest upcoming one."""

    total_appointments: int
    upcoming_appointments: int
    no_show_appointments: int
    active_journeys: int
    open_tickets: int
    recent_communications: int
    last_visit_date: datetime | None
    next_appointment_date: datetime | None


class AppointmentSummaryBody(msgspec.Struct, frozen=True):
    id: UUID
    start_time: datetime
    end_time: datetime
    status: str
    appointment_type: str | None
    practitioner_id: UUID
    location_id: UUID | None


class JourneySummaryBody(msgspec.Struct, frozen=True):
    """An active journey instance and its progress (``stages_done`` of ``stages_total``,
    ``progress`` the same as a fraction 0 to 1)."""

    id: UUID
    journey_id: UUID
    status: str
    started_at: datetime
    completed_at: datetime | None
    stages_done: int
    stages_total: int
    progress: float
    current_stage: str | None


class TicketSummaryBody(msgspec.Struct, frozen=True):
    id: UUID
    title: str
    category: str
    priority: str
    status: str
    created_at: datetime
    resolution_due_at: datetime


class CommunicationSummaryBody(msgspec.Struct, frozen=True):
    """A message in or out (no body: open it in the communications API)."""

    id: UUID
    direction: str
    channel: str
    status: str
    category: str
    subject: str | None
    created_at: datetime


class ChannelStateBody(msgspec.Struct, frozen=True):
    """The patient on one channel: ``consent`` (``permitted``, ``opted_out``, ``none``), the
    conversation on it (``thread_id``), its unread inbound messages and last message time."""

    channel: str
    consent: str
    thread_id: UUID | None
    unread_count: int
    last_message_at: datetime | None


class CaregiverSummaryBody(msgspec.Struct, frozen=True):
    """A caregiver (FHIR RelatedPerson): ``relationship`` an HL7 v3 RoleCode, with its display."""

    id: UUID
    name: str
    relationship: str
    relationship_display: str
    preferred_channel: str | None
    receives_communications: bool


class TagSummaryBody(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    colour: str


class Patient360Response(msgspec.Struct, frozen=True):
    """The contract's ``Patient360Response``, plus ``statistics`` (the same counts with no-shows),
    journeys' progress, ``channels`` (consent and unread messages per channel), ``caregivers``
    and ``tags``."""

    patient: PatientResponse
    appointments: list[AppointmentSummaryBody]
    journeys: list[JourneySummaryBody]
    tickets: list[TicketSummaryBody]
    communications: list[CommunicationSummaryBody]
    total_appointments: int
    upcoming_appointments: int
    active_journeys: int
    open_tickets: int
    recent_communications: int
    last_visit_date: datetime | None
    next_appointment_date: datetime | None
    no_show_appointments: int
    unread_messages: int
    channels: list[ChannelStateBody]
    caregivers: list[CaregiverSummaryBody]
    tags: list[TagSummaryBody]
    statistics: PatientStatisticsBody


class ConversationBody(msgspec.Struct, frozen=True):
    """One of the patient's message threads (``/communications/threads/{id}`` has its messages)."""

    id: UUID
    channel: str
    status: str
    unread_count: int
    last_message_at: datetime
    last_inbound_at: datetime | None
    assigned_to: UUID | None
    created_at: datetime


class TimelineEntryBody(msgspec.Struct, frozen=True):
    """One event: ``event`` is ``<kind>.<what happened>``; ``id`` what it is about, ``ref_id``
    what that belongs to, ``ref_at`` a time it names (an appointment's start); ``details`` short
    codes by name."""

    at: datetime
    kind: TimelineKind
    event: str
    id: UUID
    ref_id: UUID | None
    ref_at: datetime | None
    details: dict[str, str | None]
    cursor: str


class TimelineResponse(msgspec.Struct, frozen=True):
    """Entries newest first; pass ``next_cursor`` as ``cursor`` for the next page (``null``: none)."""

    items: list[TimelineEntryBody]
    next_cursor: str | None
    has_next: bool


def statistics_body(s: PatientStatistics) -> PatientStatisticsBody:
    return PatientStatisticsBody(
        total_appointments=s.total_appointments,
        upcoming_appointments=s.upcoming_appointments,
        no_show_appointments=s.no_show_appointments,
        active_journeys=s.active_journeys,
        open_tickets=s.open_tickets,
        recent_communications=s.recent_communications,
        last_visit_date=s.last_visit_date,
        next_appointment_date=s.next_appointment_date,
    )


def _appointment(a: AppointmentItem) -> AppointmentSummaryBody:
    return AppointmentSummaryBody(
        id=a.id,
        start_time=a.starts_at,
        end_time=a.ends_at,
        status=a.status,
        appointment_type=a.appointment_type,
        practitioner_id=a.practitioner_id,
        location_id=a.location_id,
    )


def _journey(j: JourneyItem) -> JourneySummaryBody:
    return JourneySummaryBody(
        id=j.id,
        journey_id=j.journey_id,
        status=j.status,
        started_at=j.started_at,
        completed_at=j.completed_at,
        stages_done=j.stages_done,
        stages_total=j.stages_total,
        progress=round(j.stages_done / j.stages_total, 4) if j.stages_total else 0.0,
        current_stage=j.current_stage,
    )


def _ticket(t: TicketItem) -> TicketSummaryBody:
    return TicketSummaryBody(
        id=t.id,
        title=t.title,
        category=t.category,
        priority=t.priority,
        status=t.status,
        created_at=t.created_at,
        resolution_due_at=t.resolution_due_at,
    )


def _message(m: MessageItem) -> CommunicationSummaryBody:
    return CommunicationSummaryBody(
        id=m.id,
        direction=m.direction,
        channel=m.channel,
        status=m.status,
        category=m.category,
        subject=m.subject,
        created_at=m.created_at,
    )


def _channel(c: ChannelState) -> ChannelStateBody:
    return ChannelStateBody(
        channel=c.channel,
        consent=c.consent,
        thread_id=c.thread_id,
        unread_count=c.unread_count,
        last_message_at=c.last_message_at,
    )


def _caregiver(c: CaregiverItem) -> CaregiverSummaryBody:
    return CaregiverSummaryBody(
        id=c.id,
        name=c.name,
        relationship=c.relationship,
        relationship_display=c.relationship_display,
        preferred_channel=c.preferred_channel,
        receives_communications=c.receives_communications,
    )


def patient_360_response(view: Patient360) -> Patient360Response:
    s = view.statistics
    return Patient360Response(
        patient=patient_response(view.patient),
        appointments=[_appointment(a) for a in view.appointments],
        journeys=[_journey(j) for j in view.journeys],
        tickets=[_ticket(t) for t in view.tickets],
        communications=[_message(m) for m in view.communications],
        total_appointments=s.total_appointments,
        upcoming_appointments=s.upcoming_appointments,
        active_journeys=s.active_journeys,
        open_tickets=s.open_tickets,
        recent_communications=s.recent_communications,
        last_visit_date=s.last_visit_date,
        next_appointment_date=s.next_appointment_date,
        no_show_appointments=s.no_show_appointments,
        unread_messages=sum(c.unread_count for c in view.channels),
        channels=[_channel(c) for c in view.channels],
        caregivers=[_caregiver(c) for c in view.caregivers],
        tags=[TagSummaryBody(id=t.id, name=t.name, colour=t.colour) for t in view.tags],
        statistics=statistics_body(s),
    )


def conversation_body(c: Conversation) -> ConversationBody:
    return ConversationBody(
        id=c.id,
        channel=c.channel,
        status=c.status,
        unread_count=c.unread_count,
        last_message_at=c.last_message_at,
        last_inbound_at=c.last_inbound_at,
        assigned_to=c.assigned_to,
        created_at=c.created_at,
    )


def _entry(e: TimelineEntry) -> TimelineEntryBody:
    return TimelineEntryBody(
        at=e.at,
        kind=e.kind,
        event=e.event,
        id=e.id,
        ref_id=e.ref_id,
        ref_at=e.ref_at,
        details=dict(e.details),
        cursor=e.position.encode(),
    )


def timeline_response(page: TimelinePage) -> TimelineResponse:
    return TimelineResponse(
        items=[_entry(e) for e in page.items],
        next_cursor=page.next.encode() if page.next else None,
        has_next=page.next is not None,
    )


class PatientDetailResponse(PatientResponse, frozen=True, kw_only=True):
    """The contract's ``PatientDetailResponse``: the patient with its ``statistics`` (only
    ``GET /patients/{id}`` carries them; lists and writes answer the plain patient)."""

    statistics: PatientStatisticsBody


def patient_detail_response(patient: Patient, statistics: PatientStatistics) -> PatientDetailResponse:
    plain = patient_response(patient)
    fields = {name: getattr(plain, name) for name in plain.__struct_fields__}
    return PatientDetailResponse(**fields, statistics=statistics_body(statistics))
