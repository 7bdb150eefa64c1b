"""A stand-in for the surveys context until it is wired: every call fails the job for good
(``ActionUnavailable``), and the stage instance shows why (``last_error``)."""

from uuid import UUID

from prm.application.journeys.ports import ActionUnavailable, JourneySurveys, StageActionRequest
from prm.domain.journeys.model import SendSurvey


class SurveysNotWired(JourneySurveys):
    async def invite(self, request: StageActionRequest, action: SendSurvey) -> UUID:
        raise ActionUnavailable("surveys not wired yet")
