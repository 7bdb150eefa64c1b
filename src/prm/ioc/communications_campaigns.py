"""Communications context wiring: the campaigns part (campaigns and their messages in bulk, the
audience over the patients and appointments contexts, the use cases, and the
``communications.campaign.plan`` and ``communications.campaign.check`` jobs).

``JOBS``, ``EVENTS`` and ``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`.
"""

from collections.abc import Mapping

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.communications.campaign_audience import CampaignAudienceFromPatients
from prm.adapters.sql.communications_campaigns import SqlCampaignMessages, SqlCampaignRepository
from prm.application.communications.campaigns_check import CheckCampaign
from prm.application.communications.campaigns_control import ControlCampaign
from prm.application.communications.campaigns_create import CreateCampaign
from prm.application.communications.campaigns_plan import PlanCampaign
from prm.application.communications.campaigns_ports import (
    CHECK_TASK,
    PLAN_TASK,
    CampaignAudienceSource,
    CampaignMessages,
    CampaignRepository,
)
from prm.application.communications.campaigns_read import GetCampaign, ListCampaigns
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.ioc.periodic import Periodic

JOBS: Mapping[str, type[JobHandler]] = {PLAN_TASK: PlanCampaign, CHECK_TASK: CheckCampaign}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {}
PERIODIC: tuple[Periodic, ...] = ()


class CommunicationsCampaignsProvider(Provider):
    scope = Scope.REQUEST

    campaigns = provide(SqlCampaignRepository, provides=CampaignRepository)
    messages = provide(SqlCampaignMessages, provides=CampaignMessages)
    audience = provide(CampaignAudienceFromPatients, provides=CampaignAudienceSource)
    use_cases = provide_all(CreateCampaign, PlanCampaign, CheckCampaign, ControlCampaign, ListCampaigns, GetCampaign)
