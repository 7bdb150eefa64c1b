"""Inbound integration events (reference API: "Integrations / Inbound Events").

An outside system (``source_system``: ``his``, ``lab`` ...) tells PRM that something happened
(``event_code``: ``OPD_VISIT_COMPLETED``) to a patient it names by an identifier. PRM stores the
event as received and processes it in the background: it resolves the patient, then hands the
event to the subscribers of its code (journeys, ...).

Life cycle (:data:`TRANSITIONS`):

=================  ===========================================================================
from               to
=================  ===========================================================================
pending            processed (at least one subscriber ran), ignored (no subscriber), failed
failed, ignored    pending (reprocess)
processed          (none: final)
=================  ===========================================================================

Rules (the HTTP edge checks the same lengths and patterns, these hold for every entrypoint):

- ``source_system``: 1 to 64 letters, digits, ``.``, ``_`` or ``-``, starting with a letter or
  digit; stored in lower case (``HIS`` and ``his`` are one system);
- ``event_code``: upper snake case (``^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$``), at most 64 characters;
- ``external_id``: the sender's id of the event, 1 to 255 characters; ``(source_system,
  external_id)`` identifies an event per tenant: receiving it again is a replay, never a second
  event;
- ``encounter_id``: optional, 1 to 255 characters;
- ``patient_identifier``: an MRN, or ``system|value`` as in FHIR token search (both parts
  non-empty; the system is a URI, which cannot hold ``|``), at most 512 characters;
- ``occurred_at``: timezone-aware, inside ``ACCEPTED_DATES`` (years 1900 to 2200), kept in UTC;
- ``payload``: a JSON object of at most :data:`MAX_PAYLOAD_BYTES` once encoded (compact UTF-8 JSON).
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from prm.domain.integrations.errors import InvalidIntegrationEvent, NotReprocessable, PayloadTooLarge
from prm.domain.integrations.events import IntegrationEventFailed, IntegrationEventProcessed
from prm.domain.integrations.ids import IntegrationEventId
from prm.domain.shared.dates import ACCEPTED_DATES
from prm.domain.shared.ids import PatientId, TenantId, new_id

MAX_PAYLOAD_BYTES = 64 * 1024
"""64 KiB: the largest ``payload`` an event may carry, as compact UTF-8 JSON."""
MAX_SOURCE_SYSTEM_LENGTH = 64
MAX_EVENT_CODE_LENGTH = 64
MAX_EXTERNAL_ID_LENGTH = 255
MAX_PATIENT_IDENTIFIER_LENGTH = 512
MAX_FAILURE_MESSAGE_LENGTH = 500
"""Limits in characters; the storage columns are sized to them."""

SOURCE_SYSTEM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
EVENT_CODE_PATTERN = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"
_SOURCE_SYSTEM = re.compile(SOURCE_SYSTEM_PATTERN)
_EVENT_CODE = re.compile(EVENT_CODE_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class IntegrationEventStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"


S = IntegrationEventStatus
TRANSITIONS: dict[IntegrationEventStatus, frozenset[IntegrationEventStatus]] = {
    S.PENDING: frozenset({S.PROCESSED, S.IGNORED, S.FAILED}),
    S.FAILED: frozenset({S.PENDING}),
    S.IGNORED: frozenset({S.PENDING}),
    S.PROCESSED: frozenset(),
}
REPROCESSABLE = frozenset(s for s, targets in TRANSITIONS.items() if S.PENDING in targets)


class FailureReason(StrEnum):
    """Why processing failed: a stable code, stored with a readable message."""

    UNKNOWN_PATIENT = "unknown_patient"
    """No patient of the tenant has the identifier."""
    AMBIGUOUS_PATIENT = "ambiguous_patient"
    """Several patients have it (a ``system|value`` shared by mistake)."""
    SUBSCRIBER_REJECTED = "subscriber_rejected"
    """A subscriber refused the event (a rule of its own context)."""


def source_system_of(text: str, field_name: str = "source_system") -> str:
    """``text`` as a source system code (lower case); raises :class:`InvalidIntegrationEvent`."""
    value = text.strip()
    if not 1 <= len(value) <= MAX_SOURCE_SYSTEM_LENGTH or not _SOURCE_SYSTEM.match(value):
        raise InvalidIntegrationEvent(
            f"{field_name} must be 1 to {MAX_SOURCE_SYSTEM_LENGTH} letters, digits, '.', '_' or '-'",
            field=field_name,
        )
    return value.lower()


def event_code_of(text: str) -> str:
    """``text`` if it is an event code in upper snake case; raises :class:`InvalidIntegrationEvent`."""
    if len(text) > MAX_EVENT_CODE_LENGTH or not _EVENT_CODE.match(text):
        raise InvalidIntegrationEvent(
            f"event_code must be upper snake case such as OPD_VISIT_COMPLETED, at most {MAX_EVENT_CODE_LENGTH} "
            "characters",
            field="event_code",
        )
    return text


def _text(value: str, field_name: str, limit: int) -> str:
    text = value.strip()
    if not 1 <= len(text) <= limit or _CONTROL.search(text):
        raise InvalidIntegrationEvent(
            f"{field_name} must be 1 to {limit} characters without control characters", field=field_name
        )
    return text


@dataclass(frozen=True, slots=True)
class PatientIdentifier:
    """How a sender names a patient: its MRN (``system`` None), or an identifier ``system|value``
    (FHIR token search syntax)."""

    system: str | None
    value: str

    @classmethod
    def parse(cls, text: str) -> "PatientIdentifier":
        """Raises :class:`InvalidIntegrationEvent` (``patient_identifier``) for an empty part."""
        token = _text(text, "patient_identifier", MAX_PATIENT_IDENTIFIER_LENGTH)
        system, bar, value = token.partition("|")
        if not bar:
            return cls(None, token)
        if not system.strip() or not value.strip():
            raise InvalidIntegrationEvent(
                "patient_identifier must be an MRN or system|value with both parts given", field="patient_identifier"
            )
        return cls(system.strip(), value.strip())

    def __str__(self) -> str:
        return self.value if self.system is None else f"{self.system}|{self.value}"


def payload_size(payload: Mapping[str, Any]) -> int:
    """Bytes of ``payload`` as compact UTF-8 JSON; raises :class:`InvalidIntegrationEvent` for a
    value JSON cannot hold."""
    try:
        return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise InvalidIntegrationEvent("payload must be a JSON object", field="payload") from exc


def check_payload(payload: object) -> Mapping[str, Any]:
    """``payload`` if it is a JSON object of at most :data:`MAX_PAYLOAD_BYTES`; raises
    :class:`PayloadTooLarge` or :class:`InvalidIntegrationEvent`, naming ``payload``."""
    if not isinstance(payload, Mapping) or not all(isinstance(key, str) for key in payload):
        raise InvalidIntegrationEvent("payload must be a JSON object", field="payload")
    size = payload_size(payload)
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(
            f"payload is {size} bytes once encoded; at most {MAX_PAYLOAD_BYTES} (64 KiB) are accepted", field="payload"
        )
    return payload


@dataclass(kw_only=True, eq=False)
class IntegrationEvent:
    """Something an outside system reports, as received, and how its processing went.

    ``patient_id`` is known once processing resolved the identifier; ``failure_reason`` and
    ``failure_message`` are set while the event is ``failed``; ``attempts`` counts processing
    outcomes; ``version`` goes up with each change (optimistic concurrency)."""

    id: IntegrationEventId
    tenant_id: TenantId
    source_system: str
    event_code: str
    external_id: str
    encounter_id: str | None
    patient_identifier: str
    occurred_at: datetime
    received_at: datetime
    payload: Mapping[str, Any]
    status: IntegrationEventStatus
    attempts: int = 0
    patient_id: PatientId | None = None
    failure_reason: FailureReason | None = None
    failure_message: str | None = None
    processed_at: datetime | None = None
    version: int = 1
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def receive(
        cls,
        *,
        tenant_id: TenantId,
        source_system: str,
        event_code: str,
        external_id: str,
        patient_identifier: str,
        occurred_at: datetime,
        payload: object,
        now: datetime,
        encounter_id: str | None = None,
    ) -> "IntegrationEvent":
        """A new ``pending`` event received ``now``, checked against the module's rules."""
        return cls(
            id=IntegrationEventId(new_id()),
            tenant_id=tenant_id,
            source_system=source_system_of(source_system),
            event_code=event_code_of(event_code),
            external_id=_text(external_id, "external_id", MAX_EXTERNAL_ID_LENGTH),
            encounter_id=_text(encounter_id, "encounter_id", MAX_EXTERNAL_ID_LENGTH) if encounter_id else None,
            patient_identifier=str(PatientIdentifier.parse(patient_identifier)),
            occurred_at=ACCEPTED_DATES.check_instant(occurred_at, "occurred_at").astimezone(UTC),
            received_at=now,
            payload=check_payload(payload),
            status=IntegrationEventStatus.PENDING,
        )

    @property
    def key(self) -> tuple[str, str]:
        """``(source_system, external_id)``: what makes two deliveries the same event."""
        return self.source_system, self.external_id

    def _finish(self, status: IntegrationEventStatus, now: datetime) -> None:
        if status not in TRANSITIONS[self.status]:
            raise NotReprocessable(f"an integration event that is {self.status} cannot become {status}")
        self.status = status
        self.attempts += 1
        self.processed_at = now
        self.version += 1

    def mark_processed(self, patient_id: PatientId, subscribers: int, now: datetime) -> None:
        """``subscribers`` (at least one) took the event for ``patient_id``."""
        self._finish(IntegrationEventStatus.PROCESSED, now)
        self.patient_id = patient_id
        self.failure_reason = self.failure_message = None
        self.events.append(
            IntegrationEventProcessed(self.id, self.source_system, self.event_code, patient_id, subscribers)
        )

    def mark_ignored(self, patient_id: PatientId, now: datetime) -> None:
        """No subscriber wants events of this code (today): kept, and reprocessable later."""
        self._finish(IntegrationEventStatus.IGNORED, now)
        self.patient_id = patient_id
        self.failure_reason = self.failure_message = None

    def mark_failed(
        self, reason: FailureReason, message: str, now: datetime, patient_id: PatientId | None = None
    ) -> None:
        """Processing failed for ``reason``; ``message`` (cut to 500 characters) says why in words."""
        self._finish(IntegrationEventStatus.FAILED, now)
        self.patient_id = patient_id
        self.failure_reason = reason
        self.failure_message = message[:MAX_FAILURE_MESSAGE_LENGTH]
        self.events.append(IntegrationEventFailed(self.id, self.source_system, self.event_code, reason.value))

    def reprocess(self) -> None:
        """Back to ``pending`` for another processing; raises :class:`NotReprocessable` (409)
        unless the event is failed or ignored."""
        if self.status not in REPROCESSABLE:
            raise NotReprocessable(
                f"only failed or ignored integration events can be reprocessed; this one is {self.status}"
            )
        self.status = IntegrationEventStatus.PENDING
        self.failure_reason = self.failure_message = None
        self.version += 1
