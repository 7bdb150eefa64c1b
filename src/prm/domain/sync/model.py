"""Offline sync as the domain sees it: which records sync, what a device may do to them, and the
position in the server's change feed a device has reached."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from prm.domain.sync.errors import InvalidCursor


class SyncEntity(StrEnum):
    """The kinds of record a device keeps offline."""

    PATIENT = "patient"
    APPOINTMENT = "appointment"


class SyncOperation(StrEnum):
    """What a device's change does to its record."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    """A patient is deactivated (kept on record); an appointment is removed."""


class ChangeStatus(StrEnum):
    """What became of one uploaded change."""

    APPLIED = "applied"
    CONFLICT = "conflict"
    """Based on a version that is no longer the server's: not applied, both versions reported."""
    REJECTED = "rejected"
    """Refused as the REST API would refuse it (a 4xx problem)."""


class TombstoneReason(StrEnum):
    """Why a record left the device's working set."""

    DELETED = "deleted"
    DEACTIVATED = "deactivated"
    MERGED = "merged"


@dataclass(frozen=True, slots=True, order=True)
class FeedPosition:
    """A position in the tenant's commit-ordered change feed: ``sequence`` numbers the entries
    in the order their transactions committed, ``entry`` (UUIDv7) breaks ties."""

    sequence: int
    entry: UUID

    def token(self) -> str:
        """The opaque cursor a device sends back as ``since`` (URL-safe base64, no padding)."""
        raw = f"{self.sequence}.{self.entry.hex}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str) -> "FeedPosition":
        """The position a :meth:`token` names; raises :class:`InvalidCursor` for anything else."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            sequence, entry = raw.split(".")
            position = cls(int(sequence), UUID(hex=entry))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidCursor("since must be a next_cursor given by a previous download") from exc
        if position.sequence < 0 or position.token() != token:
            raise InvalidCursor("since must be a next_cursor given by a previous download")
        return position


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    """One record changed by one committed transaction, at ``changed_at`` (UTC)."""

    position: FeedPosition
    entity: SyncEntity
    entity_id: UUID
    changed_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AppliedChange:
    """The server's answer to a device change that was applied: the record and its new version
    (``None`` for a removed appointment)."""

    entity: SyncEntity
    operation: SyncOperation
    entity_id: UUID
    version: int | None
