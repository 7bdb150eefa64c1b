"""Fakes of the ports the reminders part uses: outgoing messages (with ``dedup_key`` and
``cancel_pending`` as the messages part promises them), patient contacts and appointment facts."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from prm.application.communications.contracts import MessageRequest, OutgoingMessages, PatientContact, PatientContacts
from prm.application.communications.reminders_ports import AppointmentDetails, AppointmentFacts, WaitlistOfferDetails
from prm.application.communications.virtual_visits_ports import VirtualVisits
from prm.application.shared.events import PublishedEvent
from prm.domain.shared.ids import PatientId, TenantId, new_id


@dataclass
class Queued:
    id: UUID
    request: MessageRequest
    status: str = "scheduled"


class FakeOutgoingMessages(OutgoingMessages):
    """Keeps every message; a second request with a ``dedup_key`` already used returns the first
    message's id (whatever its status). Messages start ``scheduled``; ``cancel_pending`` cancels
    those still ``scheduled``."""

    def __init__(self) -> None:
        self.messages: list[Queued] = []

    async def queue(self, request: MessageRequest) -> UUID:
        for message in self.messages:
            if request.dedup_key is not None and message.request.dedup_key == request.dedup_key:
                return message.id
        message = Queued(uuid4(), request)
        self.messages.append(message)
        return message.id

    async def cancel_pending(self, *, appointment_id: UUID, categories: Sequence[str]) -> int:
        cancelled = 0
        for message in self.messages:
            request = message.request
            mine = request.appointment_id == appointment_id and request.category in categories
            if mine and message.status == "scheduled":
                message.status = "cancelled"
                cancelled += 1
        return cancelled

    def live(self, template_name: str | None = None) -> list[MessageRequest]:
        return [
            m.request
            for m in self.messages
            if m.status != "cancelled" and template_name in (None, m.request.template_name)
        ]


class FakeVirtualVisits(VirtualVisits):
    """Join links by appointment id."""

    def __init__(self) -> None:
        self.links: dict[UUID, str] = {}

    async def join_url(self, appointment_id: UUID) -> str | None:
        return self.links.get(appointment_id)


class FakePatientContacts(PatientContacts):
    def __init__(self, *contacts: PatientContact) -> None:
        self.contacts = {c.patient_id: c for c in contacts}

    async def get(self, patient_id: PatientId) -> PatientContact | None:
        return self.contacts.get(patient_id)

    async def by_phone(self, phone: str) -> Sequence[PatientId]:
        return [c.patient_id for c in self.contacts.values() if phone in c.phones]

    async def by_email(self, email: str) -> Sequence[PatientId]:
        return [c.patient_id for c in self.contacts.values() if email in c.emails]


@dataclass
class FakeAppointmentFacts(AppointmentFacts):
    appointments: dict[UUID, AppointmentDetails] = field(default_factory=dict)
    offers: dict[UUID, WaitlistOfferDetails] = field(default_factory=dict)

    async def appointment(self, appointment_id: UUID) -> AppointmentDetails | None:
        return self.appointments.get(appointment_id)

    async def waitlist_offer(self, offer_id: UUID) -> WaitlistOfferDetails | None:
        return self.offers.get(offer_id)


TENANT = TenantId(uuid4())


def published(type_: str, aggregate_id: UUID, **payload: object) -> PublishedEvent:
    """An event as the relay gives it: times as RFC 3339 strings (``Z``), ids as strings."""
    wire = {
        k: (v.astimezone(UTC).isoformat().replace("+00:00", "Z") if isinstance(v, datetime) else v)
        for k, v in payload.items()
    }
    wire = {k: (str(v) if isinstance(v, UUID) else v) for k, v in wire.items()}
    return PublishedEvent(
        id=new_id(),
        tenant_id=TENANT,
        type=type_,
        version=1,
        aggregate_id=aggregate_id,
        occurred_at=datetime.now(UTC) - timedelta(seconds=1),
        payload=wire,
    )
