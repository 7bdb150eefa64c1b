"""Domain events of the integrations context; written to the outbox with the change that caused them.

Payloads carry ids and codes only: never the event's ``payload``, its patient identifier (an
MRN) or the failure message.
"""

from dataclasses import dataclass
from typing import ClassVar

from prm.domain.integrations.ids import IntegrationEventId
from prm.domain.shared.events import catalogue
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True)
class IntegrationEventProcessed:
    """An inbound event was handed to its subscribers (``subscribers``: how many ran)."""

    TYPE: ClassVar[str] = "integration_event.processed"
    VERSION: ClassVar[int] = 1

    integration_event_id: IntegrationEventId
    source_system: str
    event_code: str
    patient_id: PatientId
    subscribers: int


@dataclass(frozen=True, slots=True)
class IntegrationEventFailed:
    """An inbound event could not be processed; ``reason`` is a
    :class:`~prm.domain.integrations.model.FailureReason` code."""

    TYPE: ClassVar[str] = "integration_event.failed"
    VERSION: ClassVar[int] = 1

    integration_event_id: IntegrationEventId
    source_system: str
    event_code: str
    reason: str


CATALOGUE = catalogue(IntegrationEventProcessed, IntegrationEventFailed)
"""What this context publishes, by ``TYPE``."""
