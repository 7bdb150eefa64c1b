"""Virtual visits under ``/api/v1/prm/communications/virtual-visits`` (Harman's telemedicine
sessions, consents): the video room of a virtual appointment, the patient's consent to a video
visit, and the public join link that patients get in their messages.

Join links (``join_url``, ``practitioner_join_url``) are credentials: only callers with
``communications:write`` see them. ``GET /{id}/join?t=...`` is public: 302 to the video room
while the visit is scheduled and open (15 minutes before its start until its end), 410 once it
was revoked (cancelled appointment) or is over, 403 for a bad token or before it opens.
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Response
from litestar.types import ControllerRouterHandler

from prm.application.communications.virtual_visits_consent import RecordVideoConsent, RecordVideoConsentCommand
from prm.application.communications.virtual_visits_join import JoinVirtualVisit
from prm.application.communications.virtual_visits_open import OpenVirtualVisit
from prm.application.communications.virtual_visits_ports import VisitFilter
from prm.application.communications.virtual_visits_queries import (
    GetVirtualVisit,
    ListVirtualVisits,
    VirtualVisitView,
)
from prm.application.shared.paging import PageRequest
from prm.domain.communications.virtual_visits import ConsentDecision, JoinState, VirtualVisitId
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import Problem, problem_response, problem_responses

READ = {"permission": "communications:read"}
WRITE = {"permission": "communications:write"}
PUBLIC = {"public": True}


class VideoConsentResponse(msgspec.Struct, frozen=True):
    status: str
    """FHIR Consent ``provision.type``: ``permit`` or ``deny``."""
    recorded_at: datetime
    source: str


class VirtualVisitResponse(msgspec.Struct, frozen=True):
    id: UUID
    appointment_id: UUID
    patient_id: UUID
    practitioner_id: UUID
    provider: str
    status: str
    """``scheduled``, ``revoked`` or ``ended``."""
    scheduled_start: datetime
    scheduled_end: datetime
    opens_at: datetime
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None
    consent: VideoConsentResponse | None
    join_url: str | None
    """The patient's link (callers with ``communications:write`` only, else null)."""
    practitioner_join_url: str | None


class RecordConsentRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    status: Literal["permit", "deny"]
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    """How the patient answered: ``portal``, ``phone``, ``in_person``, ``sms``..."""


class OpenVirtualVisitRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    appointment_id: UUID


class LocalRoomResponse(msgspec.Struct, frozen=True):
    provider: str
    room: str
    participant: str


def visit_response(view: VirtualVisitView) -> VirtualVisitResponse:
    v = view.visit
    consent = None
    if v.consent is not None:
        consent = VideoConsentResponse(
            status=v.consent.decision.value, recorded_at=v.consent.recorded_at, source=v.consent.source
        )
    return VirtualVisitResponse(
        id=v.id,
        appointment_id=v.appointment_id,
        patient_id=v.patient_id,
        practitioner_id=v.practitioner_id,
        provider=v.provider,
        status=v.status.value,
        scheduled_start=v.window.starts_at,
        scheduled_end=v.window.ends_at,
        opens_at=v.window.opens_at,
        created_at=v.created_at,
        updated_at=v.updated_at,
        revoked_at=v.revoked_at,
        consent=consent,
        join_url=view.patient_join_url,
        practitioner_join_url=view.practitioner_join_url,
    )


GONE = {
    JoinState.REVOKED: ("communications.virtual_visit_revoked", "this visit was cancelled: the link no longer works"),
    JoinState.OVER: ("communications.virtual_visit_over", "this visit is over"),
}


class VirtualVisitController(Controller):
    path = "/communications/virtual-visits"
    tags = ("communications",)

    @post(opt=WRITE, status_code=201, responses=problem_responses(403, 422), summary="Open a virtual visit")
    @inject
    async def open_virtual_visit(
        self, data: JSONBody[OpenVirtualVisitRequest], open_visit: FromDishka[OpenVirtualVisit]
    ) -> VirtualVisitResponse:
        """The visit of a booked virtual appointment, created now if the worker has not yet (the
        same visit on every call). 422 naming ``appointment_id`` for an appointment that is not
        virtual (``appointment_type`` ``VR``, ``virtual``, ``video``, ``telehealth``,
        ``telemedicine``), not booked or unknown."""
        return visit_response(await open_visit(data.appointment_id))

    @get(opt=READ, responses=problem_responses(403, 422), summary="List virtual visits")
    @inject
    async def list_virtual_visits(
        self,
        list_visits: FromDishka[ListVirtualVisits],
        appointment_id: FromQuery[UUID | None] = None,
        patient_id: FromQuery[UUID | None] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[VirtualVisitResponse]:
        """The tenant's virtual visits, newest first, of an appointment and/or a patient."""
        where = VisitFilter(
            appointment_id=appointment_id, patient_id=PatientId(patient_id) if patient_id is not None else None
        )
        result = await list_visits(where, PageRequest(page, page_size))
        return page_response(result.map(visit_response))

    @get("/{visit_id:uuid}", opt=READ, responses=problem_responses(404), summary="Get a virtual visit")
    @inject
    async def get_virtual_visit(
        self, visit_id: FromPath[UUID], get_visit: FromDishka[GetVirtualVisit]
    ) -> VirtualVisitResponse:
        return visit_response(await get_visit(VirtualVisitId(visit_id)))

    @post(
        "/{visit_id:uuid}/consent",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404, 409, 422),
        summary="Record the patient's consent to a video visit",
    )
    @inject
    async def record_video_consent(
        self, visit_id: FromPath[UUID], data: JSONBody[RecordConsentRequest], record: FromDishka[RecordVideoConsent]
    ) -> VirtualVisitResponse:
        """``status`` ``permit`` or ``deny`` (FHIR Consent ``provision.type``) and how it was given
        (``source``); recorded now, replacing an earlier answer."""
        view = await record(
            RecordVideoConsentCommand(
                visit_id=VirtualVisitId(visit_id), decision=ConsentDecision(data.status), source=data.source
            )
        )
        return visit_response(view)

    @get(
        "/{visit_id:uuid}/join",
        opt=PUBLIC,
        status_code=302,
        responses=problem_responses(403, 404, 410),
        summary="Join a virtual visit (the link sent to patients)",
    )
    @inject
    async def join_virtual_visit(
        self,
        request: Request,  # type: ignore[type-arg]
        visit_id: FromPath[UUID],
        join: FromDishka[JoinVirtualVisit],
        t: FromQuery[Annotated[str, msgspec.Meta(max_length=256)]] = "",
    ) -> Redirect | Response[Problem]:
        """Redirects (302) to the video room, with fresh provider tokens, while the visit is open;
        410 when it was cancelled or is over; 403 for a bad ``t`` or before it opens."""
        decision = await join(VirtualVisitId(visit_id), t)
        if decision.redirect_to is None:
            code, detail = GONE[decision.state]
            return problem_response(request, 410, code, detail)
        return Redirect(decision.redirect_to, status_code=302, headers={"Cache-Control": "no-store"})

    @get("/local-rooms/{room:str}", opt=PUBLIC, summary="A room of the local video sink (development)")
    async def local_video_room(self, room: FromPath[str], participant: FromQuery[str] = "patient") -> LocalRoomResponse:
        """Where the local sink's rooms lead: no video, just what would be joined."""
        return LocalRoomResponse(provider="local", room=room[:128], participant=participant[:16])


ROUTES: list[ControllerRouterHandler] = [VirtualVisitController]
