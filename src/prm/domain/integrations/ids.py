"""Typed identifiers of the integrations context (UUIDv7, see ``prm.domain.shared.ids``)."""

from typing import NewType
from uuid import UUID

IntegrationEventId = NewType("IntegrationEventId", UUID)
IntegrationConfigId = NewType("IntegrationConfigId", UUID)
