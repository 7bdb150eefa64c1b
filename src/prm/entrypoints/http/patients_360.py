"""The patient as a whole (issue 13): ``GET /patients/{id}/360`` (the contract's "Get Patient 360
View"), ``GET /patients/{id}/conversations`` (the contract's patient conversations) and
``GET /patients/{id}/timeline`` (every event about the patient, newest first, by cursor)."""

from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.application.patients.get_patient_timeline import (
    MAX_TIMELINE_PAGE,
    GetPatientTimeline,
    PatientTimelineQuery,
)
from prm.application.patients.list_patient_conversations import ListPatientConversations, PatientConversationsQuery
from prm.application.patients.patient_360 import GetPatient360
from prm.application.patients.timeline_ports import TimelineKind, TimelinePosition
from prm.application.shared.paging import PageRequest
from prm.domain.patients.errors import PatientReplaced
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.patients_360_schemas import (
    ConversationBody,
    Patient360Response,
    TimelineResponse,
    conversation_body,
    patient_360_response,
    timeline_response,
)
from prm.entrypoints.http.patients_merge import MERGED_REDIRECT, PATIENTS_PATH, merged_redirect
from prm.entrypoints.http.problems import problem_responses

KindQuery = Annotated[
    list[TimelineKind] | None,
    QueryParameter(description="Only these kinds (repeat the parameter for several); every kind when absent"),
]
CursorQuery = Annotated[
    str | None,
    QueryParameter(max_length=200, description="The previous page's next_cursor; the newest entries when absent"),
]
LimitQuery = Annotated[int, QueryParameter(ge=1, le=MAX_TIMELINE_PAGE, description="Entries per page")]


class Patient360Controller(Controller):
    path = "/patients"
    tags = ("patients",)

    @get(
        "/{patient_id:uuid}/360",
        opt={"permission": "patients:read"},
        responses=problem_responses(404) | MERGED_REDIRECT,
        summary="Get a patient's 360 view",
        description="The patient with the last 10 appointments, active journeys and their progress, the newest "
        "tickets and messages, consent and unread messages per channel, and the contract's counts. "
        "Audited as a read of the patient. A merged patient's answer is 307 to its survivor's.",
    )
    @inject
    async def get_patient_360(
        self, patient_id: FromPath[UUID], get_patient_360: FromDishka[GetPatient360]
    ) -> Response[Patient360Response]:
        view = await get_patient_360(PatientId(patient_id))
        if (redirect := merged_redirect(view.patient)) is not None:
            headers = {"Location": f"{redirect.headers['Location']}/360", "Link": redirect.headers["Link"]}
            moved: Response[Any] = Response(None, status_code=307, headers=headers)
            return moved
        return Response(patient_360_response(view))

    @get(
        "/{patient_id:uuid}/conversations",
        opt={"permission": "patients:read"},
        responses=problem_responses(404, 422) | MERGED_REDIRECT,
        summary="List a patient's conversations",
        description="The patient's message threads (one per channel), latest message first, with unread counts. "
        "Audited as a read of the patient. A merged patient's answer is 307 to its survivor's.",
    )
    @inject
    async def list_conversations(
        self,
        request: Request[Any, Any, Any],
        patient_id: FromPath[UUID],
        list_conversations: FromDishka[ListPatientConversations],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> Response[PageResponse[ConversationBody]]:
        try:
            result = await list_conversations(
                PatientConversationsQuery(patient_id=PatientId(patient_id), page=PageRequest(page, page_size))
            )
        except PatientReplaced as moved:
            return _moved(request, moved)
        return Response(page_response(result.map(conversation_body)))

    @get(
        "/{patient_id:uuid}/timeline",
        opt={"permission": "patients:read"},
        responses=problem_responses(404, 422) | MERGED_REDIRECT,
        summary="Get a patient's timeline",
        description="Every event about the patient, newest first: appointments (booked, cancelled, fulfilled, "
        "no-show), journeys and their stages, messages in and out, tickets (opened, status changes), survey "
        "responses and merges. Page on with cursor=next_cursor; kind= filters. Audited as a read of the "
        "patient. A merged patient's answer is 307 to its survivor's (same query).",
    )
    @inject
    async def get_timeline(
        self,
        request: Request[Any, Any, Any],
        patient_id: FromPath[UUID],
        get_timeline: FromDishka[GetPatientTimeline],
        kind: FromQuery[KindQuery] = None,
        cursor: FromQuery[CursorQuery] = None,
        limit: FromQuery[LimitQuery] = 20,
    ) -> Response[TimelineResponse]:
        try:
            page = await get_timeline(
                PatientTimelineQuery(
                    patient_id=PatientId(patient_id),
                    after=TimelinePosition.decode(cursor) if cursor else None,
                    kinds=frozenset(kind or ()),
                    limit=limit,
                )
            )
        except PatientReplaced as moved:
            return _moved(request, moved)
        return Response(timeline_response(page))


def _moved(request: Request[Any, Any, Any], moved: PatientReplaced) -> Response[Any]:
    """``307`` to the same path and query of the survivor (see :func:`merged_redirect`)."""
    survivor = f"{PATIENTS_PATH}/{moved.survivor_id}"
    suffix = request.url.path.rsplit("/", 1)[-1]
    query = f"?{request.url.query}" if request.url.query else ""
    headers = {"Location": f"{survivor}/{suffix}{query}", "Link": f'<{survivor}>; rel="replaced-by"'}
    return Response(None, status_code=307, headers=headers)


ROUTES: list[ControllerRouterHandler] = [Patient360Controller]
"""This module's controllers and handlers, registered by app.py."""
