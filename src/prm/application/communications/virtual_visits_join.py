"""The public join link: PRM checks the visit at every click, then sends the browser to the room."""

from dataclasses import dataclass

import structlog

from prm.application.communications.virtual_visits_ports import JoinLinks, VideoRoomProvider, VisitsForJoining
from prm.application.shared.ports import Clock
from prm.domain.communications.virtual_visits import (
    InvalidJoinLink,
    JoinState,
    Participant,
    VirtualVisitId,
    VisitNotOpen,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinDecision:
    """``redirect_to`` the provider's URL (fresh tokens) when the visit is open; else ``None`` and
    ``state`` says why (``revoked`` or ``over``: the link is gone for good, HTTP 410)."""

    state: JoinState
    redirect_to: str | None = None


class JoinVirtualVisit:
    """Check a PRM join link (``token`` signed for ``visit_id``) and the visit behind it.

    Open from 15 minutes before the start until the end: the provider's URL for the link's
    participant. Revoked (cancelled appointment) or over: a :class:`JoinDecision` without a URL.
    Raises :class:`InvalidJoinLink` (403) for a token PRM did not sign for this visit (or a visit
    that no longer exists) and :class:`VisitNotOpen` (403) before the visit opens.
    """

    def __init__(self, links: JoinLinks, visits: VisitsForJoining, rooms: VideoRoomProvider, clock: Clock) -> None:
        self._links = links
        self._visits = visits
        self._rooms = rooms
        self._clock = clock

    async def __call__(self, visit_id: VirtualVisitId, token: str) -> JoinDecision:
        claims = self._links.verify(visit_id, token)
        if claims is None:
            raise InvalidJoinLink("this join link is not valid")
        visit = await self._visits.get(claims.tenant_id, claims.visit_id)
        if visit is None:
            raise InvalidJoinLink("this join link is not valid")
        now = self._clock.now()
        state = visit.join_state(now)
        if state is JoinState.NOT_YET:
            raise VisitNotOpen(f"the visit opens at {visit.window.opens_at.isoformat()}")
        if state is not JoinState.OPEN:
            log.info("virtual_visit.join_refused", visit_id=str(visit.id), state=state.value)
            return JoinDecision(state=state)
        room = await self._rooms.open_room(visit.room_name, visit.window)
        url = room.practitioner_url if claims.participant is Participant.PRACTITIONER else room.patient_url
        log.info("virtual_visit.joined", visit_id=str(visit.id), participant=claims.participant.value)
        return JoinDecision(state=state, redirect_to=url)
