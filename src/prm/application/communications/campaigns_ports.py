"""Ports of the campaigns part: the tenant's campaigns, their audience (over the patients and
appointments contexts) and their messages in bulk (the messages part's table, written many
rows at a time). Tenant-scoped, like every repository of the context."""

from abc import abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from prm.application.communications.contracts import PatientContact
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.campaigns import Audience, Campaign, CampaignId, CampaignStatus
from prm.domain.communications.channels import Channel
from prm.domain.communications.messages import Message

PLAN_TASK = "communications.campaign.plan"
"""The job that resolves a campaign's audience and queues its messages (args ``{"campaign_id"}``),
scheduled at its ``start_at`` (key ``campaign.plan:<id>``)."""

CHECK_TASK = "communications.campaign.check"
"""The job that completes a running campaign once none of its messages is left to send, every
:data:`CHECK_EVERY` while it runs (args ``{"campaign_id"}``)."""

CHECK_EVERY = timedelta(seconds=30)

PLAN_BATCH = 5_000
"""Recipients read, decided and written at a time while planning."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignFilter:
    status: CampaignStatus | None = None
    channel: Channel | None = None


class CampaignRepository(Protocol):
    @abstractmethod
    async def add(self, campaign: Campaign) -> None: ...

    @abstractmethod
    async def get(self, campaign_id: CampaignId, *, lock: bool = False) -> Campaign | None:
        """The campaign; ``lock`` holds its row until the unit of work ends (so planning, a pause
        and a cancel do not interleave)."""

    @abstractmethod
    async def save(self, campaign: Campaign, *, expected_version: int) -> None:
        """Raises ``StaleVersion`` when it changed meanwhile."""

    @abstractmethod
    async def list_page(self, where: CampaignFilter, page: PageRequest) -> Page[Campaign]:
        """Newest first."""


class CampaignAudienceSource(Protocol):
    """The patients matching an audience, in id order, a batch at a time (no audit event: ids and
    addresses for messaging only; the campaign's plan is audited as a whole)."""

    @abstractmethod
    def batches(self, audience: Audience, today: date, size: int) -> AsyncIterator[Sequence[PatientContact]]: ...


class CampaignMessages(Protocol):
    """A campaign's messages in bulk: each statement touches every matching row at once."""

    @abstractmethod
    async def add_many(self, messages: Sequence[Message]) -> None:
        """Insert (PostgreSQL ``COPY`` for large batches). No events, no audit: the caller
        records the plan's."""

    @abstractmethod
    async def hold(self, campaign_id: CampaignId, now: datetime) -> int:
        """``scheduled``/``queued`` messages of the campaign become ``pending`` (not due); how many."""

    @abstractmethod
    async def release(self, campaign_id: CampaignId, start: datetime, interval: timedelta, now: datetime) -> int:
        """``pending`` messages of the campaign become ``scheduled`` again, paced from ``start``
        by ``interval`` in their former order; how many."""

    @abstractmethod
    async def cancel_unsent(self, campaign_id: CampaignId, now: datetime) -> int:
        """``pending``/``scheduled``/``queued`` messages of the campaign become ``cancelled``."""

    @abstractmethod
    async def progress(self, campaign_id: CampaignId) -> Mapping[str, int]:
        """Message count by status (statuses with none are absent)."""
