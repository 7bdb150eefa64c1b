"""Duplicate patients under ``/api/v1/prm/patients`` (issue 13): the candidates of one patient
(the reference API's ``GET /patients/{id}/duplicates``), the tenant's worklist written by
``prm patients find-duplicates``, and marking a pair as two people.

``POST /patients/duplicates/{patient_a}/{patient_b}/not-duplicate`` has no counterpart in the
contract or Harman's API: a decision about a pair is a resource of the pair, so it sits under the
worklist, the two ids in either order.
"""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.application.patients.duplicates_ports import PairStatus
from prm.application.patients.find_patient_duplicates import FindPatientDuplicates
from prm.application.patients.list_duplicate_pairs import DuplicatePairsQuery, ListDuplicatePairs
from prm.application.patients.mark_not_duplicate import MarkNotDuplicate
from prm.application.shared.paging import PageRequest
from prm.domain.patients.duplicates import DEFAULT_MIN_SCORE
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.patients_duplicates_schemas import (
    DuplicatePairResponse,
    NotDuplicateResponse,
    PatientDuplicatesResponse,
    candidate_response,
    not_duplicate_response,
    pair_response,
)
from prm.entrypoints.http.problems import problem_responses

MinScore = Annotated[
    float,
    QueryParameter(ge=0, le=1, description=f"Lowest score shown, 0..1 (default {DEFAULT_MIN_SCORE})"),
]
PairStatusQuery = Annotated[
    PairStatus | None, QueryParameter(description="open (default), not_duplicate or merged; omit with any=true")
]


class PatientDuplicatesController(Controller):
    path = "/patients"
    tags = ("patients",)

    @get(
        "/{patient_id:uuid}/duplicates",
        opt={"permission": "patients:read"},
        responses=problem_responses(403, 404, 422),
        summary="Find potential duplicate patients",
        description="Records sharing a blocking key with the patient (birth date or its day/month swap, "
        "phonetic family name, phone, email, identifier), scored 0..1 on name, birth date, gender, phone, "
        "email, address and identifiers, with the reasons per field. Merged records and pairs marked not a "
        "duplicate are never proposed. Audited as a read of every patient shown.",
    )
    @inject
    async def patient_duplicates(
        self,
        patient_id: FromPath[UUID],
        find_duplicates: FromDishka[FindPatientDuplicates],
        min_score: FromQuery[MinScore] = DEFAULT_MIN_SCORE,
    ) -> PatientDuplicatesResponse:
        found = await find_duplicates(PatientId(patient_id), min_score)
        return PatientDuplicatesResponse(
            patient_id=patient_id, min_score=min_score, candidates=[candidate_response(c) for c in found]
        )

    @get(
        "/duplicates",
        opt={"permission": "patients:read"},
        responses=problem_responses(403, 422),
        summary="List the duplicate worklist",
        description="Pairs found by the last `prm patients find-duplicates` run (and pairs marked not a "
        "duplicate), best score first. An open pair one of whose patients was merged since shows as merged. "
        "Audited as a read of every patient of the page.",
    )
    @inject
    async def duplicate_worklist(
        self,
        list_pairs: FromDishka[ListDuplicatePairs],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        status: FromQuery[PairStatusQuery] = PairStatus.OPEN,
        any_status: FromQuery[Annotated[bool, QueryParameter(name="any", description="Every status")]] = False,
        min_score: FromQuery[Annotated[float, QueryParameter(ge=0, le=1, description="Lowest score, 0..1")]] = 0.0,
    ) -> PageResponse[DuplicatePairResponse]:
        result = await list_pairs(
            DuplicatePairsQuery(
                status=None if any_status else status, min_score=min_score, page=PageRequest(page, page_size)
            )
        )
        return page_response(result.map(pair_response))

    @post(
        "/duplicates/{patient_a:uuid}/{patient_b:uuid}/not-duplicate",
        opt={"permission": "patients:write"},
        status_code=200,
        responses=problem_responses(403, 404, 422),
        summary="Mark two patients as not a duplicate",
        description="The pair (ids in either order) is never proposed again, by the look-up of either "
        "patient or by a scan. Marking again only updates when and by whom.",
    )
    @inject
    async def mark_not_duplicate(
        self, patient_a: FromPath[UUID], patient_b: FromPath[UUID], mark: FromDishka[MarkNotDuplicate]
    ) -> NotDuplicateResponse:
        pair = await mark(PatientId(patient_a), PatientId(patient_b))
        return not_duplicate_response(pair)


ROUTES: list[ControllerRouterHandler] = [PatientDuplicatesController]
"""This module's controllers and handlers, registered by app.py."""
