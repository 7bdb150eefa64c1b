"""The send policy and the keyword recorder over fakes: the implied/explicit consent rule,
opt-outs, preferences, quiet hours and the batch form."""

from datetime import UTC, datetime, time
from uuid import uuid4

import pytest

from prm.application.communications.consent_policy import ConsentSendPolicy
from prm.application.communications.consent_recorder import RecordKeywordConsent
from prm.application.communications.contracts import SendDecision, SendRequestFacts
from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.communications.consent import (
    CONSENT_CONFIRMATION,
    TRANSACTIONAL_CATEGORIES,
    ConsentRecord,
    ConsentSource,
    ConsentState,
    ConsentStatus,
    InvalidConsent,
    ProvisionType,
    consent_block,
)
from prm.domain.communications.consent_settings import CommunicationSettings
from prm.domain.communications.quiet_hours import QuietHours
from prm.domain.shared.ids import PatientId, TenantId
from tests.unit.communications.consent_fakes import FixedSettings, InMemoryConsents

TENANT = TenantId(uuid4())
NOON = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
NIGHT = datetime(2025, 6, 2, 23, 0, tzinfo=UTC)


def facts(
    patient_id: PatientId | None,
    *,
    category: str = "reminder",
    channel: Channel = Channel.SMS,
    event_type: str | None = None,
    due_at: datetime = NOON,
) -> SendRequestFacts:
    return SendRequestFacts(
        patient_id=patient_id,
        channel=channel,
        recipient="+15555550100",
        category=category,
        event_type=event_type,
        due_at=due_at,
    )


def patient() -> PatientId:
    return PatientId(uuid4())


@pytest.fixture
def consents() -> InMemoryConsents:
    return InMemoryConsents()


@pytest.fixture
def recorder(consents: InMemoryConsents) -> RecordKeywordConsent:
    return RecordKeywordConsent(consents, RequestContext(tenant_id=TENANT, principal=SYSTEM))


def policy(consents: InMemoryConsents, settings: CommunicationSettings | None = None) -> ConsentSendPolicy:
    return ConsentSendPolicy(FixedSettings(settings), consents)


@pytest.mark.parametrize("category", sorted(TRANSACTIONAL_CATEGORIES))
def test_consent_is_implied_for_transactional_categories(category: str) -> None:
    assert consent_block(ConsentState.NONE, Channel.SMS, category, require_explicit_consent=False) is None
    assert consent_block(ConsentState.NONE, Channel.SMS, category, require_explicit_consent=True) == "no_consent:sms"


@pytest.mark.parametrize("category", ["general", "billing", "pharmacy", "a_tenants_own"])
def test_account_and_care_categories_are_implied_too(category: str) -> None:
    assert consent_block(ConsentState.NONE, Channel.SMS, category, require_explicit_consent=False) is None


@pytest.mark.parametrize("category", ["campaign"])
def test_marketing_needs_an_explicit_permit(category: str) -> None:
    assert consent_block(ConsentState.NONE, Channel.EMAIL, category, require_explicit_consent=False) == (
        "no_consent:email"
    )
    assert consent_block(ConsentState.PERMITTED, Channel.EMAIL, category, require_explicit_consent=True) is None
    assert consent_block(ConsentState.OPTED_OUT, Channel.EMAIL, "urgent", require_explicit_consent=False) == (
        "opted_out:email"
    )


async def test_an_opt_out_blocks_that_channel_only(consents: InMemoryConsents, recorder: RecordKeywordConsent) -> None:
    someone = patient()
    assert await recorder.opt_out(someone, Channel.SMS, source="inbound_keyword:sms", at=NOON)
    decide = policy(consents)
    assert await decide.decide(facts(someone)) == SendDecision(allowed=False, reason="opted_out:sms")
    assert await decide.decide(facts(someone, category="urgent")) == SendDecision(allowed=False, reason="opted_out:sms")
    assert await decide.decide(facts(someone, channel=Channel.EMAIL)) == SendDecision(allowed=True)
    assert consents.records[0].source is ConsentSource.KEYWORD
    assert consents.records[0].recorded_by == "system"


async def test_opt_out_and_in_say_whether_they_changed_something(
    consents: InMemoryConsents, recorder: RecordKeywordConsent
) -> None:
    someone = patient()
    assert not await recorder.opt_in(someone, Channel.SMS, source="keyword", at=NOON)  # never stopped
    assert await recorder.opt_out(someone, Channel.SMS, source="keyword", at=NOON)
    assert not await recorder.opt_out(someone, Channel.SMS, source="keyword", at=NOON.replace(minute=1))
    assert await recorder.opt_in(someone, Channel.SMS, source="keyword", at=NOON.replace(minute=2))
    assert not await recorder.opt_in(someone, Channel.SMS, source="keyword", at=NOON.replace(minute=3))
    assert [(r.status, r.provision) for r in consents.records] == [
        (ConsentStatus.ACTIVE, ProvisionType.DENY),
        (ConsentStatus.ACTIVE, ProvisionType.PERMIT),
    ]
    assert await policy(consents).decide(facts(someone, category="campaign")) == SendDecision(allowed=True)


