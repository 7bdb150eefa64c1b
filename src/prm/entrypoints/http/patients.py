"""The patients API under ``/api/v1/prm/patients`` (reference: "Patients API")."""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter
from msgspec import UNSET

from prm.application.patients.activate_patient import ActivatePatient
from prm.application.patients.deactivate_patient import DeactivatePatient
from prm.application.patients.find_patients import FindPatients, FindPatientsQuery
from prm.application.patients.get_patient import GetPatient
from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.patients.patient_demographics import GetPatientDemographics
from prm.application.patients.patient_statistics import GetPatientStatistics
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.search_patients import SearchPatients, SearchPatientsQuery, SearchType
from prm.application.patients.update_patient import UpdatePatient, UpdatePatientCommand
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import PageRequest
from prm.domain.patients.model import Patient, PatientStatus
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.patient_schemas import (
    CreatePatientRequest,
    DeletePatientResponse,
    DemographicsResponse,
    PatientResponse,
    PatientSearchRequest,
    PatientSimpleResponse,
    UpdatePatientRequest,
    patient_response,
    patient_simple,
    to_changes,
    to_patient_input,
)
from prm.entrypoints.http.patients_360_schemas import PatientDetailResponse, patient_detail_response
from prm.entrypoints.http.patients_merge import MERGED_REDIRECT, merged_redirect
from prm.entrypoints.http.problems import problem_responses

TenantQuery = Annotated[UUID | None, QueryParameter(description="Must be the caller's own tenant if given")]


def _with_etag(patient: Patient, status_code: int = 200) -> Response[PatientResponse]:
    return Response(patient_response(patient), status_code=status_code, headers={"ETag": etag(patient.version)})


