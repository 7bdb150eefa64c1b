"""``POST /communications/campaigns``: a campaign, checked and scheduled for planning."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from prm.application.communications.campaigns_ports import PLAN_TASK, CampaignRepository
from prm.application.communications.contracts import TemplateRenderer
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.communications.campaigns import Audience, Campaign
from prm.domain.communications.channels import Channel
from prm.domain.communications.errors import TemplateNotFound, TemplateRenderFailed
from prm.domain.shared.errors import RuleViolated

ENTITY = "campaign"
"""The audit trail's entity type of a campaign."""

SAMPLE_PATIENT_NAME = "Alex"
"""What ``patient_name`` is while a new campaign's template is tried (each message has its own)."""


def plan_key(campaign: Campaign) -> str:
    """The planning job's de-duplication key: ``campaign.plan:<id>`` (one waiting job per campaign)."""
    return f"campaign.plan:{campaign.id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateCampaignCommand:
    name: str
    channel: Channel
    template_name: str
    template_vars: Mapping[str, object] = field(default_factory=dict)
    audience: Audience = field(default_factory=Audience)
    start_at: datetime | None = None
    rate_per_minute: int = 60


class CreateCampaign:
    """Create a ``scheduled`` campaign and schedule its planning at ``start_at`` (now when absent
    or past); commits and answers it. The template must exist for the channel and render with
    ``template_vars`` (``patient_name`` is each patient's own): raises ``RuleViolated`` naming
    ``template_name``, ``TemplateRenderFailed`` naming ``template_vars``, ``InvalidCampaign``
    naming ``name``, ``rate_per_minute`` or an ``audience.*`` field (all HTTP 422)."""

    def __init__(
        self,
        campaigns: CampaignRepository,
        renderer: TemplateRenderer,
        scheduler: JobScheduler,
        outbox: Outbox,
        audit: AuditTrail,
        context: RequestContext,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._campaigns = campaigns
        self._renderer = renderer
        self._scheduler = scheduler
        self._outbox = outbox
        self._audit = audit
        self._context = context
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: CreateCampaignCommand) -> Campaign:
        now = self._clock.now()
        campaign = Campaign.create(
            tenant_id=self._context.tenant_id,
            name=command.name,
            channel=command.channel,
            template_name=command.template_name,
            template_vars=dict(command.template_vars),
            audience=command.audience,
            start_at=command.start_at,
            rate_per_minute=command.rate_per_minute,
            now=now,
            created_by=self._context.principal.id,
        )
        try:
            await self._renderer.render(
                name=command.template_name,
                channel=command.channel,
                language=None,
                variables={"patient_name": SAMPLE_PATIENT_NAME, **command.template_vars},
            )
        except TemplateNotFound as exc:
            raise RuleViolated(exc.detail, field="template_name") from exc
        except TemplateRenderFailed as exc:
            raise TemplateRenderFailed(exc.detail, field="template_vars") from exc
        await self._campaigns.add(campaign)
        self._scheduler.schedule(
            PLAN_TASK, {"campaign_id": str(campaign.id)}, at=campaign.start_at, key=plan_key(campaign)
        )
        await self._outbox.add(campaign.events)
        campaign.events.clear()
        await self._audit.record(AuditAction.CREATE, ENTITY, [campaign.id])
        await self._uow.commit()
        return campaign
