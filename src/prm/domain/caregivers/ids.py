"""Identifiers of the caregivers context."""

from typing import NewType
from uuid import UUID

CaregiverId = NewType("CaregiverId", UUID)
