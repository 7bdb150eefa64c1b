"""Pause, resume and cancel a campaign (``POST /communications/campaigns/{id}/pause|resume|cancel``)."""

from enum import StrEnum

from prm.application.communications.campaigns_create import ENTITY, plan_key
from prm.application.communications.campaigns_plan import check_key
from prm.application.communications.campaigns_ports import (
    CHECK_EVERY,
    CHECK_TASK,
    PLAN_TASK,
    CampaignMessages,
    CampaignRepository,
)
from prm.application.communications.messages_queue import schedule_dispatch
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.communications.campaigns import Campaign, CampaignId, CampaignNotFound


class CampaignAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


class ControlCampaign:
    """One of :class:`CampaignAction` on a campaign of the tenant, in one transaction with its
    messages; commits and answers the campaign.

    - ``pause`` (``scheduled`` or ``running``): its messages not yet with a provider become
      ``pending``; those being sent go on;
    - ``resume`` (``paused``): they are paced again from now at the campaign's rate (a campaign
      paused before it was planned is planned now);
    - ``cancel`` (``scheduled``, ``running`` or ``paused``): they become ``cancelled``.

    Raises ``CampaignNotFound`` (404) and ``CampaignTransitionNotAllowed`` (409 naming ``status``).
    """

    def __init__(
        self,
        campaigns: CampaignRepository,
        messages: CampaignMessages,
        scheduler: JobScheduler,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._campaigns = campaigns
        self._messages = messages
        self._scheduler = scheduler
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, campaign_id: CampaignId, action: CampaignAction) -> Campaign:
        campaign = await self._campaigns.get(campaign_id, lock=True)
        if campaign is None:
            raise CampaignNotFound(f"campaign {campaign_id} not found")
        now = self._clock.now()
        version = campaign.version
        if action is CampaignAction.PAUSE:
            campaign.pause(now)
            await self._messages.hold(campaign_id, now)
        elif action is CampaignAction.RESUME:
            campaign.resume(now)
            if campaign.is_planned:
                if await self._messages.release(campaign_id, now, campaign.interval, now):
                    schedule_dispatch(self._scheduler, now, now)
                at = now + CHECK_EVERY
                self._scheduler.schedule(
                    CHECK_TASK, {"campaign_id": str(campaign_id)}, at=at, key=check_key(campaign_id, at)
                )
            else:
                self._scheduler.schedule(
                    PLAN_TASK, {"campaign_id": str(campaign_id)}, at=campaign.start_at, key=plan_key(campaign)
                )
        else:
            campaign.cancel(now)
            await self._messages.cancel_unsent(campaign_id, now)
        await self._campaigns.save(campaign, expected_version=version)
        await self._outbox.add(campaign.events)
        campaign.events.clear()
        await self._audit.record(AuditAction.UPDATE, ENTITY, [campaign_id], ["status"])
        await self._uow.commit()
        return campaign
