"""What senders give for one inbound event, and the answer to a batch of them."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prm.domain.integrations.model import IntegrationEvent
from prm.domain.shared.ids import TenantId

MAX_BATCH = 1000
"""Events one bulk request may carry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiveEventCommand:
    """One inbound event as sent (see :mod:`prm.domain.integrations.model` for the rules)."""

    source_system: str
    event_code: str
    external_id: str
    patient_identifier: str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    encounter_id: str | None = None

    def event(self, tenant_id: TenantId, now: datetime) -> IntegrationEvent:
        """The new ``pending`` event; raises ``RuleViolated`` naming the field."""
        return IntegrationEvent.receive(
            tenant_id=tenant_id,
            source_system=self.source_system,
            event_code=self.event_code,
            external_id=self.external_id,
            encounter_id=self.encounter_id,
            patient_identifier=self.patient_identifier,
            occurred_at=self.occurred_at,
            payload=self.payload,
            now=now,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemError:
    """Why the element ``index`` (0-based) of a batch was refused: ``loc`` is the path to the bad
    field from the request's root (``("body", "events", 3, "event_code")``), ``msg`` says why."""

    index: int
    loc: tuple[str | int, ...]
    msg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedBatch:
    """The answer to a batch: ``created`` new events stored, ``duplicates`` already known (or
    repeated within the batch), ``failed`` refused elements with one error each, by index."""

    created: int
    duplicates: int
    failed: int
    errors: tuple[ItemError, ...]
