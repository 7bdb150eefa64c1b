"""The journeys API under ``/api/v1/prm/journeys``: templates with their stages, and patients'
instances under ``/journeys/instances`` (a controller of its own, with ``{journey_id:uuid}`` on
the templates' routes so that ``instances`` is never read as a journey id)."""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import UNSET

from prm.application.journeys.instances_manage import (
    AdvanceJourneyInstance,
    CancelJourneyInstance,
    GetJourneyInstance,
    JourneyInstanceStatistics,
    ListInstancesQuery,
    ListJourneyInstances,
    StartJourney,
    StartJourneyCommand,
)
from prm.application.journeys.journeys_manage import (
    AddStage,
    CreateJourney,
    GetJourney,
    ListJourneys,
    ListJourneysQuery,
    UpdateJourney,
    UpdateStage,
)
from prm.application.journeys.ports import JourneyCriteria
from prm.application.shared.context import RequestContext
from prm.application.shared.paging import PageRequest
from prm.domain.journeys.ids import JourneyId, JourneyInstanceId, StageId
from prm.domain.journeys.instances import InstanceStatus
from prm.domain.journeys.model import Journey
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.journey_schemas import (
    AdvanceRequest,
    CreateInstanceRequest,
    CreateJourneyRequest,
    InstanceResponse,
    JourneyResponse,
    ProgressResponse,
    StageBody,
    StageResponse,
    StatsResponse,
    UpdateJourneyRequest,
    UpdateStageRequest,
    instance_response,
    journey_response,
    present_fields,
    progress_response,
    stage_response,
    stats_response,
    to_journey_input,
    to_stage_input,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses

TenantQuery = Annotated[UUID | None, QueryParameter(description="Must be the caller's own tenant if given")]
JourneyTypeQuery = Annotated[str | None, QueryParameter(max_length=64, description="opd, inpatient, ... or your own")]
SearchQuery = Annotated[
    str | None, QueryParameter(max_length=64, description="An encounter id or a patient's MRN (exact)")
]
READ = {"permission": "journeys:read"}
WRITE = {"permission": "journeys:write"}


def _with_etag(journey: Journey, status_code: int = 200) -> Response[JourneyResponse]:
    return Response(journey_response(journey), status_code=status_code, headers={"ETag": etag(journey.version)})


class JourneyInstanceController(Controller):
    path = "/journeys/instances"
    tags = ("journeys",)

    @get(opt=READ, responses=problem_responses(403, 422), summary="List journey instances")
    @inject
    async def list_journey_instances(
        self,
        list_instances: FromDishka[ListJourneyInstances],
        context: FromDishka[RequestContext],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        patient_id: FromQuery[UUID | None] = None,
        journey_id: FromQuery[UUID | None] = None,
        status: FromQuery[InstanceStatus | None] = None,
        organization_id: FromQuery[UUID | None] = None,
        search: FromQuery[SearchQuery] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> PageResponse[InstanceResponse]:
        """Most recently started first; ``search`` is an encounter id or a patient's MRN."""
        context.ensure_tenant(tenant_id)
        result = await list_instances(
            ListInstancesQuery(
                page=PageRequest(page, page_size),
                patient_id=PatientId(patient_id) if patient_id else None,
                journey_id=JourneyId(journey_id) if journey_id else None,
                status=status,
                organization_id=organization_id,
                search=search,
            )
        )
        return page_response(result.map(instance_response))

    @get("/stats", opt=READ, responses=problem_responses(403), summary="Journey instance statistics")
    @inject
    async def journey_instance_stats(
        self,
        statistics: FromDishka[JourneyInstanceStatistics],
        context: FromDishka[RequestContext],
        journey_id: FromQuery[UUID | None] = None,
        organization_id: FromQuery[UUID | None] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> StatsResponse:
        context.ensure_tenant(tenant_id)
        found = await statistics(JourneyId(journey_id) if journey_id else None, organization_id)
        return stats_response(found)

    @post(opt=WRITE, responses=problem_responses(403, 404, 409, 422), summary="Start a patient on a journey")
    @inject
    async def create_journey_instance(
        self,
        data: JSONBody[CreateInstanceRequest],
        start: FromDishka[StartJourney],
        context: FromDishka[RequestContext],
    ) -> Response[InstanceResponse]:
        """One stage instance per active stage, the first in progress; 409 when the journey has
        an instance for this encounter (or appointment) already."""
        context.ensure_tenant(data.tenant_id)
        instance = await start(
            StartJourneyCommand(
                journey_id=JourneyId(data.journey_id),
                patient_id=PatientId(data.patient_id),
                appointment_id=data.appointment_id,
                encounter_id=data.encounter_id,
                organization_id=data.organization_id,
                context=data.context,
            )
        )
        return Response(instance_response(instance), status_code=201)

    @get("/{instance_id:uuid}", opt=READ, responses=problem_responses(404), summary="Get a journey instance")
    @inject
    async def get_journey_instance(
        self, instance_id: FromPath[UUID], get_one: FromDishka[GetJourneyInstance]
    ) -> InstanceResponse:
        return instance_response((await get_one(JourneyInstanceId(instance_id))).instance)

    @get(
        "/{instance_id:uuid}/progress",
        opt=READ,
        responses=problem_responses(404),
        summary="A journey instance's progress",
    )
    @inject
    async def journey_instance_progress(
        self, instance_id: FromPath[UUID], get_one: FromDishka[GetJourneyInstance]
    ) -> ProgressResponse:
        return progress_response(await get_one(JourneyInstanceId(instance_id)))

    @post(
        "/{instance_id:uuid}/advance",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(404, 409, 422),
        summary="Complete the current stage",
    )
    @inject
    async def advance_journey_instance(
        self, instance_id: FromPath[UUID], data: JSONBody[AdvanceRequest], advance: FromDishka[AdvanceJourneyInstance]
    ) -> InstanceResponse:
        """Marks the stage in progress complete and moves to the next; 409 for a completed or
        cancelled instance."""
        return instance_response(await advance(JourneyInstanceId(instance_id), data.notes))

    @post(
        "/{instance_id:uuid}/cancel",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(404, 409),
        summary="Cancel a journey instance",
    )
    @inject
    async def cancel_journey_instance(
        self, instance_id: FromPath[UUID], cancel: FromDishka[CancelJourneyInstance]
    ) -> InstanceResponse:
        return instance_response(await cancel(JourneyInstanceId(instance_id)))


class JourneyController(Controller):
    path = "/journeys"
    tags = ("journeys",)

    @get(opt=READ, responses=problem_responses(403, 422), summary="List journeys")
    @inject
    async def list_journeys(
        self,
        list_journeys: FromDishka[ListJourneys],
        context: FromDishka[RequestContext],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        journey_type: FromQuery[JourneyTypeQuery] = None,
        is_default: FromQuery[bool | None] = None,
        is_active: FromQuery[bool | None] = None,
        organization_id: FromQuery[UUID | None] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> PageResponse[JourneyResponse]:
        context.ensure_tenant(tenant_id)
        criteria = JourneyCriteria(
            journey_type=journey_type, is_default=is_default, is_active=is_active, organization_id=organization_id
        )
        result = await list_journeys(ListJourneysQuery(page=PageRequest(page, page_size), criteria=criteria))
        return page_response(result.map(journey_response))

    @post(opt=WRITE, responses=problem_responses(403, 422), summary="Create a journey")
    @inject
    async def create_journey(
        self,
        data: JSONBody[CreateJourneyRequest],
        create: FromDishka[CreateJourney],
        context: FromDishka[RequestContext],
    ) -> Response[JourneyResponse]:
        """A journey with its stages, at version 1; two stages of one ``order_index`` are 422."""
        context.ensure_tenant(data.tenant_id)
        return _with_etag(await create(to_journey_input(data)), status_code=201)

    @get("/{journey_id:uuid}", opt=READ, responses=problem_responses(404), summary="Get a journey")
    @inject
    async def get_journey(
        self, journey_id: FromPath[UUID], get_one: FromDishka[GetJourney]
    ) -> Response[JourneyResponse]:
        return _with_etag(await get_one(JourneyId(journey_id)))

    @patch("/{journey_id:uuid}", opt=WRITE, responses=problem_responses(403, 404, 409, 422), summary="Update a journey")
    @inject
    async def update_journey(
        self,
        journey_id: FromPath[UUID],
        data: JSONBody[UpdateJourneyRequest],
        update: FromDishka[UpdateJourney],
        context: FromDishka[RequestContext],
        if_match: IfMatch = None,
    ) -> Response[JourneyResponse]:
        """Change the fields present: a new version; instances running keep the one they started with."""
        context.ensure_tenant(data.tenant_id if data.tenant_id is not UNSET else None)
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        journey = await update(JourneyId(journey_id), present_fields(data), expected_version=expected)
        return _with_etag(journey)

    @post(
        "/{journey_id:uuid}/stages",
        opt=WRITE,
        responses=problem_responses(404, 409, 422),
        summary="Add a stage to a journey",
    )
    @inject
    async def add_journey_stage(
        self, journey_id: FromPath[UUID], data: JSONBody[StageBody], add: FromDishka[AddStage]
    ) -> Response[StageResponse]:
        _, stage = await add(JourneyId(journey_id), to_stage_input(data))
        return Response(stage_response(stage), status_code=201)

    @patch(
        "/{journey_id:uuid}/stages/{stage_id:uuid}",
        opt=WRITE,
        responses=problem_responses(404, 409, 422),
        summary="Update a journey stage",
    )
    @inject
    async def update_journey_stage(
        self,
        journey_id: FromPath[UUID],
        stage_id: FromPath[UUID],
        data: JSONBody[UpdateStageRequest],
        update: FromDishka[UpdateStage],
    ) -> StageResponse:
        stage = await update(JourneyId(journey_id), StageId(stage_id), present_fields(data))
        return stage_response(stage)
