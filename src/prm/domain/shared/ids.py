"""Typed identifiers shared by every context.

Ids are UUIDv7 (RFC 9562): time-ordered, index-friendly and known before the insert. A v7 id
leaks its creation time, so it is never used as a patient-facing identifier (an MRN is).
"""

from typing import NewType
from uuid import UUID

from uuid_utils.compat import uuid7

TenantId = NewType("TenantId", UUID)
PatientId = NewType("PatientId", UUID)
PractitionerId = NewType("PractitionerId", UUID)
EventId = NewType("EventId", UUID)


def new_id() -> UUID:
    """Return a fresh UUIDv7 (standard-library ``uuid.UUID``)."""
    return uuid7()
