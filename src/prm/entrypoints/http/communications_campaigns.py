"""HTTP routes of the communications context's campaigns part, under
``/api/v1/prm/communications/campaigns`` (``communications:read|write``): Harman's
``NotificationCampaign`` (template, audience, schedule), with pacing, progress, pause, resume and
cancel. Recipients and their statuses: ``GET /communications?campaign_id=``."""

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler

from prm.application.communications.campaigns_control import CampaignAction, ControlCampaign
from prm.application.communications.campaigns_create import CreateCampaign, CreateCampaignCommand
from prm.application.communications.campaigns_ports import CampaignFilter
from prm.application.communications.campaigns_read import GetCampaign, ListCampaigns
from prm.application.shared.paging import PageRequest
from prm.domain.communications.campaigns import CampaignId, CampaignStatus
from prm.domain.communications.channels import Channel
from prm.entrypoints.http.communications_campaigns_schemas import (
    CampaignResponse,
    CreateCampaignRequest,
    campaign_response,
)
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses

READ = {"permission": "communications:read"}
WRITE = {"permission": "communications:write"}


class CampaignController(Controller):
    path = "/communications/campaigns"
    tags = ("communications",)

    @get(opt=READ, responses=problem_responses(403, 422), summary="List campaigns")
    @inject
    async def list_communication_campaigns(
        self,
        list_campaigns: FromDishka[ListCampaigns],
        status: FromQuery[CampaignStatus | None] = None,
        channel: FromQuery[Channel | None] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[CampaignResponse]:
        """The tenant's campaigns, newest first."""
        found = await list_campaigns(CampaignFilter(status=status, channel=channel), PageRequest(page, page_size))
        return page_response(found.map(campaign_response))

    @post(opt=WRITE, status_code=201, responses=problem_responses(403, 422), summary="Create a campaign")
    @inject
    async def create_communication_campaign(
        self, data: JSONBody[CreateCampaignRequest], create: FromDishka[CreateCampaign]
    ) -> CampaignResponse:
        """A ``scheduled`` campaign, planned at ``start_at`` by the worker: each patient of the
        audience gets a message paced at ``rate_per_minute``, or a ``blocked`` one with the reason
        (consent, preferences, no address). 422 names an unknown ``template_name`` for the
        channel, ``template_vars`` the template cannot render with, or the bad ``audience.*``."""
        campaign = await create(
            CreateCampaignCommand(
                name=data.name,
                channel=data.channel,
                template_name=data.template_name,
                template_vars=data.template_vars,
                audience=data.audience.to_audience(),
                start_at=data.start_at,
                rate_per_minute=data.rate_per_minute,
            )
        )
        return campaign_response(campaign)

    @get("/{campaign_id:uuid}", opt=READ, responses=problem_responses(403, 404), summary="Get a campaign")
    @inject
    async def get_communication_campaign(
        self, campaign_id: FromPath[UUID], get_campaign: FromDishka[GetCampaign]
    ) -> CampaignResponse:
        """The campaign with its progress (its messages counted by status)."""
        found = await get_campaign(CampaignId(campaign_id))
        return campaign_response(found.campaign, found)

    @post(
        "/{campaign_id:uuid}/pause",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404, 409),
        summary="Pause a campaign",
    )
    @inject
    async def pause_communication_campaign(
        self, campaign_id: FromPath[UUID], control: FromDishka[ControlCampaign]
    ) -> CampaignResponse:
        """Its messages not yet with a provider wait (``pending``); 409 unless scheduled or running."""
        return campaign_response(await control(CampaignId(campaign_id), CampaignAction.PAUSE))

    @post(
        "/{campaign_id:uuid}/resume",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404, 409),
        summary="Resume a campaign",
    )
    @inject
    async def resume_communication_campaign(
        self, campaign_id: FromPath[UUID], control: FromDishka[ControlCampaign]
    ) -> CampaignResponse:
        """Its waiting messages are paced again from now; 409 unless paused."""
        return campaign_response(await control(CampaignId(campaign_id), CampaignAction.RESUME))

    @post(
        "/{campaign_id:uuid}/cancel",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404, 409),
        summary="Cancel a campaign",
    )
    @inject
    async def cancel_communication_campaign(
        self, campaign_id: FromPath[UUID], control: FromDishka[ControlCampaign]
    ) -> CampaignResponse:
        """Its messages not yet with a provider are cancelled; 409 once completed or cancelled."""
        return campaign_response(await control(CampaignId(campaign_id), CampaignAction.CANCEL))


ROUTES: list[ControllerRouterHandler] = [CampaignController]
