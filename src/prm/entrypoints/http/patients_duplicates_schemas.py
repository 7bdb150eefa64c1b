"""Wire schemas of duplicate detection (``GET /patients/{id}/duplicates``, the worklist
``GET /patients/duplicates`` and ``POST /patients/duplicates/{a}/{b}/not-duplicate``)."""

from datetime import datetime
from uuid import UUID

import msgspec

from prm.application.patients.duplicates_ports import DuplicateCandidate, DuplicatePair, PairStatus, ScoredPair
from prm.domain.patients.duplicates import FieldMatch, MatchKind
from prm.entrypoints.http.patient_schemas import PatientSimpleResponse, patient_simple


class FieldMatchResponse(msgspec.Struct, frozen=True):
    """How one field compared: ``field`` (``given_name``, ``family_name``, ``name``, ``birth_date``,
    ``gender``, ``phone``, ``email``, ``address``, ``identifier``), ``kind`` (exact, folded,
    fuzzy, phonetic, transposed, typo, partial, differs), ``similarity`` 0..1 for a fuzzy
    comparison, and ``weight``: what it added to the score's log-odds (negative: against)."""

    field: str
    kind: MatchKind
    weight: float
    similarity: float | None = None


class DuplicateCandidateResponse(msgspec.Struct, frozen=True):
    """A record that may be the same person: ``score`` 0..1 and one reason per field both have."""

    patient: PatientSimpleResponse
    score: float
    reasons: list[FieldMatchResponse]


class PatientDuplicatesResponse(msgspec.Struct, frozen=True):
    """The candidates of ``patient_id`` scoring at least ``min_score``, best first."""

    patient_id: UUID
    min_score: float
    candidates: list[DuplicateCandidateResponse]


class DuplicatePairResponse(msgspec.Struct, frozen=True):
    """A worklist pair (``patient_a`` has the lower id). ``decided_by``: ``user:<id>`` or
    ``api_key:<id>``; ``decided_at``/``found_at`` RFC 3339 UTC."""

    patient_a: PatientSimpleResponse
    patient_b: PatientSimpleResponse
    score: float
    reasons: list[FieldMatchResponse]
    status: PairStatus
    found_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None


class NotDuplicateResponse(msgspec.Struct, frozen=True):
    """The pair as recorded: ``status`` ``not_duplicate``, the score and reasons as they compare now."""

    patient_a: UUID
    patient_b: UUID
    status: PairStatus
    score: float
    reasons: list[FieldMatchResponse]


def reasons_response(reasons: tuple[FieldMatch, ...]) -> list[FieldMatchResponse]:
    return [FieldMatchResponse(r.field, r.kind, r.weight, r.similarity) for r in reasons]


def candidate_response(candidate: DuplicateCandidate) -> DuplicateCandidateResponse:
    return DuplicateCandidateResponse(
        patient=patient_simple(candidate.patient), score=candidate.score, reasons=reasons_response(candidate.reasons)
    )


def pair_response(pair: DuplicatePair) -> DuplicatePairResponse:
    return DuplicatePairResponse(
        patient_a=patient_simple(pair.patient_a),
        patient_b=patient_simple(pair.patient_b),
        score=pair.score,
        reasons=reasons_response(pair.reasons),
        status=pair.status,
        found_at=pair.found_at,
        decided_at=pair.decided_at,
        decided_by=pair.decided_by,
    )


def not_duplicate_response(pair: ScoredPair) -> NotDuplicateResponse:
    return NotDuplicateResponse(
        patient_a=pair.patient_a,
        patient_b=pair.patient_b,
        status=PairStatus.NOT_DUPLICATE,
        score=pair.score,
        reasons=reasons_response(pair.reasons),
    )
