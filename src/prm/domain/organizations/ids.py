"""Identifiers of the organisations context."""

from typing import NewType
from uuid import UUID

OrganizationId = NewType("OrganizationId", UUID)
