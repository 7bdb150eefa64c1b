"""A campaign (Harman's ``NotificationCampaign``): one template sent to an audience of patients
chosen by criteria, from a start time at a sending rate, with progress per recipient.

Life: ``scheduled`` (waits for ``start_at``) -> ``running`` once planned (every recipient has a
message: ``scheduled`` at its paced time, or ``blocked`` with the reason when consent or a missing
address stops it) -> ``completed`` when none of its messages is left to send. ``paused`` holds
the messages not yet handed to a provider (they become ``pending``) and ``resumed`` paces them
again from the resume time; ``cancelled`` cancels them. A message already with a provider is
never called back.

Pacing: the ``n``-th recipient (from 0) is due at ``start + n * 60 / rate_per_minute`` seconds,
so a campaign never sends faster than its rate, whatever the number of workers.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NewType
from uuid import UUID

from dateutil.relativedelta import relativedelta

from prm.domain.communications.channels import Channel
from prm.domain.communications.events import (
    CampaignCancelled,
    CampaignCompleted,
    CampaignCreated,
    CampaignPaused,
    CampaignPlanned,
    CampaignResumed,
)
from prm.domain.shared.errors import Conflict, NotFound, RuleViolated
from prm.domain.shared.ids import TenantId, new_id

CampaignId = NewType("CampaignId", UUID)

MAX_RATE_PER_MINUTE = 6_000
"""The fastest a campaign may send (100 a second): above what one provider account takes."""
MAX_AGE = 150
MAX_CITIES = 50
MAX_NAME_LENGTH = 200
GENDERS = frozenset({"male", "female", "other", "unknown"})
"""FHIR R4 AdministrativeGender."""
PATIENT_STATUSES = frozenset({"active", "inactive"})


class CampaignStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


FINAL = frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED})


class InvalidCampaign(RuleViolated):
    """A campaign that cannot be created as asked (HTTP 422 naming the field)."""

    code = "communications.invalid_campaign"


class CampaignNotFound(NotFound):
    code = "communications.campaign_not_found"


class CampaignTransitionNotAllowed(Conflict):
    """Pause, resume or cancel from a status where it makes no sense (HTTP 409)."""

    code = "communications.campaign_transition_not_allowed"
    field = "status"


@dataclass(frozen=True, slots=True, kw_only=True)
class Audience:
    """Who a campaign is for; every criterion given must hold (none: every patient of the status).

    - ``age_min``/``age_max``: whole years on the planning day (UTC), inclusive; a patient without
      a birth date is left out when either is given;
    - ``genders``: FHIR AdministrativeGender codes;
    - ``cities``: any of these (compared folded: case and accents aside);
    - ``patient_status``: ``active`` (default) or ``inactive``;
    - ``last_appointment_before``: patients who have had an appointment (not cancelled or entered
      in error) and none starting on or after this day (UTC): those not seen since then.
    """

    age_min: int | None = None
    age_max: int | None = None
    genders: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    patient_status: str = "active"
    last_appointment_before: date | None = None

    def __post_init__(self) -> None:
        for name in ("age_min", "age_max"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= MAX_AGE:
                raise InvalidCampaign(f"{name} must be between 0 and {MAX_AGE}", field=f"audience.{name}")
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise InvalidCampaign("age_min is over age_max", field="audience.age_min")
        unknown = sorted(set(self.genders) - GENDERS)
        if unknown:
            raise InvalidCampaign(
                f"unknown gender {unknown[0]!r} (FHIR AdministrativeGender: {', '.join(sorted(GENDERS))})",
                field="audience.genders",
            )
        if len(self.cities) > MAX_CITIES or any(not c.strip() or len(c) > 200 for c in self.cities):
            raise InvalidCampaign(f"cities: at most {MAX_CITIES}, each 1 to 200 characters", field="audience.cities")
        if self.patient_status not in PATIENT_STATUSES:
            raise InvalidCampaign("patient_status is active or inactive", field="audience.patient_status")

    def birth_date_range(self, today: date) -> tuple[date | None, date | None]:
        """``(born_after, born_on_or_before)`` for the age band on ``today`` (either ``None``:
        unbounded). Age ``a`` on ``today`` means born in ``(today - (a+1) years, today - a years]``."""
        latest = today - relativedelta(years=self.age_min) if self.age_min is not None else None
        earliest = today - relativedelta(years=self.age_max + 1) if self.age_max is not None else None
        return earliest, latest


@dataclass(slots=True, kw_only=True)
class Campaign:
    """A campaign of the tenant. ``recipients``: messages planned (``blocked_at_planning`` of them
    blocked then); the live per-status counts come from its messages."""

    id: CampaignId
    tenant_id: TenantId
    name: str
    channel: Channel
    template_name: str
    template_vars: dict[str, object]
    audience: Audience
    start_at: datetime
    rate_per_minute: int
    status: CampaignStatus
    recipients: int = 0
    blocked_at_planning: int = 0
    planned_at: datetime | None = None
    paused_at: datetime | None = None
    cancelled_at: datetime | None = None
    completed_at: datetime | None = None
    created_by: str | None = None
    """The principal that created it (a user id, an API key id)."""
    version: int = 1
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        tenant_id: TenantId,
        name: str,
        channel: Channel,
        template_name: str,
        template_vars: dict[str, object],
        audience: Audience,
        start_at: datetime | None,
        rate_per_minute: int,
        now: datetime,
        created_by: str | None = None,
    ) -> "Campaign":
        """A ``scheduled`` campaign starting at ``start_at`` (``None`` or past: now). Raises
        :class:`InvalidCampaign` naming ``name`` or ``rate_per_minute``."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME_LENGTH:
            raise InvalidCampaign(f"name: 1 to {MAX_NAME_LENGTH} characters", field="name")
        if not 1 <= rate_per_minute <= MAX_RATE_PER_MINUTE:
            raise InvalidCampaign(f"rate_per_minute: 1 to {MAX_RATE_PER_MINUTE}", field="rate_per_minute")
        campaign = cls(
            id=CampaignId(new_id()),
            tenant_id=tenant_id,
            name=name,
            channel=channel,
            template_name=template_name,
            template_vars=template_vars,
            audience=audience,
            start_at=start_at if start_at is not None and start_at > now else now,
            rate_per_minute=rate_per_minute,
            status=CampaignStatus.SCHEDULED,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        campaign.events.append(CampaignCreated(campaign.id, channel.value))
        return campaign

    @property
    def interval(self) -> timedelta:
        """Time between two recipients' messages."""
        return timedelta(seconds=60 / self.rate_per_minute)

    def send_time(self, start: datetime, index: int) -> datetime:
        """When recipient ``index`` (from 0) is due, pacing from ``start``."""
        return start + index * self.interval

    @property
    def is_planned(self) -> bool:
        return self.planned_at is not None

    def planned(self, *, recipients: int, blocked: int, now: datetime) -> None:
        """Every recipient has its message: ``running``."""
        self.recipients, self.blocked_at_planning, self.planned_at = recipients, blocked, now
        self.status = CampaignStatus.RUNNING
        self._touch(now)
        self.events.append(CampaignPlanned(self.id, recipients, blocked))

    def pause(self, now: datetime) -> None:
        self._expect({CampaignStatus.SCHEDULED, CampaignStatus.RUNNING}, "pause")
        self.status, self.paused_at = CampaignStatus.PAUSED, now
        self._touch(now)
        self.events.append(CampaignPaused(self.id))

    def resume(self, now: datetime) -> None:
        """Back to ``running`` (``scheduled`` when it was paused before it was planned: it is then
        planned at once)."""
        self._expect({CampaignStatus.PAUSED}, "resume")
        self.status = CampaignStatus.RUNNING if self.is_planned else CampaignStatus.SCHEDULED
        self.paused_at = None
        if not self.is_planned and self.start_at < now:
            self.start_at = now
        self._touch(now)
        self.events.append(CampaignResumed(self.id))

    def cancel(self, now: datetime) -> None:
        self._expect({CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED}, "cancel")
        self.status, self.cancelled_at = CampaignStatus.CANCELLED, now
        self._touch(now)
        self.events.append(CampaignCancelled(self.id))

    def complete(self, now: datetime) -> bool:
        """``completed`` if ``running`` (``True`` when it changed)."""
        if self.status is not CampaignStatus.RUNNING:
            return False
        self.status, self.completed_at = CampaignStatus.COMPLETED, now
        self._touch(now)
        self.events.append(CampaignCompleted(self.id, self.recipients))
        return True

    def _expect(self, allowed: set[CampaignStatus], action: str) -> None:
        if self.status not in allowed:
            raise CampaignTransitionNotAllowed(f"a {self.status.value} campaign cannot {action}")

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
