"""Ports of the hl7 context: the codec (python-hl7 behind it), the message store, and its views
of the patients and integrations contexts."""

from abc import abstractmethod
from collections.abc import Sequence
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
    def adt(self, text: str, phone_region: str) -> AdtContent:
        """The patients and merges of a stored ADT message (phones checked for ``phone_region``)."""


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
    async def add(self, message: Hl7Message) -> bool:
        """Insert ``message`` now; False (nothing written) when its facility and control id
        are stored already."""

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
