"""Fakes of the ports the inbox part uses (its own and the other parts'), for unit tests."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from prm.application.communications.contracts import (
    ConsentRecorder,
    MessageRequest,
    OutgoingMessages,
    PatientContact,
    PatientContacts,
)
from prm.application.communications.inbox_ports import (
    ClinicName,
    InboxMessages,
    SentTo,
    StoredInbound,
    ThreadFilter,
    ThreadMessage,
    ThreadRepository,
)
from prm.application.communications.reminders_ports import AppointmentDetails, AppointmentFacts, AppointmentReplies
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.channels import Channel
from prm.domain.communications.inbox import RecentOutbound
from prm.domain.communications.reminders import ReplyOutcome
from prm.domain.communications.threads import Thread, ThreadId
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, new_id


class InMemoryThreads(ThreadRepository):
    def __init__(self) -> None:
        self.rows: dict[ThreadId, Thread] = {}

    async def add(self, thread: Thread) -> None:
        self.rows[thread.id] = replace(thread, changed=[])

    async def get(self, thread_id: ThreadId) -> Thread | None:
        found = self.rows.get(thread_id)
        return replace(found, changed=[]) if found else None

    async def of_patient(self, patient_id: PatientId, channel: Channel) -> Thread | None:
        found = [t for t in self.rows.values() if t.patient_id == patient_id and t.channel is channel]
        return replace(found[0], changed=[]) if found else None

    async def unmatched(self, channel: Channel, address: str) -> Thread | None:
        found = [
            t for t in self.rows.values() if t.patient_id is None and t.channel is channel and t.address == address
        ]
        return replace(found[0], changed=[]) if found else None

    async def save(self, thread: Thread, *, expected_version: int) -> None:
        if self.rows[thread.id].version != expected_version:
            raise StaleVersion("changed")
        thread.version = expected_version + 1
        self.rows[thread.id] = replace(thread, changed=[])

    async def remove(self, thread_id: ThreadId) -> None:
        del self.rows[thread_id]

    async def list_page(self, where: ThreadFilter, page: PageRequest) -> Page[Thread]:
        items = sorted(self.rows.values(), key=lambda t: t.last_message_at, reverse=True)
        return Page(items, len(items), page.page, page.page_size)


class InMemoryInboxMessages(InboxMessages):
    def __init__(self) -> None:
        self.receipts: set[tuple[str, str]] = set()
        self.stored: list[StoredInbound] = []
        self.outbound_by_provider_id: dict[str, SentTo] = {}
        self.last_to_address: SentTo | None = None
        self.last_to_patient: dict[PatientId, RecentOutbound] = {}

    async def first_receipt(self, provider: str, provider_message_id: str, message_id: UUID, at: datetime) -> bool:
        key = (provider, provider_message_id)
        if key in self.receipts:
            return False
        self.receipts.add(key)
        return True

    async def store(self, inbound: StoredInbound) -> None:
        self.stored.append(inbound)

    async def sent_by_provider_id(self, provider: str, provider_message_id: str) -> SentTo | None:
        return self.outbound_by_provider_id.get(provider_message_id)

    async def last_sent_to_address(self, channel: Channel, address: str, since: datetime) -> SentTo | None:
        return self.last_to_address

    async def last_sent_to_patient(
        self, patient_id: PatientId, channel: Channel, since: datetime
    ) -> RecentOutbound | None:
        found = self.last_to_patient.get(patient_id)
        return found if found is not None and found.sent_at >= since else None

    async def of_thread(self, thread_id: ThreadId, page: PageRequest) -> Page[ThreadMessage]:
        return Page([], 0, page.page, page.page_size)

    async def mark_read(self, thread_id: ThreadId, at: datetime) -> int:
        return 0

    async def move(self, source: ThreadId, target: ThreadId, patient_id: PatientId) -> int:
        moved = [s for s in self.stored if s.thread_id == source]
        self.stored = [s for s in self.stored if s.thread_id != source] + [
            replace(s, thread_id=target, patient_id=patient_id) for s in moved
        ]
        return len(moved)


class FakeContacts(PatientContacts):
    def __init__(self, *patients: PatientContact) -> None:
        self.patients = {p.patient_id: p for p in patients}

    async def get(self, patient_id: PatientId) -> PatientContact | None:
        return self.patients.get(patient_id)

    async def by_phone(self, phone: str) -> Sequence[PatientId]:
        return [p.patient_id for p in self.patients.values() if phone in p.phones]

    async def by_email(self, email: str) -> Sequence[PatientId]:
        return [p.patient_id for p in self.patients.values() if email in p.emails]


class FakeConsent(ConsentRecorder):
    def __init__(self) -> None:
        self.opted_out: set[tuple[PatientId, Channel]] = set()
        self.calls: list[tuple[str, PatientId, Channel, str]] = []

    async def opt_out(self, patient_id: PatientId, channel: Channel, *, source: str, at: datetime) -> bool:
        self.calls.append(("opt_out", patient_id, channel, source))
        changed = (patient_id, channel) not in self.opted_out
        self.opted_out.add((patient_id, channel))
        return changed

    async def opt_in(self, patient_id: PatientId, channel: Channel, *, source: str, at: datetime) -> bool:
        self.calls.append(("opt_in", patient_id, channel, source))
        changed = (patient_id, channel) in self.opted_out
        self.opted_out.discard((patient_id, channel))
        return changed


class FakeReplies(AppointmentReplies):
    def __init__(self, outcome: ReplyOutcome | None = None) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, UUID, PatientId]] = []

    async def confirm(self, appointment_id: UUID, patient_id: PatientId) -> ReplyOutcome:
        self.calls.append(("confirm", appointment_id, patient_id))
        return self.outcome or ReplyOutcome.CONFIRMED

    async def cancel(self, appointment_id: UUID, patient_id: PatientId) -> ReplyOutcome:
        self.calls.append(("cancel", appointment_id, patient_id))
        return self.outcome or ReplyOutcome.CANCELLED


class FakeAppointments(AppointmentFacts):
    def __init__(self, *details: AppointmentDetails) -> None:
        self.details = {d.appointment_id: d for d in details}

    async def appointment(self, appointment_id: UUID) -> AppointmentDetails | None:
        return self.details.get(appointment_id)

    async def waitlist_offer(self, offer_id: UUID) -> None:
        return None


class RecordingOutgoing(OutgoingMessages):
    def __init__(self) -> None:
        self.queued: list[MessageRequest] = []

    async def queue(self, request: MessageRequest) -> UUID:
        self.queued.append(request)
        return new_id()

    async def cancel_pending(self, *, appointment_id: UUID, categories: Sequence[str]) -> int:
        return 0


class FakeClinic(ClinicName):
    def __init__(self, name: str) -> None:
        self._name = name

    async def name(self) -> str:
        return self._name
