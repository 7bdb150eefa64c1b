"""The ``communications.campaign.plan`` job: a campaign's audience resolved and every recipient's
message written, in one transaction (a crash plans nothing; the retried job plans it all)."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog

from prm.application.communications.campaigns_create import ENTITY, SAMPLE_PATIENT_NAME, plan_key
from prm.application.communications.campaigns_ports import (
    CHECK_EVERY,
    CHECK_TASK,
    PLAN_BATCH,
    PLAN_TASK,
    CampaignAudienceSource,
    CampaignMessages,
    CampaignRepository,
)
from prm.application.communications.contracts import (
    PatientContact,
    SendPolicy,
    SendRequestFacts,
    TemplateRenderer,
)
from prm.application.communications.messages_queue import (
    NO_ADDRESS,
    PATIENT_INACTIVE,
    default_recipient,
    schedule_dispatch,
)
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.jobs import JobHandler, JobScheduler
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.communications.campaigns import Campaign, CampaignId, CampaignStatus
from prm.domain.communications.channels import MessageStatus, TemplateCategory
from prm.domain.communications.errors import TemplateNotFound, TemplateRenderFailed
from prm.domain.communications.messages import UNSENT, InvalidMessage, Message

log = structlog.get_logger(__name__)


def check_key(campaign_id: UUID, at: datetime) -> str:
    """The completion check's job key: ``campaign.check:<id>@<UTC second of at>``."""
    return f"campaign.check:{campaign_id}@{at:%Y%m%dT%H%M%S}"


