"""Conversation threads of the two-way inbox: one per patient and channel, and one per unknown
sender address and channel (the unmatched queue).

A thread is the staff's view of a conversation (like a ticket in a shared inbox): when the last
message came or went, how many inbound messages staff have not read yet, whether it is open,
and who looks after it. Inbound messages that PRM answered on its own (STOP, a reminder's ``C``)
are in the thread but do not count as unread: only what waits for a person does.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NewType
from uuid import UUID

from prm.domain.communications.channels import Channel
from prm.domain.shared.errors import Conflict, NotFound, RuleViolated
from prm.domain.shared.ids import PatientId, TenantId, new_id

ThreadId = NewType("ThreadId", UUID)
StaffUserId = NewType("StaffUserId", UUID)

MAX_CANDIDATES = 10
"""Patients sharing one phone that an unmatched thread notes, at most."""


class ThreadStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ThreadNotFound(NotFound):
    """No thread with this id in the caller's tenant (HTTP 404)."""

    code = "communications.thread_not_found"


class ThreadAlreadyLinked(Conflict):
    """The thread already belongs to a patient; only unmatched threads are linked (HTTP 409)."""

    code = "communications.thread_already_linked"


class ThreadWithoutAddress(RuleViolated):
    """A reply needs the thread's address (the patient's phone or email) and there is none."""

    code = "communications.thread_without_address"


@dataclass(kw_only=True, eq=False)
class Thread:
    """One conversation. ``address`` is the E.164 phone or email the patient last wrote from (the
    reply goes there); ``candidate_patient_ids`` are the patients an unmatched thread's phone
    belongs to (a shared phone), for staff to choose from."""

    id: ThreadId
    tenant_id: TenantId
    patient_id: PatientId | None
    channel: Channel
    address: str
    status: ThreadStatus
    assigned_to: StaffUserId | None
    unread_count: int
    last_message_at: datetime
    last_inbound_at: datetime | None
    created_at: datetime
    updated_at: datetime
    candidate_patient_ids: tuple[PatientId, ...] = ()
    version: int = 1
    changed: list[str] = field(default_factory=list, repr=False)

    @classmethod
    def start(
        cls,
        *,
        tenant_id: TenantId,
        patient_id: PatientId | None,
        channel: Channel,
        address: str,
        now: datetime,
        candidates: tuple[PatientId, ...] = (),
    ) -> "Thread":
        return cls(
            id=ThreadId(new_id()),
            tenant_id=tenant_id,
            patient_id=patient_id,
            channel=channel,
            address=address,
            status=ThreadStatus.OPEN,
            assigned_to=None,
            unread_count=0,
            last_message_at=now,
            last_inbound_at=None,
            created_at=now,
            updated_at=now,
            candidate_patient_ids=() if patient_id is not None else candidates[:MAX_CANDIDATES],
        )

    @property
    def unmatched(self) -> bool:
        return self.patient_id is None

    def _touch(self, now: datetime, *names: str) -> None:
        self.updated_at = now
        self.changed.extend(n for n in names if n not in self.changed)

    def receive(self, *, at: datetime, address: str, for_staff: bool, now: datetime) -> None:
        """An inbound message came (sent ``at``, from ``address``). One ``for_staff`` counts as
        unread and reopens a closed thread; one PRM answered does neither."""
        self.last_message_at = max(self.last_message_at, at)
        self.last_inbound_at = at if self.last_inbound_at is None else max(self.last_inbound_at, at)
        self.address = address
        names = ["last_message_at", "last_inbound_at", "address"]
        if for_staff:
            self.unread_count += 1
            names.append("unread_count")
            if self.status is ThreadStatus.CLOSED:
                self.status = ThreadStatus.OPEN
                names.append("status")
        self._touch(now, *names)

    def note_candidates(self, candidates: tuple[PatientId, ...], now: datetime) -> None:
        if self.unmatched and candidates and candidates[:MAX_CANDIDATES] != self.candidate_patient_ids:
            self.candidate_patient_ids = candidates[:MAX_CANDIDATES]
            self._touch(now, "candidate_patient_ids")

    def sent(self, now: datetime) -> None:
        """A reply was queued on the thread."""
        self.last_message_at = max(self.last_message_at, now)
        self._touch(now, "last_message_at")

    def mark_read(self, now: datetime) -> bool:
        """Staff read it: nothing unread. ``True`` when that changed something."""
        if self.unread_count == 0:
            return False
        self.unread_count = 0
        self._touch(now, "unread_count")
        return True

    def assign(self, staff_user: StaffUserId | None, now: datetime) -> None:
        """Give the thread to a staff user (``None``: to nobody)."""
        if staff_user != self.assigned_to:
            self.assigned_to = staff_user
            self._touch(now, "assigned_to")

    def set_status(self, status: ThreadStatus, now: datetime) -> None:
        if status is not self.status:
            self.status = status
            self._touch(now, "status")

    def link(self, patient_id: PatientId, now: datetime) -> None:
        """Attach an unmatched thread to ``patient_id``. Raises :class:`ThreadAlreadyLinked`."""
        if self.patient_id is not None:
            raise ThreadAlreadyLinked(f"thread {self.id} already belongs to a patient")
        self.patient_id = patient_id
        self.candidate_patient_ids = ()
        self._touch(now, "patient_id", "candidate_patient_ids")

    def absorb(self, other: "Thread", now: datetime) -> None:
        """Take over ``other``'s unread messages and times (when an unmatched thread is linked to a
        patient who already has a thread on the channel, the two become this one)."""
        self.unread_count += other.unread_count
        self.last_message_at = max(self.last_message_at, other.last_message_at)
        if other.last_inbound_at is not None:
            self.last_inbound_at = max(self.last_inbound_at or other.last_inbound_at, other.last_inbound_at)
            self.address = other.address
        if other.unread_count and self.status is ThreadStatus.CLOSED:
            self.status = ThreadStatus.OPEN
        self._touch(now, "unread_count", "last_message_at", "last_inbound_at", "address", "status")