async def test_an_unknown_source_is_refused(recorder: RecordKeywordConsent) -> None:
    with pytest.raises(InvalidConsent) as raised:
        await recorder.opt_out(patient(), Channel.SMS, source="carrier", at=NOON)
    assert raised.value.field == "source"


async def test_campaigns_need_a_permit_and_an_inactive_record_counts_as_none(consents: InMemoryConsents) -> None:
    someone = patient()
    decide = policy(consents)
    assert await decide.decide(facts(someone, category="campaign")) == SendDecision(
        allowed=False, reason="no_consent:sms"
    )
    for minute, status in ((1, ConsentStatus.ACTIVE), (2, ConsentStatus.INACTIVE)):
        await consents.add(
            ConsentRecord(
                id=uuid4(),
                tenant_id=TENANT,
                patient_id=someone,
                channel=Channel.SMS,
                status=status,
                provision=ProvisionType.PERMIT,
                source=ConsentSource.STAFF,
                recorded_at=NOON.replace(minute=minute),
                recorded_by="user-1",
            )
        )
        allowed = (await decide.decide(facts(someone, category="campaign"))).allowed
        assert allowed is (status is ConsentStatus.ACTIVE)
    assert (await decide.decide(facts(someone, category="reminder"))).allowed


async def test_explicit_consent_tenants_block_without_a_permit(consents: InMemoryConsents) -> None:
    strict = policy(consents, CommunicationSettings(require_explicit_consent=True))
    assert await strict.decide(facts(patient())) == SendDecision(allowed=False, reason="no_consent:sms")
    assert await strict.decide(facts(None)) == SendDecision(allowed=False, reason="no_consent:sms")


async def test_a_preference_off_blocks_its_event_on_its_channel(consents: InMemoryConsents) -> None:
    someone = patient()
    consents.preferences[someone] = {("appointment.booked", Channel.SMS): False, ("campaign", Channel.EMAIL): False}
    decide = policy(consents)
    assert await decide.decide(facts(someone, event_type="appointment.booked")) == SendDecision(
        allowed=False, reason="preference:appointment.booked:sms"
    )
    assert (await decide.decide(facts(someone, event_type="appointment.booked", channel=Channel.EMAIL))).allowed
    assert (await decide.decide(facts(someone, event_type="appointment.reminder"))).allowed


async def test_quiet_hours_defer_all_but_urgent(consents: InMemoryConsents) -> None:
    london = CommunicationSettings(time_zone="Europe/London")  # 21:00-08:00 local; 23:00 UTC is 00:00 BST
    decide = policy(consents, london)
    deferred = await decide.decide(facts(patient(), due_at=NIGHT))
    assert deferred == SendDecision(
        allowed=True, not_before=datetime(2025, 6, 3, 7, 0, tzinfo=UTC), reason="quiet_hours"
    )
    assert await decide.decide(facts(patient(), category=TemplateCategory.URGENT, due_at=NIGHT)) == SendDecision(
        allowed=True
    )
    assert await decide.decide(facts(patient(), due_at=NOON)) == SendDecision(allowed=True)
    none = policy(consents, CommunicationSettings(quiet_hours=QuietHours(time(0), time(0))))
    assert await none.decide(facts(patient(), due_at=NIGHT)) == SendDecision(allowed=True)


async def test_blocking_wins_over_deferring(consents: InMemoryConsents, recorder: RecordKeywordConsent) -> None:
    someone = patient()
    await recorder.opt_out(someone, Channel.SMS, source="keyword", at=NOON)
    assert await policy(consents).decide(facts(someone, due_at=NIGHT)) == SendDecision(
        allowed=False, reason="opted_out:sms"
    )


async def test_decide_many_reads_once_and_answers_in_order(
    consents: InMemoryConsents, recorder: RecordKeywordConsent
) -> None:
    settings = FixedSettings()
    batch = ConsentSendPolicy(settings, consents)
    people = [patient() for _ in range(50)]
    for someone in people[::2]:
        await recorder.opt_out(someone, Channel.SMS, source="keyword", at=NOON)
    decisions = await batch.decide_many([facts(p) for p in people] + [facts(None)])
    assert [d.allowed for d in decisions] == [i % 2 == 1 for i in range(50)] + [True]
    assert (settings.reads, consents.reads) == (1, 1)
    await batch.decide(facts(people[0]))
    assert settings.reads == 1  # settings are read once per unit of work
    assert await batch.decide_many([]) == []


async def test_the_keyword_confirmation_goes_even_to_who_just_opted_out(
    consents: InMemoryConsents, recorder: RecordKeywordConsent
) -> None:
    someone = patient()
    await recorder.opt_out(someone, Channel.SMS, source="keyword", at=NOON)
    strict = policy(consents, CommunicationSettings(require_explicit_consent=True, time_zone="Europe/London"))
    confirmation = facts(someone, category="general", event_type=CONSENT_CONFIRMATION, due_at=NIGHT)
    assert await strict.decide(confirmation) == SendDecision(allowed=True)
    assert not (await strict.decide(facts(someone, category="general"))).allowed
