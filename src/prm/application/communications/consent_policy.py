"""The send policy: consent, per-event preferences and quiet hours, decided together."""

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo

from prm.application.communications.consent_ports import (
    BatchSendPolicy,
    CommunicationSettingsRepository,
    PatientPolicyFacts,
    PolicyFactsReader,
)
from prm.application.communications.contracts import SendDecision, SendRequestFacts
from prm.domain.communications.consent import CONSENT_CONFIRMATION, DIRECT_REPLY, consent_block
from prm.domain.communications.consent_settings import CommunicationSettings
from prm.domain.communications.preferences import preference_block
from prm.domain.communications.quiet_hours import PASSES_QUIET_HOURS, QuietHours, next_allowed

NO_FACTS = PatientPolicyFacts()
QUIET_HOURS = "quiet_hours"
"""The ``reason`` of a deferral."""


def decide(
    request: SendRequestFacts,
    facts: PatientPolicyFacts,
    settings: CommunicationSettings,
    allowed_after: Callable[[datetime], datetime] | None = None,
) -> SendDecision:
    """In order: an opt-out (``opted_out:<ch>``), a consent the category lacks (``no_consent:<ch>``,
    see :mod:`prm.domain.communications.consent`), the patient's preference for the event on the
    channel (``preference:<event>:<ch>``) block; then quiet hours defer to the next allowed
    instant (``urgent`` passes them); else the message goes now. The one confirmation of a
    keyword (``event_type`` ``communications.consent_confirmation``) always goes at once; a direct
    reply (``communications.direct_reply``) passes quiet hours. Whether the patient record is
    active is the messages part's check."""
    if request.event_type == CONSENT_CONFIRMATION:
        return SendDecision(allowed=True)
    channel = request.channel
    reason = consent_block(
        facts.consent(channel),
        channel,
        request.category,
        require_explicit_consent=settings.require_explicit_consent,
    ) or preference_block(facts.preferences, request.event_type, request.category, channel)
    if reason is not None:
        return SendDecision(allowed=False, reason=reason)
    if request.category in PASSES_QUIET_HOURS or request.event_type == DIRECT_REPLY:
        return SendDecision(allowed=True)
    if allowed_after is None:
        allowed_at = next_allowed(request.due_at, settings.zone, settings.quiet_hours)
    else:
        allowed_at = allowed_after(request.due_at)
    if allowed_at > request.due_at:
        return SendDecision(allowed=True, not_before=allowed_at, reason=QUIET_HOURS)
    return SendDecision(allowed=True)


class ConsentSendPolicy(BatchSendPolicy):
    """The :class:`~prm.application.communications.contracts.SendPolicy` of the tenant. Reads the
    settings once per unit of work, then one query per decision (``decide``) or per 1,000
    patients (``decide_many``)."""

    def __init__(self, settings: CommunicationSettingsRepository, facts: PolicyFactsReader) -> None:
        self._settings_repository = settings
        self._facts = facts
        self._settings: CommunicationSettings | None = None

    async def decide(self, facts: SendRequestFacts) -> SendDecision:
        return (await self.decide_many([facts]))[0]

    async def decide_many(self, facts: Sequence[SendRequestFacts]) -> list[SendDecision]:
        if not facts:
            return []
        if self._settings is None:
            self._settings = await self._settings_repository.get()
        settings = self._settings
        known = await self._facts.facts({f.patient_id for f in facts if f.patient_id is not None})
        # a campaign's messages share a due time: the quiet-hours answer is computed once per instant
        allowed_after = functools.lru_cache(maxsize=1024)(
            functools.partial(_next_allowed, zone=settings.zone, window=settings.quiet_hours)
        )
        return [
            decide(
                f,
                known.get(f.patient_id, NO_FACTS) if f.patient_id is not None else NO_FACTS,
                settings,
                allowed_after,
            )
            for f in facts
        ]


def _next_allowed(at: datetime, *, zone: tzinfo, window: QuietHours) -> datetime:
    return next_allowed(at, zone, window)