class PatientController(Controller):
    path = "/patients"
    tags = ("patients",)

    @get(opt={"permission": "patients:read"}, responses=problem_responses(403, 422), summary="List patients")
    @inject
    async def list_patients(
        self,
        list_patients: FromDishka[ListPatients],
        context: FromDishka[RequestContext],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        search: FromQuery[Annotated[str | None, QueryParameter(max_length=200)]] = None,
        status: FromQuery[PatientStatus | None] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> PageResponse[PatientSimpleResponse]:
        """Patients of the caller's tenant, by family then given name. ``search`` matches a name
        (prefixes, any case or accent), a phone (any format), an email fragment or an MRN."""
        context.ensure_tenant(tenant_id)
        result = await list_patients(ListPatientsQuery(page=PageRequest(page, page_size), search=search, status=status))
        return page_response(result.map(patient_simple))

    @get("/search", opt={"permission": "patients:read"}, responses=problem_responses(422), summary="Quick search")
    @inject
    async def search_patients(
        self,
        search_patients: FromDishka[SearchPatients],
        search_query: Annotated[
            str,
            QueryParameter(
                name="query", min_length=2, max_length=200, description="What to look for, at least 2 characters"
            ),
        ],
        type: FromQuery[SearchType] = SearchType.NAME,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 20,
    ) -> list[PatientSimpleResponse]:
        """Patients whose name, phone, MRN or email (``type``) matches ``query``; at most ``limit``."""
        found = await search_patients(SearchPatientsQuery(query=search_query, type=type, limit=limit))
        return [patient_simple(p) for p in found]

    @post(
        "/search",
        opt={"permission": "patients:read"},
        status_code=200,
        responses=problem_responses(403, 422),
        summary="Advanced search",
    )
    @inject
    async def find_patients(
        self,
        data: JSONBody[PatientSearchRequest],
        find_patients: FromDishka[FindPatients],
        context: FromDishka[RequestContext],
    ) -> PageResponse[PatientSimpleResponse]:
        """Patients matching every criterion given: name, birth date, phone, email, identifier, gender,
        city, status."""
        context.ensure_tenant(data.tenant_id)
        result = await find_patients(
            FindPatientsQuery(
                name=data.name,
                birth_date=data.birth_date,
                phone=data.phone,
                email=data.email,
                identifier=data.identifier,
                gender=data.gender,
                city=data.city,
                status=data.status,
                page=PageRequest(data.page, data.page_size),
            )
        )
        return page_response(result.map(patient_simple))

    @get("/stats/demographics", opt={"permission": "patients:read"}, summary="Demographics")
    @inject
    async def demographics(self, get_demographics: FromDishka[GetPatientDemographics]) -> DemographicsResponse:
        """Counts by gender, age band (age today), status and city of the tenant's patients."""
        stats = await get_demographics()
        return DemographicsResponse(
            total=stats.total,
            by_gender=dict(stats.by_gender),
            by_age_band=dict(stats.by_age_band),
            by_status=dict(stats.by_status),
            by_city=dict(stats.by_city),
        )

    @get(
        "/mrn/{mrn:str}",
        opt={"permission": "patients:read"},
        responses=problem_responses(404) | MERGED_REDIRECT,
        summary="Get a patient by MRN",
    )
    @inject
    async def get_by_mrn(
        self,
        mrn: FromPath[Annotated[str, PathParameter(max_length=64)]],
        get_patient_by_mrn: FromDishka[GetPatientByMrn],
    ) -> Response[PatientResponse]:
        """The patient with this MRN; a merged patient's answer is ``307`` to its survivor."""
        patient = await get_patient_by_mrn(mrn)
        return merged_redirect(patient) or _with_etag(patient)

    @get(
        "/{patient_id:uuid}",
        opt={"permission": "patients:read"},
        responses=problem_responses(404) | MERGED_REDIRECT,
        summary="Get a patient",
    )
    @inject
    async def get_patient(
        self,
        patient_id: FromPath[UUID],
        get_patient: FromDishka[GetPatient],
        get_statistics: FromDishka[GetPatientStatistics],
    ) -> Response[PatientDetailResponse]:
        """The patient with its statistics (the contract's ``PatientDetailResponse``: four small
        indexed counts, one per context); a merged patient's answer is ``307`` with ``Location``
        its survivor."""
        patient = await get_patient(PatientId(patient_id))
        if (redirect := merged_redirect(patient)) is not None:
            return redirect
        detail = patient_detail_response(patient, await get_statistics(patient.id))
        return Response(detail, headers={"ETag": etag(patient.version)})

    @post(
        opt={"permission": "patients:write"}, responses=problem_responses(403, 409, 422), summary="Register a patient"
    )
    @inject
    async def create_patient(
        self,
        data: JSONBody[CreatePatientRequest],
        register: FromDishka[RegisterPatient],
        context: FromDishka[RequestContext],
    ) -> Response[PatientResponse]:
        """Register a patient. Without ``mrn`` PRM assigns one; a taken MRN is 409."""
        context.ensure_tenant(data.tenant_id)
        return _with_etag(await register(to_patient_input(data)), status_code=201)

    @patch(
        "/{patient_id:uuid}",
        opt={"permission": "patients:write"},
        responses=problem_responses(403, 404, 409, 422),
        summary="Update a patient",
    )
    @inject
    async def update_patient(
        self,
        patient_id: FromPath[UUID],
        data: JSONBody[UpdatePatientRequest],
        update: FromDishka[UpdatePatient],
        context: FromDishka[RequestContext],
        if_match: IfMatch = None,
    ) -> Response[PatientResponse]:
        """Change the fields present in the body. Send ``If-Match: W/"<version>"`` (or ``version``)
        to refuse the update with 409 if someone changed the patient since you read it."""
        context.ensure_tenant(data.tenant_id if data.tenant_id is not UNSET else None)
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        patient = await update(
            UpdatePatientCommand(patient_id=PatientId(patient_id), changes=to_changes(data), expected_version=expected)
        )
        return _with_etag(patient)

    @delete(
        "/{patient_id:uuid}",
        opt={"permission": "patients:write"},
        status_code=200,
        responses=problem_responses(404, 409),
        summary="Deactivate a patient",
    )
    @inject
    async def delete_patient(
        self, patient_id: FromPath[UUID], deactivate: FromDishka[DeactivatePatient]
    ) -> DeletePatientResponse:
        """Soft delete: the patient becomes ``inactive`` and stays on record."""
        patient = await deactivate(PatientId(patient_id))
        return DeletePatientResponse(success=True, message="Patient deleted successfully", patient_id=patient.id)

    @post(
        "/{patient_id:uuid}/activate",
        opt={"permission": "patients:write"},
        status_code=200,
        responses=problem_responses(404, 409, 422),
        summary="Re-activate a patient",
    )
    @inject
    async def activate_patient(
        self, patient_id: FromPath[UUID], activate: FromDishka[ActivatePatient]
    ) -> Response[PatientResponse]:
        return _with_etag(await activate(PatientId(patient_id)))