class PlanCampaign(JobHandler):
    """Plans a ``scheduled`` campaign whose ``start_at`` has come (args ``{"campaign_id"}``).

    For each patient of the audience (in id order): the channel's address (first mobile phone,
    or email), the send policy's decision for the template's category (consent, preferences;
    quiet hours are the dispatcher's, at send time), and, for those it allows, the template
    rendered in the patient's language with ``patient_name``. A recipient who may be messaged
    gets a ``scheduled`` message paced by the campaign's rate (the first is ``queued``: due
    now); one who may not gets a ``blocked`` message with the reason (``no_address:sms``,
    ``patient_inactive``, ``no_consent:sms``) or a ``failed`` one (``template_render_failed:
    ...``), so progress shows every recipient. Messages carry ``campaign_id`` and the
    de-duplication key ``campaign:<id>:<patient>``. Then the campaign is ``running``, the
    dispatch is scheduled at the start and the completion check after :data:`CHECK_EVERY`; one
    commit.

    Nothing for a campaign that is gone, paused, cancelled or already planned; a start moved
    later (resumed) reschedules the job.
    """

    def __init__(
        self,
        campaigns: CampaignRepository,
        audience: CampaignAudienceSource,
        messages: CampaignMessages,
        renderer: TemplateRenderer,
        policy: SendPolicy,
        scheduler: JobScheduler,
        outbox: Outbox,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._campaigns = campaigns
        self._audience = audience
        self._messages = messages
        self._renderer = renderer
        self._policy = policy
        self._scheduler = scheduler
        self._outbox = outbox
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, args: Mapping[str, Any]) -> None:
        campaign_id = CampaignId(UUID(str(args["campaign_id"])))
        campaign = await self._campaigns.get(campaign_id, lock=True)
        if campaign is None or campaign.status is not CampaignStatus.SCHEDULED or campaign.is_planned:
            log.info("campaign.plan_skipped", campaign_id=str(campaign_id))
            return
        now = self._clock.now()
        if campaign.start_at > now:
            self._scheduler.schedule(PLAN_TASK, dict(args), at=campaign.start_at, key=plan_key(campaign))
            await self._uow.commit()
            return
        version = campaign.version
        start = now
        planned = sendable = 0
        category = await self._category(campaign)
        async for batch in self._audience.batches(campaign.audience, now.date(), PLAN_BATCH):
            messages = await self._plan_batch(campaign, batch, category, start, sendable, now)
            await self._messages.add_many(messages)
            planned += len(messages)
            sendable += sum(1 for m in messages if m.status in UNSENT)
        blocked = planned - sendable
        campaign.planned(recipients=planned, blocked=blocked, now=now)
        await self._campaigns.save(campaign, expected_version=version)
        await self._outbox.add(campaign.events)
        campaign.events.clear()
        await self._audit.record(AuditAction.UPDATE, ENTITY, [campaign.id], ["status", "recipients"])
        if sendable:
            schedule_dispatch(self._scheduler, start, now)
        at = now + CHECK_EVERY
        self._scheduler.schedule(CHECK_TASK, {"campaign_id": str(campaign.id)}, at=at, key=check_key(campaign.id, at))
        await self._uow.commit()
        log.info("campaign.planned", campaign_id=str(campaign.id), recipients=planned, blocked=blocked)

    async def _category(self, campaign: Campaign) -> str:
        """The template's category (what consent and preferences are decided on), from one render
        in the tenant's default language; ``campaign`` when the template is gone (each message
        then fails with the reason)."""
        try:
            rendered = await self._renderer.render(
                name=campaign.template_name,
                channel=campaign.channel,
                language=None,
                variables={"patient_name": SAMPLE_PATIENT_NAME, **campaign.template_vars},
            )
        except (TemplateNotFound, TemplateRenderFailed):
            return TemplateCategory.CAMPAIGN.value
        return rendered.category

    async def _plan_batch(
        self,
        campaign: Campaign,
        batch: Sequence[PatientContact],
        category: str,
        start: datetime,
        sendable_before: int,
        now: datetime,
    ) -> list[Message]:
        """The batch's messages; the ``n``-th sendable recipient of the campaign (``sendable_before``
        came in earlier batches) is due at ``campaign.send_time(start, n)``. Consent is decided
        before anything is rendered: a blocked recipient's message has no body."""
        channel = campaign.channel
        reasons: list[str | None] = []
        recipients: list[str | None] = []
        asking: list[SendRequestFacts] = []
        for contact in batch:
            recipient = default_recipient(channel, contact)
            recipients.append(recipient)
            if recipient is None:
                reasons.append(NO_ADDRESS.format(channel=channel.value))
            elif not contact.active:
                reasons.append(PATIENT_INACTIVE)
            else:
                reasons.append(None)
                asking.append(
                    SendRequestFacts(
                        patient_id=contact.patient_id,
                        channel=channel,
                        recipient=recipient,
                        category=category,
                        event_type=None,
                        due_at=start,
                    )
                )
        decisions = iter(await self._policy.decide_many(asking))
        messages: list[Message] = []
        sendable = sendable_before
        for contact, recipient, reason in zip(batch, recipients, reasons, strict=True):
            if reason is None:
                decision = next(decisions)
                reason = None if decision.allowed else decision.reason or "not_allowed"
            links: dict[str, Any] = {
                "template_name": campaign.template_name,
                "category": category,
                "campaign_id": campaign.id,
                "dedup_key": f"campaign:{campaign.id}:{contact.patient_id}",
            }
            if reason is None and recipient is not None:
                variables = {**campaign.template_vars}
                if contact.given_name and "patient_name" not in variables:
                    variables["patient_name"] = contact.given_name
                try:
                    rendered = await self._renderer.render(
                        name=campaign.template_name,
                        channel=channel,
                        language=contact.preferred_language,
                        variables=variables,
                    )
                    message = Message.outgoing(
                        tenant_id=campaign.tenant_id,
                        patient_id=contact.patient_id,
                        channel=channel,
                        recipient=recipient,
                        subject=rendered.subject,
                        body=rendered.body,
                        scheduled_for=campaign.send_time(start, sendable),
                        now=now,
                        template_language=rendered.language,
                        **links,
                    )
                except (TemplateNotFound, TemplateRenderFailed) as exc:
                    reason = f"template_render_failed: {exc.detail}"
                except InvalidMessage as exc:
                    reason = f"invalid_message: {exc.detail}"
                else:
                    message.events.clear()  # the plan raises one campaign.planned instead
                    sendable += 1
                    messages.append(message)
                    continue
            failed = Message.failed_before_sending(
                reason=reason or "not_allowed",
                status=_status_of(reason),
                now=now,
                tenant_id=campaign.tenant_id,
                patient_id=contact.patient_id,
                channel=channel,
                recipient=recipient or "",
                subject=None,
                body="",
                **links,
            )
            failed.events.clear()
            messages.append(failed)
        return messages


def _status_of(reason: str | None) -> MessageStatus:
    """``failed`` for what the campaign's own content caused (a render, a body over the limit),
    ``blocked`` for what the recipient's record or consent caused."""
    failed = reason is not None and reason.startswith(("template_render_failed", "invalid_message"))
    return MessageStatus.FAILED if failed else MessageStatus.BLOCKED
