"""Surveys context wiring: SQL adapters, the communications and patients adapters, the use
cases. ``PRM_PUBLIC_BASE_URL`` (default ``http://{PRM_HOST}:{PRM_PORT}``) is where the answer
page's links point."""

from collections.abc import Mapping

from dishka import Provider, Scope, alias, provide, provide_all

from prm.adapters.sql.surveys import (
    SqlInvitationRepository,
    SqlInvitationsByToken,
    SqlResponseRepository,
    SqlSurveyResults,
    SqlSurveyTemplateRepository,
)
from prm.adapters.surveys.messages import SurveyMessagesFromCommunications, SurveyPatientsFromPatients
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.application.surveys.answer_survey import AnswerSurvey, OpenSurvey
from prm.application.surveys.invite_to_survey import CreateSurveyInvitation, InviteToSurvey
from prm.application.surveys.ports import (
    InvitationRepository,
    InvitationsByToken,
    ResponseRepository,
    SurveyLinks,
    SurveyMessages,
    SurveyPatients,
    SurveyResults,
    SurveyTemplateRepository,
    TokenLookup,
)
from prm.application.surveys.survey_results import GetSurveyResults
from prm.application.surveys.templates_manage import (
    CreateSurveyTemplate,
    DeleteSurveyTemplate,
    GetSurveyTemplate,
    ListSurveyTemplates,
    UpdateSurveyTemplate,
)
from prm.ioc.periodic import Periodic
from prm.settings import Settings

JOBS: Mapping[str, type[JobHandler]] = {}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {}
PERIODIC: tuple[Periodic, ...] = ()


class SurveysProvider(Provider):
    scope = Scope.REQUEST

    templates = provide(SqlSurveyTemplateRepository, provides=SurveyTemplateRepository)
    invitations = provide(SqlInvitationRepository, provides=InvitationRepository)
    lookup = alias(source=InvitationRepository, provides=TokenLookup)
    responses = provide(SqlResponseRepository, provides=ResponseRepository)
    results = provide(SqlSurveyResults, provides=SurveyResults)
    by_token = provide(SqlInvitationsByToken, provides=InvitationsByToken, scope=Scope.APP)
    messages = provide(SurveyMessagesFromCommunications, provides=SurveyMessages)
    patients = provide(SurveyPatientsFromPatients, provides=SurveyPatients)
    use_cases = provide_all(
        CreateSurveyTemplate,
        GetSurveyTemplate,
        ListSurveyTemplates,
        UpdateSurveyTemplate,
        DeleteSurveyTemplate,
        InviteToSurvey,
        CreateSurveyInvitation,
        OpenSurvey,
        AnswerSurvey,
        GetSurveyResults,
    )

    @provide(scope=Scope.APP)
    def links(self, settings: Settings) -> SurveyLinks:
        return SurveyLinks(settings.public_base_url.strip() or f"http://{settings.host}:{settings.port}")
