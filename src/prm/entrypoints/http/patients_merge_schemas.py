"""Wire schemas of patient merges (``POST /patients/merge``, Harman's ``merge/{target_id}``, the
merge records and their undo)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import msgspec

from prm.application.patients.merge_patients import MergeOutcome
from prm.application.patients.merge_ports import MergeStatus, PatientMergeRecord
from prm.domain.patients.merging import MERGEABLE_FIELDS
from prm.entrypoints.http.patient_schemas import PatientResponse, patient_response

MergeField = StrEnum("MergeField", {name.upper(): name for name in MERGEABLE_FIELDS})  # type: ignore[misc]
"""The fields a survivor may take from the source."""

Reason = Annotated[str, msgspec.Meta(max_length=500, description="Why the records are merged (kept on the record)")]
Fields = Annotated[
    list[MergeField],
    msgspec.Meta(max_length=len(MERGEABLE_FIELDS), description="Fields the survivor takes from the source"),
]


class MergePatientsRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Merge ``source_patient_id`` into ``target_patient_id`` (the survivor, which keeps its id and
    MRN, gains the source's identifiers and takes ``fields`` from it)."""

    source_patient_id: UUID
    target_patient_id: UUID
    fields: Fields = []
    reason: Reason | None = None
    tenant_id: UUID | None = None


class MergeIntoRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Harman's ``merge/{target_id}`` body: ``fields`` taken from the patient of the path, ``reason``."""

    fields: Fields = []
    reason: Reason | None = None


class ReferenceCountResponse(msgspec.Struct, frozen=True):
    """``rows`` of the context ``context`` (``appointments``, ``communications`` …) the merge changed."""

    context: str
    rows: int


class PatientMergeResponse(msgspec.Struct, frozen=True):
    """A merge record. ``merged_by``/``undone_by``: ``user:<id>`` or ``api_key:<id>``.
    ``survivor``: the target as it is after this call (merge and undo answers only)."""

    id: UUID
    source_patient_id: UUID
    target_patient_id: UUID
    status: MergeStatus
    reason: str | None
    fields: list[str]
    merged_at: datetime
    merged_by: str
    undone_at: datetime | None
    undone_by: str | None
    references: list[ReferenceCountResponse]
    survivor: PatientResponse | None = None


def merge_response(record: PatientMergeRecord, outcome: MergeOutcome | None = None) -> PatientMergeResponse:
    return PatientMergeResponse(
        id=record.id,
        source_patient_id=record.source_id,
        target_patient_id=record.target_id,
        status=record.status,
        reason=record.reason,
        fields=list(record.fields),
        merged_at=record.merged_at,
        merged_by=record.merged_by,
        undone_at=record.undone_at,
        undone_by=record.undone_by,
        references=[ReferenceCountResponse(context, rows) for context, rows in record.counts.items()],
        survivor=patient_response(outcome.survivor) if outcome else None,
    )
