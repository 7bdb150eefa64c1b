"""Ports of the hl7 context: the codec (python-hl7 behind it), the message store, the SIU
appointment links, the all-or-nothing scope of applying a message, and its views of the patients,
appointments and integrations contexts."""

from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from prm.application.shared.paging import Page, PageRequest
from prm.domain.hl7.model import AckCode, Hl7Error, Hl7Header, Hl7Message, Hl7MessageId, Hl7Status
from prm.domain.shared.contact import Address, ContactPointSystem, ContactPointUse
from prm.domain.shared.person import AdministrativeGender, HumanName


@dataclass(frozen=True, slots=True)
class Inspection:
    """A message as read: ``text`` with its segments separated by CR (BOM and LF/CRLF undone),
    its ``header``, and the ``errors`` that make it rejected (empty: well formed)."""

    text: str
    header: Hl7Header
    errors: tuple[Hl7Error, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedSegment:
    """One segment: its id and its fields as ER7 text (``fields[0]`` is field 1)."""

    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PatientIdentifierData:
    """A PID-3 (or MRG-1) identifier: ``value``, the ``system`` built from its assigning authority
    (CX-4), and its CX-5 ``type_code`` (``MR``, ``SS`` ...)."""

    value: str
    system: str
    type_code: str | None = None


@dataclass(frozen=True, slots=True)
class PhoneData:
    value: str
    system: ContactPointSystem
    use: ContactPointUse | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientData:
    """A PID segment in FHIR terms; ``identifiers[0]`` is the MRN (the MR-typed one, else the
    first). Absent fields are None or empty: they leave the stored patient as it is."""

    identifiers: tuple[PatientIdentifierData, ...]
    name: HumanName | None = None
    gender: AdministrativeGender | None = None
    birth_date: date | None = None
    addresses: tuple[Address, ...] = ()
    phones: tuple[PhoneData, ...] = ()
    language: str | None = None
    warnings: tuple[Hl7Error, ...] = ()

    @property
    def mrn(self) -> PatientIdentifierData:
        return self.identifiers[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class AdtContent:
    """What an ADT message says: the trigger event (``A01``), its patients (one per PID; A40 may
    carry several PID/MRG pairs), the MRG-1 identifiers of each pair's record to merge (None
    outside A40), the visit number (PV1-19) and when it happened (EVN-2, else MSH-7)."""

    trigger: str
    patients: tuple[PatientData, ...]
    merged: tuple[PatientIdentifierData | None, ...] = ()
    encounter_id: str | None = None
    occurred_at: datetime | None = None
    errors: tuple[Hl7Error, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SiuContent:
    """What an SIU message says (HL7 v2.5.1 chapter 10): the trigger (``S12``), SCH-1 placer and
    SCH-2 filler appointment ids (EI.1, empty when absent), the PID patient (None without PID),
    the AIP-3 personnel identifiers (XCN.1) in message order, the times (TQ1-7/8, else SCH-11
    TQ.4/5, else AIS-4 with AIS-7/8 or SCH-9/10 as the duration; UTC), the appointment type
    (SCH-8) and reason (SCH-7) as text, the names the first AIL-3 gives its location (most
    specific first: PL.1 point of care, PL.2 room and PL.4 facility joined, then PL.1, then PL.4;
    empty without AIL) and the errors that make it impossible to apply."""

    trigger: str
    placer_id: str = ""
    filler_id: str = ""
    patient: PatientData | None = None
    practitioners: tuple[str, ...] = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    appointment_type: str | None = None
    reason_text: str | None = None
    locations: tuple[str, ...] = ()
    errors: tuple[Hl7Error, ...] = ()


class Hl7Codec(Protocol):
    """Reads and writes ER7 (pipe-delimited) HL7 v2 text."""

    @abstractmethod
    def inspect(self, raw: str) -> Inspection:
        """Normalise ``raw`` and check what an acknowledgement needs: encoding characters, MSH-9,
        MSH-10, MSH-12, and the segments the message type requires (a truncated one lacks them)."""

    @abstractmethod
    def ack(self, inspection: Inspection, code: AckCode, errors: Sequence[Hl7Error]) -> str:
        """The ACK (MSH, MSA with MSA-2 = MSH-10, an ERR per error), segments ended by CR."""

    @abstractmethod
    def segments(self, text: str) -> tuple[ParsedSegment, ...]:
        """The segments of a stored message (empty when it cannot be parsed)."""

    @abstractmethod
    def split_batch(self, raw: str) -> tuple[str, ...]:
        """The messages of a batch (FHS/BHS/BTS/FTS envelopes, or MSH after MSH), each as ER7
        text, in order; raises ``MalformedHl7Batch`` with the reason."""

    @abstractmethod
    def adt(self, text: str, phone_region: str) -> AdtContent:
        """The patients and merges of a stored ADT message (phones checked for ``phone_region``)."""

    @abstractmethod
    def siu(self, text: str, phone_region: str) -> SiuContent:
        """The appointment of a stored SIU message (its PID patient's phones checked for ``phone_region``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Hl7MessageCriteria:
    status: Hl7Status | None = None
    message_type: str | None = None
    control_id: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Hl7MessageSummary:
    """A listed message, without its raw text."""

    id: Hl7MessageId
    header: Hl7Header
    status: Hl7Status
    ack_code: AckCode
    received_at: datetime
    processed_at: datetime | None
    error_count: int
    change_count: int


class Hl7MessageRepository(Protocol):
    @abstractmethod
    async def add_many(self, messages: Sequence[Hl7Message]) -> frozenset[Hl7MessageId]:
        """Insert ``messages`` now, in order, in one statement; the ids of those written. A
        message whose sending facility (MSH-4) and control id (MSH-10) are stored already, or
        taken by an earlier one of ``messages``, is not written (a repeat: nothing is stored or
        applied twice)."""

    @abstractmethod
    async def get(self, message_id: Hl7MessageId) -> Hl7Message | None: ...

    @abstractmethod
    async def get_by_key(self, sending_facility: str, control_id: str) -> Hl7Message | None:
        """The accepted (not rejected) message with this facility and control id."""

    @abstractmethod
    async def save(self, message: Hl7Message, *, expected_version: int) -> None:
        """Store the outcome; raises ``StaleVersion`` when the stored version is not ``expected_version``."""


class Hl7MessageFinder(Protocol):
    @abstractmethod
    async def find(self, criteria: Hl7MessageCriteria, page: PageRequest) -> Page[Hl7MessageSummary]:
        """Newest received first."""

    @abstractmethod
    async def latest_by_control_id(self, control_id: str) -> Hl7Message | None:
        """The newest message with this MSH-10, whatever its facility or status."""


@dataclass(frozen=True, slots=True)
class PatientOutcome:
    patient_id: UUID
    action: str
    """``created`` or ``updated`` (``unchanged`` when nothing differed)."""


class PatientRegistry(Protocol):
    """The hl7 context's view of the patients context: its use cases, each committing."""

    @abstractmethod
    async def upsert(self, patient: PatientData) -> PatientOutcome:
        """Register the patient, or update the one with the MRN; raises ``RuleViolated``."""

    @abstractmethod
    async def merge(self, source: PatientIdentifierData, target: PatientIdentifierData, reason: str) -> UUID:
        """Merge the record with ``source``'s MRN into ``target``'s; the merge record's id.
        Raises ``RuleViolated`` naming the record that is missing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AdmissionEvent:
    event_code: str
    external_id: str
    patient_mrn: str
    occurred_at: datetime
    encounter_id: str | None = None
    payload: dict[str, str] = field(default_factory=dict)


class AdmissionEvents(Protocol):
    """The hl7 context's view of the integrations context: inbound events that drive journeys."""

    @abstractmethod
    async def publish(self, event: AdmissionEvent) -> UUID:
        """Receive ``event`` as an integration event (source system ``hl7``); its id."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalBooking:
    """An appointment as the hospital booked it (SIU^S12); times tz-aware."""

    patient_id: UUID
    practitioner_id: UUID
    starts_at: datetime
    ends_at: datetime
    appointment_type: str | None = None
    reason_text: str | None = None
    location_id: UUID | None = None


class AppointmentBook(Protocol):
    """The hl7 context's view of the appointments and practitioners contexts, through their use
    cases. Each raises the other context's ``DomainError`` (``RuleViolated``, ``Conflict``,
    ``NotFound``) when its rule refuses the change."""

    @abstractmethod
    async def practitioner(self, identifiers: Sequence[str]) -> UUID | None:
        """The first of ``identifiers`` (AIP-3) that names a practitioner of the tenant (by
        license number, then source-system id); None when none does."""

    @abstractmethod
    async def location(self, names: Sequence[str]) -> UUID | None:
        """The tenant's location named by the first of ``names`` (AIL-3) that names one, the
        name compared in any case or accent; None when none does."""

    @abstractmethod
    async def record(self, booking: ExternalBooking) -> UUID:
        """Record the booked appointment (the past allowed); its id."""

    @abstractmethod
    async def reschedule(
        self,
        appointment_id: UUID,
        starts_at: datetime | None,
        ends_at: datetime | None,
        appointment_type: str | None,
        reason_text: str | None,
    ) -> bool:
        """Move it (the past allowed; times ``None``: kept) and revise its type and reason;
        whether anything changed."""

    @abstractmethod
    async def cancel(self, appointment_id: UUID) -> None: ...

    @abstractmethod
    async def enter_in_error(self, appointment_id: UUID) -> None:
        """FHIR ``entered-in-error``: the appointment should never have existed (SIU^S17)."""

    @abstractmethod
    async def no_show(self, appointment_id: UUID) -> None: ...


class AppointmentLinks(Protocol):
    """SCH-1 placer and SCH-2 filler appointment ids, per sending facility (MSH-4), to PRM
    appointments. Tenant-scoped."""

    @abstractmethod
    async def find(self, sending_facility: str, placer_id: str, filler_id: str) -> UUID | None:
        """The appointment linked to the placer id, else to the filler id (empty ids match nothing)."""

    @abstractmethod
    async def link(self, sending_facility: str, placer_id: str, filler_id: str, appointment_id: UUID) -> None:
        """Link the non-empty ids to ``appointment_id`` (ids linked already are left as they are)."""


class ApplyScope(Protocol):
    """All or nothing for the other contexts' use cases a message drives."""

    @abstractmethod
    def attempt(self) -> AbstractAsyncContextManager[None]:
        """Inside the block, the use cases' commits join the caller's transaction; when the block
        raises, everything written inside it (rows, audit and outbox events) is undone and the
        error propagates, leaving the transaction usable for recording the failure."""
