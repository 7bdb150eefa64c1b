"""The campaign aggregate: audience checks, age bands, pacing and the life cycle's transitions."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.communications.campaigns import (
    Audience,
    Campaign,
    CampaignStatus,
    CampaignTransitionNotAllowed,
    InvalidCampaign,
)
from prm.domain.communications.channels import Channel
from prm.domain.shared.ids import TenantId, new_id

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def a_campaign(**fields: object) -> Campaign:
    values: dict[str, object] = {
        "tenant_id": TenantId(new_id()),
        "name": "Flu",
        "channel": Channel.SMS,
        "template_name": "flu_clinic",
        "template_vars": {},
        "audience": Audience(),
        "start_at": None,
        "rate_per_minute": 120,
        "now": NOW,
    }
    values.update(fields)
    return Campaign.create(**values)  # type: ignore[arg-type]


def test_the_age_band_is_whole_years_on_the_day() -> None:
    after, on_or_before = Audience(age_min=18, age_max=64).birth_date_range(date(2026, 12, 3))
    assert (after, on_or_before) == (date(1961, 12, 3), date(2008, 12, 3))
    assert Audience().birth_date_range(date(2026, 12, 3)) == (None, None)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 3)), st.integers(0, 120))
def test_a_birth_date_is_in_the_band_exactly_when_the_age_is(birth: date, age: int) -> None:
    today = date(2026, 12, 3)
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    after, on_or_before = Audience(age_min=age, age_max=age).birth_date_range(today)
    assert after is not None
    assert on_or_before is not None
    assert (after < birth <= on_or_before) == (years == age)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"age_min": -1}, "audience.age_min"),
        ({"age_max": 151}, "audience.age_max"),
        ({"age_min": 50, "age_max": 20}, "audience.age_min"),
        ({"genders": ("robot",)}, "audience.genders"),
        ({"cities": (" ",)}, "audience.cities"),
        ({"patient_status": "merged"}, "audience.patient_status"),
    ],
)
def test_a_bad_audience_names_its_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCampaign) as raised:
        Audience(**fields)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_pacing_follows_the_rate_and_a_past_start_is_now() -> None:
    campaign = a_campaign(start_at=NOW - timedelta(days=1))
    assert campaign.start_at == NOW
    assert campaign.send_time(NOW, 0) == NOW
    assert campaign.send_time(NOW, 3) == NOW + timedelta(seconds=1.5)
    with pytest.raises(InvalidCampaign):
        a_campaign(rate_per_minute=0)
    with pytest.raises(InvalidCampaign):
        a_campaign(name=" ")


def test_the_life_cycle() -> None:
    campaign = a_campaign()
    assert campaign.status.value == "scheduled"
    campaign.pause(NOW)
    campaign.resume(NOW + timedelta(minutes=1))
    assert (campaign.status, campaign.start_at) == (CampaignStatus.SCHEDULED, NOW + timedelta(minutes=1))
    campaign.planned(recipients=10, blocked=2, now=NOW)
    assert campaign.status is CampaignStatus.RUNNING
    campaign.pause(NOW)
    with pytest.raises(CampaignTransitionNotAllowed):
        campaign.pause(NOW)
    assert not campaign.complete(NOW)  # paused: not completed
    campaign.resume(NOW)
    assert campaign.status is CampaignStatus.RUNNING
    assert campaign.complete(NOW)
    for action in (campaign.pause, campaign.resume, campaign.cancel):
        with pytest.raises(CampaignTransitionNotAllowed):
            action(NOW)
    assert [type(e).__name__ for e in campaign.events] == [
        "CampaignCreated",
        "CampaignPaused",
        "CampaignResumed",
        "CampaignPlanned",
        "CampaignPaused",
        "CampaignResumed",
        "CampaignCompleted",
    ]
