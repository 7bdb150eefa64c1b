"""Patient merges under ``/api/v1/prm/patients`` (issue 13): the reference API's ``POST
/patients/merge``, Harman's ``POST /patients/{id}/merge/{target_id}``, the merge records and their
undo. Merging and undoing need ``patients:merge``; reading the records ``patients:read``.

A merged patient's ``GET /patients/{id}`` and ``GET /patients/mrn/{mrn}`` answer ``307`` with
``Location`` the survivor (see ``patients.py``)."""

from typing import Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from prm.application.patients.get_patient_merge import GetPatientMerge
from prm.application.patients.list_patient_merges import ListPatientMerges, ListPatientMergesQuery
from prm.application.patients.merge_patients import MergeOutcome, MergePatients, MergePatientsCommand
from prm.application.patients.merge_ports import MergeCriteria, MergeStatus
from prm.application.patients.undo_patient_merge import UndoPatientMerge
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import PageRequest
from prm.domain.patients.merging import survivor_of
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.patients_merge_schemas import (
    MergeIntoRequest,
    MergePatientsRequest,
    PatientMergeResponse,
    merge_response,
)
from prm.entrypoints.http.problems import problem_responses

PATIENTS_PATH = "/api/v1/prm/patients"
MERGES_PATH = f"{PATIENTS_PATH}/merges"

MERGED_REDIRECT: dict[int, Any] = {
    307: ResponseSpec(
        data_container=None,
        description="The patient was merged: `Location` is its survivor (temporary, as a merge can be undone)",
    )
}
"""The OpenAPI entry of :func:`merged_redirect`'s answer."""


def merged_redirect(patient: Patient) -> Response[Any] | None:
    """``307 Temporary Redirect`` to the survivor of a merged patient (``None`` for any other).

    Temporary rather than permanent (301/308): an undo brings the record back, and a client or
    cache that kept a permanent redirect would never see it again. The answer has no body; its
    ``Link`` header names the survivor too (``rel="replaced-by"``, FHIR's link type)."""
    survivor = survivor_of(patient)
    if survivor is None:
        return None
    location = f"{PATIENTS_PATH}/{survivor}"
    return Response(
        content=None,
        status_code=307,
        headers={"Location": location, "Link": f'<{location}>; rel="replaced-by"'},
    )


def _created(outcome: MergeOutcome) -> Response[PatientMergeResponse]:
    return Response(
        merge_response(outcome.record, outcome),
        status_code=201,
        headers={"Location": f"{MERGES_PATH}/{outcome.record.id}"},
    )


class PatientMergeController(Controller):
    path = "/patients"
    tags = ("patients",)

    @post(
        "/merge",
        opt={"permission": "patients:merge"},
        responses=problem_responses(403, 409, 422),
        summary="Merge duplicate patients",
    )
    @inject
    async def merge_patients(
        self,
        data: JSONBody[MergePatientsRequest],
        merge: FromDishka[MergePatients],
        context: FromDishka[RequestContext],
    ) -> Response[PatientMergeResponse]:
        """Merge the source into the target (the survivor) in one transaction: the source becomes
        ``merged`` (link ``replaced-by``), the target takes ``fields`` from it and keeps its
        identifiers (link ``replaces``), and every appointment, message, thread, consent,
        journey, ticket, survey and integration event of the source moves to the target. 201 with
        the merge record and the survivor; 422 naming ``source_patient_id`` or
        ``target_patient_id`` for an id the tenant does not have, the same patient twice or a
        merged one; 409 when either changed meanwhile."""
        context.ensure_tenant(data.tenant_id)
        command = MergePatientsCommand(
            source_id=PatientId(data.source_patient_id),
            target_id=PatientId(data.target_patient_id),
            fields=tuple(f.value for f in data.fields),
            reason=data.reason,
        )
        return _created(await merge(command))

    @post(
        "/{patient_id:uuid}/merge/{target_id:uuid}",
        opt={"permission": "patients:merge"},
        responses=problem_responses(403, 404, 409, 422),
        summary="Merge a patient into another",
    )
    @inject
    async def merge_patient_into(
        self,
        patient_id: FromPath[UUID],
        target_id: FromPath[UUID],
        data: JSONBody[MergeIntoRequest],
        merge: FromDishka[MergePatients],
    ) -> Response[PatientMergeResponse]:
        """Harman's form: merge ``patient_id`` into ``target_id``, as ``POST /patients/merge`` does
        (an id of the tenant it does not have is 422 naming it; a path that is not two UUIDs 404)."""
        command = MergePatientsCommand(
            source_id=PatientId(patient_id),
            target_id=PatientId(target_id),
            fields=tuple(f.value for f in data.fields),
            reason=data.reason,
        )
        return _created(await merge(command))

    @get("/merges", opt={"permission": "patients:read"}, responses=problem_responses(403), summary="List merges")
    @inject
    async def list_patient_merges(
        self,
        list_merges: FromDishka[ListPatientMerges],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        patient_id: FromQuery[UUID | None] = None,
        status: FromQuery[MergeStatus | None] = None,
    ) -> PageResponse[PatientMergeResponse]:
        """The tenant's merges, newest first; ``patient_id`` as source or target, ``status``."""
        criteria = MergeCriteria(patient_id=PatientId(patient_id) if patient_id else None, status=status)
        result = await list_merges(ListPatientMergesQuery(criteria=criteria, page=PageRequest(page, page_size)))
        return page_response(result.map(merge_response))

    @get(
        "/merges/{merge_id:uuid}",
        opt={"permission": "patients:read"},
        responses=problem_responses(403, 404),
        summary="Get a merge",
    )
    @inject
    async def get_patient_merge(
        self, merge_id: FromPath[UUID], get_merge: FromDishka[GetPatientMerge]
    ) -> PatientMergeResponse:
        """One merge record with the number of rows it changed per context (404 for another tenant's)."""
        return merge_response(await get_merge(merge_id))

    @post(
        "/merges/{merge_id:uuid}/undo",
        opt={"permission": "patients:merge"},
        status_code=200,
        responses=problem_responses(403, 404, 409),
        summary="Undo a merge",
    )
    @inject
    async def undo_patient_merge(
        self, merge_id: FromPath[UUID], undo: FromDishka[UndoPatientMerge]
    ) -> PatientMergeResponse:
        """Put both patients and every reference back as they were before the merge, in one
        transaction. 409 when the merge is already undone or either patient changed since (edited,
        or merged again: undo the newer merge first)."""
        outcome = await undo(merge_id)
        return merge_response(outcome.record, outcome)
