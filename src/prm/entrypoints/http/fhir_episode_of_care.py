"""FHIR R4 EpisodeOfCare (PRM's journey instances) read and search under ``/api/v1/prm/fhir``
(issue 14), with the REST API's ``journeys:read`` permission; reads and searches are audited as
the REST ones are (a ``read``, a ``search`` naming the instances found).

- ``GET /fhir/EpisodeOfCare/{id}``: 404 OperationOutcome for an unknown id or another tenant's;
- ``GET /fhir/EpisodeOfCare?patient=&status=&type=&organization=&_count=&_offset=``: most
  recently started first. ``patient``: ``Patient/<id>`` or an id; ``organization``:
  ``Organization/<id>`` or an id; ``status``: episode-of-care-status codes, comma-separated
  (``active``, ``finished``, ``cancelled``; the others find nothing); ``type``: one token, a
  journey type (``urn:prm:journey-type|opd`` or ``opd``: the instances of every journey of that
  type) or a journey (``urn:prm:journey|<id>`` or a bare journey id). 422 OperationOutcome
  naming the parameter otherwise.
"""

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.adapters.fhir.episode_of_care import (
    EPISODE_STATUS,
    EPISODE_STATUS_SYSTEM,
    JOURNEY_SYSTEM,
    JOURNEY_TYPE_SYSTEM,
    episode_of_care_resource,
)
from prm.adapters.fhir.search_params import reference_id, token_codes
from prm.application.journeys.fhir_episodes import EpisodeSearchQuery, SearchJourneyInstanceViews
from prm.application.journeys.instances_manage import GetJourneyInstance, InstanceView
from prm.application.shared.paging import Page
from prm.application.shared.ports import Clock
from prm.domain.journeys.ids import JourneyId, JourneyInstanceId
from prm.domain.journeys.instances import InstanceStatus
from prm.domain.journeys.model import JOURNEY_TYPE_PATTERN
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.fhir_appointment import REFERENCE_MAX, Reference
from prm.entrypoints.http.fhir_common import (
    FHIR_EXCEPTION_HANDLERS,
    FHIR_PATH,
    Count,
    Offset,
    fhir_response,
    page_request,
    searchset_response,
)
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, fhir_responses

READ = {"permission": "journeys:read"}


class EpisodeOfCareStatus(StrEnum):
    """FHIR R4 EpisodeOfCareStatus (http://hl7.org/fhir/episode-of-care-status)."""

    PLANNED = "planned"
    WAITLIST = "waitlist"
    ACTIVE = "active"
    ONHOLD = "onhold"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"


Token = Annotated[str | None, QueryParameter(max_length=REFERENCE_MAX, description="codes, comma-separated")]


def _view(view: InstanceView) -> dict[str, Any]:
    return episode_of_care_resource(view.instance, view.journey_name, view.journey_type)


def _statuses(status: str | None) -> frozenset[InstanceStatus]:
    """The instance statuses the ``status`` codes stand for (all of them without codes)."""
    if not status:
        return frozenset(InstanceStatus)
    wanted = token_codes([status], EpisodeOfCareStatus, "status", EPISODE_STATUS_SYSTEM)
    return frozenset(s for s, code in EPISODE_STATUS.items() if code in wanted)


def _journey(value: str) -> tuple[JourneyId | None, str | None]:
    """The journey id or the journey type of a ``type`` token; 422 naming ``type`` otherwise."""
    text = value.strip()
    system, bar, code = text.partition("|")
    if not bar:
        system, code = "", text
    if "," in code:
        raise RuleViolated("type takes one journey type or journey", field="type")
    if system in ("", JOURNEY_SYSTEM):
        try:
            return JourneyId(UUID(code)), None
        except ValueError:
            if system:
                raise RuleViolated(f"type: a {JOURNEY_SYSTEM} code is a journey id (a UUID)", field="type") from None
    if system in ("", JOURNEY_TYPE_SYSTEM) and JOURNEY_TYPE_PATTERN.match(code):
        return None, code
    raise RuleViolated(
        f"type must be a journey type ({JOURNEY_TYPE_SYSTEM}|<code>, lower snake case) "
        f"or a journey ({JOURNEY_SYSTEM}|<id>)",
        field="type",
    )


class FhirEpisodeOfCareController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/EpisodeOfCare/{instance_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR EpisodeOfCare read",
    )
    @inject
    async def fhir_read_episode_of_care(
        self, instance_id: FromPath[UUID], get_instance: FromDishka[GetJourneyInstance]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 EpisodeOfCare of a journey instance; 404 (OperationOutcome) for an unknown
        id or another tenant's."""
        return fhir_response(_view(await get_instance(JourneyInstanceId(instance_id))))

    @get(
        "/EpisodeOfCare",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR EpisodeOfCare search",
    )
    @inject
    async def fhir_search_episodes_of_care(
        self,
        request: Request[Any, Any, Any],
        search: FromDishka[SearchJourneyInstanceViews],
        clock: FromDishka[Clock],
        patient: Reference = None,
        status: Token = None,
        episode_type: Annotated[
            str | None,
            QueryParameter(name="type", max_length=REFERENCE_MAX, description="a journey type or a journey"),
        ] = None,
        organization: Reference = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the journey instances matching every parameter given (none: all
        of the tenant's), most recently started first (see the module docstring)."""
        patient_id = PatientId(reference_id(patient, "Patient", "patient")) if patient is not None else None
        organization_id = reference_id(organization, "Organization", "organization") if organization else None
        statuses = _statuses(status)
        journey_id, journey_type = _journey(episode_type) if episode_type else (None, None)
        paging = page_request(count, offset)
        if not statuses:
            empty: Page[Any] = Page([], 0, paging.page, paging.page_size)
            return searchset_response(request, "EpisodeOfCare", empty, [], clock.now())
        query = EpisodeSearchQuery(
            page=paging,
            patient_id=patient_id,
            statuses=frozenset() if statuses == frozenset(InstanceStatus) else statuses,
            organization_id=organization_id,
            journey_id=journey_id,
            journey_type=journey_type,
        )
        page = await search(query)
        return searchset_response(request, "EpisodeOfCare", page, [_view(v) for v in page.items], clock.now())


ROUTES: list[ControllerRouterHandler] = [FhirEpisodeOfCareController]
"""This module's controllers, spread into ``fhir.ROUTES``."""
