"""Wire schemas of offline sync (reference: HealthSync ``/sync/upload`` and ``/sync/download``)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from prm.domain.sync.model import ChangeStatus, SyncEntity, SyncOperation, TombstoneReason
from prm.entrypoints.http.appointments_schemas import AppointmentResponse
from prm.entrypoints.http.patient_schemas import PatientResponse

MAX_CHANGES = 500
"""Changes in one upload at most (a device with more uploads in several batches)."""

ClientText = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:@-]+$")]


class SyncChangeBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """One change. ``entity_id``: the server id (update, delete) or, for a create, the device's
    own id for the new record, echoed back as ``client_id`` with the ``server_id`` it got (an
    appointment created in the same upload may name a new patient by it). ``fields``: the body the
    REST API takes (``POST``/``PATCH /patients``, ``POST``/``PATCH /appointments``; none for a
    delete). ``base_version``: the server version the device last saw (update, delete)."""

    change_id: ClientText
    entity: SyncEntity
    op: SyncOperation
    entity_id: UUID | None = None
    base_version: Annotated[int, msgspec.Meta(ge=1)] | None = None
    fields: dict[str, Any] = {}
    changed_at: Annotated[datetime, msgspec.Meta(tz=True)]


class SyncUploadRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    device_id: ClientText
    changes: Annotated[list[SyncChangeBody], msgspec.Meta(min_length=1, max_length=MAX_CHANGES)]


class ChangeProblem(msgspec.Struct, frozen=True, omit_defaults=True):
    """Why a change was rejected: the status and ``code`` the REST API would answer, and the
    field (a dotted path under the change, e.g. ``fields.name.family``) when it is about one."""

    status: int
    code: str
    detail: str
    field: str | None = None


class ChangeResult(msgspec.Struct, frozen=True, kw_only=True):
    """``applied``: ``server_id`` and ``server_version`` (``null`` for a removed appointment),
    ``replayed`` when an earlier upload applied it. ``conflict``: nothing changed; the server's
    record (``server_patient`` or ``server_appointment``) and the device's (``device_fields``,
    ``device_base_version``). ``rejected``: ``problem``."""

    change_id: str
    entity: SyncEntity
    op: SyncOperation
    status: ChangeStatus
    client_id: UUID | None = None
    server_id: UUID | None = None
    server_version: int | None = None
    replayed: bool = False
    server_patient: PatientResponse | None = None
    server_appointment: AppointmentResponse | None = None
    device_fields: dict[str, Any] | None = None
    device_base_version: int | None = None
    problem: ChangeProblem | None = None


class SyncUploadResponse(msgspec.Struct, frozen=True):
    device_id: str
    applied: int
    conflicts: int
    rejected: int
    results: list[ChangeResult]


class TombstoneResponse(msgspec.Struct, frozen=True):
    deleted_at: datetime
    reason: TombstoneReason


class SyncRecordResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A changed record: ``deleted`` false with ``patient`` or ``appointment`` (current state),
    or ``deleted`` true with a ``tombstone``."""

    entity: SyncEntity
    id: UUID
    deleted: bool
    server_version: int | None = None
    updated_at: datetime | None = None
    patient: PatientResponse | None = None
    appointment: AppointmentResponse | None = None
    tombstone: TombstoneResponse | None = None


class SyncDownloadResponse(msgspec.Struct, frozen=True):
    """``next_cursor``: send it as ``since`` next time (``null`` only when nothing was ever sent);
    ``has_more``: download again at once."""

    changes: list[SyncRecordResponse]
    next_cursor: str | None
    has_more: bool
    server_time: datetime
