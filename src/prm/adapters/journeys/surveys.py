"""Journey surveys through the surveys context's public use case (:class:`InviteToSurvey`)."""

from uuid import UUID

from prm.application.journeys.ports import JourneySurveys, StageActionRequest
from prm.application.surveys.invite_to_survey import InviteToSurvey, InviteToSurveyCommand
from prm.domain.journeys.model import SendSurvey
from prm.domain.surveys.model import SurveyTemplateId


class JourneySurveysFromSurveys(JourneySurveys):
    """Invites in the caller's unit of work (no commit), linked to the instance and its stage; the
    job that runs the action is already ``delay_hours`` after the stage completed, so the message
    goes now. The action's ``dedup_key`` makes a retried action invite once."""

    def __init__(self, invite: InviteToSurvey) -> None:
        self._invite = invite

    async def invite(self, request: StageActionRequest, action: SendSurvey) -> UUID:
        return await self._invite(
            InviteToSurveyCommand(
                template_id=SurveyTemplateId(action.survey_template_id),
                patient_id=request.patient_id,
                channel=action.channel,
                journey_instance_id=request.instance_id,
                stage_id=request.stage_id,
                dedup_key=request.dedup_key,
            )
        )
