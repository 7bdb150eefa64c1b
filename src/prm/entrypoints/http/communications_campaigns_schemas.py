"""Wire schemas of campaigns (snake_case JSON, msgspec)."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from prm.application.communications.campaigns_read import CampaignProgress
from prm.domain.communications.campaigns import (
    MAX_AGE,
    MAX_CITIES,
    MAX_NAME_LENGTH,
    MAX_RATE_PER_MINUTE,
    Audience,
    Campaign,
    CampaignStatus,
)
from prm.domain.communications.channels import Channel
from prm.domain.shared.person import AdministrativeGender

Age = Annotated[int, msgspec.Meta(ge=0, le=MAX_AGE, description="Whole years")]
City = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]
TemplateName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Rate = Annotated[
    int, msgspec.Meta(ge=1, le=MAX_RATE_PER_MINUTE, description="Messages a minute at most (evenly paced)")
]


class AudienceSchema(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Patients matching every criterion given. Ages are whole years on the planning day (UTC);
    ``last_appointment_before``: patients with an appointment (not cancelled or entered in
    error) and none starting on or after this day."""

    age_min: Age | None = None
    age_max: Age | None = None
    genders: Annotated[list[AdministrativeGender], msgspec.Meta(max_length=4)] = msgspec.field(default_factory=list)
    cities: Annotated[list[City], msgspec.Meta(max_length=MAX_CITIES)] = msgspec.field(default_factory=list)
    patient_status: Annotated[str, msgspec.Meta(pattern="^(active|inactive)$")] = "active"
    last_appointment_before: date | None = None

    def to_audience(self) -> Audience:
        return Audience(
            age_min=self.age_min,
            age_max=self.age_max,
            genders=tuple(dict.fromkeys(g.value for g in self.genders)),
            cities=tuple(self.cities),
            patient_status=self.patient_status,
            last_appointment_before=self.last_appointment_before,
        )


class CreateCampaignRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A campaign: ``template_name`` on ``channel`` (rendered per patient with ``patient_name``
    and ``template_vars``), sent to ``audience`` from ``start_at`` (RFC 3339; default now) at
    ``rate_per_minute``."""

    name: Name
    channel: Channel
    template_name: TemplateName
    template_vars: dict[str, Any] = msgspec.field(default_factory=dict)
    audience: AudienceSchema = msgspec.field(default_factory=AudienceSchema)
    start_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    rate_per_minute: Rate = 60


class CampaignProgressSchema(msgspec.Struct, frozen=True, kw_only=True):
    """Its messages by status. ``sent``: handed to the provider (sent, delivered or read);
    ``left``: still to go (pending, scheduled, queued, sending)."""

    by_status: dict[str, int]
    sent: int
    delivered: int
    failed: int
    blocked: int
    cancelled: int
    left: int


class CampaignResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A campaign. ``recipients``: messages planned (``blocked_at_planning`` of them blocked at
    once: no consent, no address); per-recipient status: ``GET /communications?campaign_id=``."""

    id: UUID
    name: str
    channel: Channel
    template_name: str
    template_vars: dict[str, Any]
    audience: AudienceSchema
    start_at: datetime
    rate_per_minute: int
    status: CampaignStatus
    recipients: int
    blocked_at_planning: int
    planned_at: datetime | None
    paused_at: datetime | None
    cancelled_at: datetime | None
    completed_at: datetime | None
    created_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    progress: CampaignProgressSchema | None = None


def campaign_response(campaign: Campaign, progress: CampaignProgress | None = None) -> CampaignResponse:
    a = campaign.audience
    audience = AudienceSchema(
        age_min=a.age_min,
        age_max=a.age_max,
        genders=[AdministrativeGender(g) for g in a.genders],
        cities=list(a.cities),
        patient_status=a.patient_status,
        last_appointment_before=a.last_appointment_before,
    )
    counted = None
    if progress is not None:
        counted = CampaignProgressSchema(
            by_status=dict(progress.by_status),
            sent=progress.count("sent", "delivered", "read"),
            delivered=progress.count("delivered", "read"),
            failed=progress.count("failed"),
            blocked=progress.count("blocked"),
            cancelled=progress.count("cancelled"),
            left=progress.count("pending", "scheduled", "queued", "sending"),
        )
    return CampaignResponse(
        id=campaign.id,
        name=campaign.name,
        channel=campaign.channel,
        template_name=campaign.template_name,
        template_vars=campaign.template_vars,
        audience=audience,
        start_at=campaign.start_at,
        rate_per_minute=campaign.rate_per_minute,
        status=campaign.status,
        recipients=campaign.recipients,
        blocked_at_planning=campaign.blocked_at_planning,
        planned_at=campaign.planned_at,
        paused_at=campaign.paused_at,
        cancelled_at=campaign.cancelled_at,
        completed_at=campaign.completed_at,
        created_by=campaign.created_by,
        version=campaign.version,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
        progress=counted,
    )
