"""The patient's side: open the survey behind a link, and answer it once."""

from collections.abc import Mapping

import structlog

from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.surveys.ports import InvitationRepository, ResponseRepository, TokenLookup
from prm.domain.surveys.invitations import Invitation, InvitationNotFound, ResponseId, token_hash
from prm.domain.surveys.model import score_answers

log = structlog.get_logger(__name__)


class OpenSurvey:
    """The invitation behind ``token`` in the unit's tenant (the HTTP guard found the tenant from
    the token). Raises ``InvitationNotFound`` (404), ``InvitationExpired`` (410) and
    ``AlreadyAnswered`` (409)."""

    def __init__(self, invitations: InvitationRepository, lookup: TokenLookup, clock: Clock) -> None:
        self._invitations = invitations
        self._lookup = lookup
        self._clock = clock

    async def __call__(self, token: str) -> Invitation:
        invitation = await self._lookup.invitation(token_hash(token))
        if invitation is None:
            raise InvitationNotFound("this survey link is not valid")
        invitation.ensure_open(self._clock.now())
        return invitation


class AnswerSurvey:
    """Check ``answers`` (question id to value) against the invitation's questions, store the
    response with its score, mark the invitation answered and record ``survey.response_recorded``;
    commits. Raises what :class:`OpenSurvey` raises, and ``InvalidAnswer`` (422 naming
    ``answers.<question id>``). Nothing is stored when it raises."""

    def __init__(
        self, open_survey: OpenSurvey, responses: ResponseRepository, outbox: Outbox, uow: UnitOfWork, clock: Clock
    ) -> None:
        self._open = open_survey
        self._responses = responses
        self._outbox = outbox
        self._uow = uow
        self._clock = clock

    async def __call__(self, token: str, answers: Mapping[str, object]) -> ResponseId:
        invitation = await self._open(token)
        scored = score_answers(invitation.questions, invitation.score_question, invitation.low_score_threshold, answers)
        response = invitation.answer(scored, self._clock.now())
        await self._responses.save_invitation(invitation)
        await self._responses.add(response)
        await self._outbox.add(invitation.events)
        invitation.events.clear()
        await self._uow.commit()
        log.info("survey.answered", invitation_id=str(invitation.id), below_threshold=scored.below_threshold)
        return response.id
