"""Reading campaigns: the list, and one with its progress."""

from collections.abc import Mapping
from dataclasses import dataclass

from prm.application.communications.campaigns_ports import CampaignFilter, CampaignMessages, CampaignRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.campaigns import Campaign, CampaignId, CampaignNotFound


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignProgress:
    """A campaign with its messages counted by status (``by_status``), and the share of its
    recipients handed to a provider (``sent``: sent, delivered or read), delivered (delivered or
    read), failed, blocked and cancelled, and left (pending, scheduled, queued or sending)."""

    campaign: Campaign
    by_status: Mapping[str, int]

    def count(self, *statuses: str) -> int:
        return sum(self.by_status.get(s, 0) for s in statuses)


class ListCampaigns:
    """The tenant's campaigns, newest first (no PHI: no audit event)."""

    def __init__(self, campaigns: CampaignRepository) -> None:
        self._campaigns = campaigns

    async def __call__(self, where: CampaignFilter, page: PageRequest) -> Page[Campaign]:
        return await self._campaigns.list_page(where, page)


class GetCampaign:
    """One campaign with its progress; raises ``CampaignNotFound`` (404). A campaign holds no
    PHI (its recipients are listed through ``GET /communications?campaign_id=``, audited there),
    so reading it records no audit event."""

    def __init__(self, campaigns: CampaignRepository, messages: CampaignMessages) -> None:
        self._campaigns = campaigns
        self._messages = messages

    async def __call__(self, campaign_id: CampaignId) -> CampaignProgress:
        campaign = await self._campaigns.get(campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"campaign {campaign_id} not found")
        progress = await self._messages.progress(campaign_id)
        return CampaignProgress(campaign=campaign, by_status=progress)
