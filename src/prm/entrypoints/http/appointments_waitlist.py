"""The waitlist and its offers under ``/api/v1/prm/waitlist``."""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from prm.application.appointments.answer_offer import AnswerOffer
from prm.application.appointments.cancel_waitlist_entry import CancelWaitlistEntry
from prm.application.appointments.expire_offers import ExpireOffers
from prm.application.appointments.join_waitlist import JoinWaitlist, JoinWaitlistCommand
from prm.application.appointments.list_waitlist import ListWaitlist
from prm.application.appointments.ports import WaitlistCriteria
from prm.application.shared.paging import PageRequest
from prm.domain.appointments.ids import HoldId, LocationId, WaitlistEntryId
from prm.domain.appointments.waitlist import WaitlistStatus
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.entrypoints.http.appointments_waitlist_schemas import (
    CreateWaitlistEntryRequest,
    OfferAnswerResponse,
    WaitlistEntryResponse,
    answer_response,
    waitlist_response,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses

WAITLIST_READ = {"permission": "waitlist:read"}
WAITLIST_WRITE = {"permission": "waitlist:write"}


class WaitlistController(Controller):
    path = "/waitlist"
    tags = ("waitlist",)

    @get(opt=WAITLIST_READ, responses=problem_responses(422), summary="List waitlist entries")
    @inject
    async def list_entries(
        self,
        list_waitlist: FromDishka[ListWaitlist],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        patient_id: FromQuery[UUID | None] = None,
        practitioner_id: FromQuery[UUID | None] = None,
        status: FromQuery[Annotated[WaitlistStatus | None, QueryParameter()]] = None,
    ) -> PageResponse[WaitlistEntryResponse]:
        """Entries by priority (1 first), then time on the list."""
        found = await list_waitlist(
            WaitlistCriteria(
                patient_id=PatientId(patient_id) if patient_id else None,
                practitioner_id=PractitionerId(practitioner_id) if practitioner_id else None,
                status=status,
            ),
            PageRequest(page, page_size),
        )
        return page_response(found.map(waitlist_response))

    @post(opt=WAITLIST_WRITE, responses=problem_responses(404, 422), summary="Add a patient to the waitlist")
    @inject
    async def create_entry(
        self, data: JSONBody[CreateWaitlistEntryRequest], join: FromDishka[JoinWaitlist]
    ) -> WaitlistEntryResponse:
        """``preferred_dates`` are local dates from 1900-01-01 to 2200-12-31."""
        entry = await join(
            JoinWaitlistCommand(
                patient_id=PatientId(data.patient_id),
                practitioner_id=PractitionerId(data.practitioner_id) if data.practitioner_id else None,
                speciality=data.speciality,
                location_id=LocationId(data.location_id) if data.location_id else None,
                preferred_dates=tuple(data.preferred_dates),
                preferred_times=tuple(data.preferred_times),
                priority=data.priority,
                notes=data.notes,
            )
        )
        return waitlist_response(entry)

    @post("/{entry_id:uuid}/cancel", opt=WAITLIST_WRITE, status_code=200, responses=problem_responses(404, 409))
    @inject
    async def cancel_entry(
        self, entry_id: FromPath[UUID], cancel: FromDishka[CancelWaitlistEntry]
    ) -> WaitlistEntryResponse:
        return waitlist_response(await cancel(WaitlistEntryId(entry_id)))

    @post("/offers/{offer_id:uuid}/accept", opt=WAITLIST_WRITE, status_code=201, responses=problem_responses(404, 409))
    @inject
    async def accept_offer(self, offer_id: FromPath[UUID], answer: FromDishka[AnswerOffer]) -> OfferAnswerResponse:
        """Book the offered slot for the waiting patient (409 once the offer has lapsed)."""
        return answer_response(await answer(HoldId(offer_id), accept=True))

    @post("/offers/{offer_id:uuid}/decline", opt=WAITLIST_WRITE, status_code=200, responses=problem_responses(404, 409))
    @inject
    async def decline_offer(self, offer_id: FromPath[UUID], answer: FromDishka[AnswerOffer]) -> OfferAnswerResponse:
        """Decline; the slot is offered to the next matching entry (``next_offer``)."""
        return answer_response(await answer(HoldId(offer_id), accept=False))

    @post("/offers/expire", opt=WAITLIST_WRITE, status_code=200, summary="Pass lapsed offers on")
    @inject
    async def expire_offers(self, expire: FromDishka[ExpireOffers]) -> dict[str, int]:
        """For a scheduler (every minute): lapsed offers go to the next waiting patient."""
        return {"expired": await expire()}
