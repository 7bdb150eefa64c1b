"""The preference matrix and the tenant's messaging settings (domain)."""

import pytest

from prm.domain.communications.channels import Channel
from prm.domain.communications.consent_settings import CommunicationSettings, InvalidCommunicationSettings
from prm.domain.communications.preferences import (
    EVENT_TYPES,
    InvalidPreference,
    PreferenceMatrix,
    preference_block,
    preference_event,
    validate_event_type,
)
from prm.domain.communications.quiet_hours import DEFAULT_QUIET_HOURS, InvalidQuietHours


def test_missing_entries_are_enabled_and_rows_fill_every_cell() -> None:
    matrix = PreferenceMatrix({("campaign", Channel.EMAIL): False})
    assert matrix.enabled("appointment.booked", Channel.SMS)
    assert not matrix.enabled("campaign", Channel.EMAIL)
    rows = matrix.rows()
    assert list(rows) == list(EVENT_TYPES)
    assert rows["campaign"] == {Channel.SMS: True, Channel.WHATSAPP: True, Channel.EMAIL: False}


def test_campaign_messages_fall_under_the_campaign_row() -> None:
    assert preference_event(None, "campaign") == "campaign"
    assert preference_event(None, "reminder") is None
    assert preference_event("appointment.reminder", "reminder") == "appointment.reminder"
    matrix = PreferenceMatrix({("campaign", Channel.SMS): False})
    assert preference_block(matrix, None, "campaign", Channel.SMS) == "preference:campaign:sms"
    assert preference_block(matrix, None, "campaign", Channel.EMAIL) is None
    assert preference_block(matrix, "appointment.booked", "appointment", Channel.SMS) is None


def test_unknown_event_types_are_refused_naming_them() -> None:
    assert validate_event_type("survey.invitation") == "survey.invitation"
    with pytest.raises(InvalidPreference) as raised:
        validate_event_type("lunch")
    assert raised.value.field == "preferences.lunch"


def test_settings_defaults_and_validation() -> None:
    defaults = CommunicationSettings()
    assert (defaults.quiet_hours, defaults.time_zone, defaults.require_explicit_consent) == (
        DEFAULT_QUIET_HOURS,
        "UTC",
        False,
    )
    assert (defaults.default_language, defaults.version) == ("en", 0)
    with pytest.raises(InvalidQuietHours) as zone:
        CommunicationSettings(time_zone="Nowhere/Special")
    assert zone.value.field == "time_zone"
    with pytest.raises(InvalidCommunicationSettings) as language:
        CommunicationSettings(default_language="en_GB!")
    assert language.value.field == "default_language"
