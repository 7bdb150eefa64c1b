"""The ``communications.campaign.check`` job: a running campaign completes once none of its
messages is left to send."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from prm.application.communications.campaigns_plan import check_key
from prm.application.communications.campaigns_ports import CHECK_EVERY, CHECK_TASK, CampaignMessages, CampaignRepository
from prm.application.shared.jobs import JobHandler, JobScheduler
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.communications.campaigns import CampaignId, CampaignStatus
from prm.domain.communications.channels import MessageStatus

LEFT_TO_SEND = frozenset(
    s.value for s in (MessageStatus.PENDING, MessageStatus.SCHEDULED, MessageStatus.QUEUED, MessageStatus.SENDING)
)


class CheckCampaign(JobHandler):
    """Args ``{"campaign_id"}``. A ``running`` campaign with no message ``pending``,
    ``scheduled``, ``queued`` or ``sending`` becomes ``completed``; one with some is checked
    again after :data:`CHECK_EVERY`. Nothing for any other status (a resume schedules the check
    again). Commits."""

    def __init__(
        self,
        campaigns: CampaignRepository,
        messages: CampaignMessages,
        scheduler: JobScheduler,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._campaigns = campaigns
        self._messages = messages
        self._scheduler = scheduler
        self._outbox = outbox
        self._uow = uow
        self._clock = clock

    async def __call__(self, args: Mapping[str, Any]) -> None:
        campaign_id = CampaignId(UUID(str(args["campaign_id"])))
        campaign = await self._campaigns.get(campaign_id, lock=True)
        if campaign is None or campaign.status is not CampaignStatus.RUNNING:
            return
        now = self._clock.now()
        progress = await self._messages.progress(campaign_id)
        if any(progress.get(status, 0) for status in LEFT_TO_SEND):
            at = now + CHECK_EVERY
            self._scheduler.schedule(
                CHECK_TASK, {"campaign_id": str(campaign_id)}, at=at, key=check_key(campaign_id, at)
            )
        else:
            version = campaign.version
            campaign.complete(now)
            await self._campaigns.save(campaign, expected_version=version)
            await self._outbox.add(campaign.events)
            campaign.events.clear()
        await self._uow.commit()
