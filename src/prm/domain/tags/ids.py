"""Identifiers of the tags context."""

from typing import NewType
from uuid import UUID

TagId = NewType("TagId", UUID)
