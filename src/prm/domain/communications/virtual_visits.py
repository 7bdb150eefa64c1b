"""Virtual visits: an appointment held over video (Harman's telemedicine sessions; FHIR R5
``Appointment.virtualService``).

Which appointments are virtual: those whose ``appointment_type`` is a code of
:data:`VIRTUAL_APPOINTMENT_TYPES`, compared case-insensitively: ``VR`` (HL7 v3 ActCode
``VR`` "virtual", the code FHIR R4 ``Encounter.class`` uses for a telehealth encounter),
``virtual``, ``video``, ``telehealth`` and ``telemedicine``. PRM's appointments carry no location
kind, so the type is the one field that can say so.

Life cycle of a visit (``status``):

==========  =============================================================================
scheduled   created when a virtual appointment is booked; its window follows reschedules
revoked     the appointment was cancelled or deleted: its links stop working (HTTP 410)
ended       the appointment was fulfilled or a no-show: nothing more to join (HTTP 410)
==========  =============================================================================

Joining opens :data:`EARLY_JOIN` (15 minutes) before the start and closes at the end.
The patient's consent to a video visit is FHIR Consent's ``provision.type`` (``permit`` /
``deny``) with when and how it was given (``source``: ``portal``, ``phone``, ``in_person``...).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NewType
from uuid import UUID

from prm.domain.shared.errors import Forbidden, NotFound, RuleViolated
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId, new_id

VirtualVisitId = NewType("VirtualVisitId", UUID)

VIRTUAL_APPOINTMENT_TYPES = frozenset({"vr", "virtual", "video", "telehealth", "telemedicine"})
EARLY_JOIN = timedelta(minutes=15)
MAX_SOURCE = 64


def is_virtual(appointment_type: str | None) -> bool:
    """Whether an appointment of this type is held over video (see the module docstring)."""
    return appointment_type is not None and appointment_type.strip().lower() in VIRTUAL_APPOINTMENT_TYPES


class VirtualVisitNotFound(NotFound):
    """No virtual visit with this id (or for this appointment) in the caller's tenant (HTTP 404)."""

    code = "communications.virtual_visit_not_found"


class InvalidJoinLink(Forbidden):
    """A join link whose token is missing, malformed or not signed by PRM (HTTP 403)."""

    code = "communications.invalid_join_link"


class VisitNotOpen(Forbidden):
    """A join before the visit opens (15 minutes before its start): HTTP 403, ``detail`` says when."""

    code = "communications.virtual_visit_not_open"


class VisitStatus(StrEnum):
    SCHEDULED = "scheduled"
    REVOKED = "revoked"
    ENDED = "ended"


class ConsentDecision(StrEnum):
    """FHIR R4 Consent ``provision.type`` (http://hl7.org/fhir/consent-provision-type)."""

    PERMIT = "permit"
    DENY = "deny"


class Participant(StrEnum):
    """Who a join link is for: the patient, or the practitioner (the room's moderator)."""

    PATIENT = "patient"
    PRACTITIONER = "practitioner"


class JoinState(StrEnum):
    OPEN = "open"
    NOT_YET = "not_yet"
    OVER = "over"
    """Past the end, or the visit ended."""
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class VisitWindow:
    """The appointment's ``[starts_at, ends_at)`` in UTC; joining is open from :attr:`opens_at`."""

    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise RuleViolated("a visit window needs timezone-aware times", field="starts_at")
        if self.ends_at <= self.starts_at:
            raise RuleViolated("a visit must end after it starts", field="ends_at")

    @property
    def opens_at(self) -> datetime:
        return self.starts_at - EARLY_JOIN

    def state_at(self, now: datetime) -> JoinState:
        if now < self.opens_at:
            return JoinState.NOT_YET
        return JoinState.OPEN if now < self.ends_at else JoinState.OVER


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoConsent:
    """The patient's answer to "may this visit be held over video?", when and how it was given."""

    decision: ConsentDecision
    recorded_at: datetime
    source: str

    def __post_init__(self) -> None:
        if not self.source.strip() or len(self.source) > MAX_SOURCE:
            raise RuleViolated(f"source must be 1 to {MAX_SOURCE} characters", field="source")


@dataclass(kw_only=True, eq=False)
class VirtualVisit:
    """The video room of one virtual appointment. ``room_name`` is secret: random, never derived
    from ids, and rotated when the window moves (Jitsi tokens cannot be revoked, see
    :mod:`prm.adapters.communications.video_rooms.jitsi`)."""

    id: VirtualVisitId
    tenant_id: TenantId
    appointment_id: UUID
    patient_id: PatientId
    practitioner_id: PractitionerId
    provider: str
    room_name: str
    status: VisitStatus
    window: VisitWindow
    consent: VideoConsent | None = None
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None
    version: int = 1

    @classmethod
    def schedule(
        cls,
        *,
        tenant_id: TenantId,
        appointment_id: UUID,
        patient_id: PatientId,
        practitioner_id: PractitionerId,
        provider: str,
        room_name: str,
        window: VisitWindow,
        now: datetime,
    ) -> "VirtualVisit":
        return cls(
            id=VirtualVisitId(new_id()),
            tenant_id=tenant_id,
            appointment_id=appointment_id,
            patient_id=patient_id,
            practitioner_id=practitioner_id,
            provider=provider,
            room_name=room_name,
            status=VisitStatus.SCHEDULED,
            window=window,
            created_at=now,
            updated_at=now,
        )

    def move(self, window: VisitWindow, *, room_name: str, now: datetime) -> bool:
        """Follow a reschedule into a new room (new name, so old provider tokens are useless);
        ``False`` (nothing changed) unless the visit is scheduled."""
        if self.status is not VisitStatus.SCHEDULED:
            return False
        self.window = window
        self.room_name = room_name
        self._touch(now)
        return True

    def revoke(self, now: datetime) -> bool:
        """Close the visit for good (cancelled or deleted appointment); ``False`` if already closed."""
        if self.status is not VisitStatus.SCHEDULED:
            return False
        self.status = VisitStatus.REVOKED
        self.revoked_at = now
        self._touch(now)
        return True

    def end(self, now: datetime) -> bool:
        if self.status is not VisitStatus.SCHEDULED:
            return False
        self.status = VisitStatus.ENDED
        self._touch(now)
        return True

    def record_consent(self, decision: ConsentDecision, *, source: str, now: datetime) -> None:
        """Record (or replace: the latest answer counts) the patient's consent to a video visit."""
        self.consent = VideoConsent(decision=decision, recorded_at=now, source=source.strip())
        self._touch(now)

    def join_state(self, now: datetime) -> JoinState:
        if self.status is VisitStatus.REVOKED:
            return JoinState.REVOKED
        if self.status is VisitStatus.ENDED:
            return JoinState.OVER
        return self.window.state_at(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
