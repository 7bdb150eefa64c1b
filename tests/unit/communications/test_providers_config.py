"""The provider configuration value objects: which kinds a channel takes, what each kind needs,
secrets kept across updates and never shown."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from prm.domain.communications.channels import Channel
from prm.domain.communications.providers import ProviderConfig, ProviderKind, ProviderSettings, SmtpSecurity
from prm.domain.communications.providers_errors import InvalidProviderConfig
from prm.domain.shared.ids import TenantId

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TENANT = TenantId(uuid4())
SID = "AC" + "b" * 32


def twilio(secrets: dict[str, str | None] | None = None, current: ProviderConfig | None = None) -> ProviderConfig:
    return ProviderConfig.configure(
        tenant_id=TENANT,
        channel=Channel.SMS,
        kind=ProviderKind.TWILIO,
        settings=ProviderSettings(account_sid=SID, from_number="+15005550006", base_url="http://127.0.0.1:1/"),
        secrets={"auth_token": "s3cret"} if secrets is None else secrets,
        now=NOW if current is None else NOW + timedelta(minutes=1),
        current=current,
    )


def test_secrets_never_show_in_repr() -> None:
    config = twilio()
    assert "s3cret" not in repr(config)
    assert "s3cret" not in repr(config.secrets)
    assert "s3cret" not in str(config.secrets)
    assert config.secrets.configured == {"auth_token"}
    assert config.settings.base_url == "http://127.0.0.1:1"


def test_an_update_keeps_secrets_left_out_and_moves_the_version_on() -> None:
    first = twilio()
    second = twilio(secrets={}, current=first)
    assert (second.secrets.get("auth_token"), second.version, second.created_at, second.updated_at) == (
        "s3cret",
        2,
        NOW,
        NOW + timedelta(minutes=1),
    )
    with pytest.raises(InvalidProviderConfig) as cleared:
        twilio(secrets={"auth_token": None}, current=second)
    assert cleared.value.field == "secrets.auth_token"


def test_changing_kind_drops_the_old_kinds_secrets() -> None:
    with pytest.raises(InvalidProviderConfig) as refused:
        ProviderConfig.configure(
            tenant_id=TENANT,
            channel=Channel.SMS,
            kind=ProviderKind.WHATSAPP_CLOUD,
            settings=ProviderSettings(phone_number_id="1"),
            secrets={},
            now=NOW,
            current=twilio(),
        )
    assert refused.value.field == "kind"
    local = ProviderConfig.configure(
        tenant_id=TENANT,
        channel=Channel.SMS,
        kind=ProviderKind.LOCAL,
        settings=ProviderSettings(),
        secrets={},
        now=NOW,
        current=twilio(),
    )
    assert local.secrets.configured == frozenset()


def test_smtp_defaults_and_password_needs_a_username() -> None:
    config = ProviderConfig.configure(
        tenant_id=TENANT,
        channel=Channel.EMAIL,
        kind=ProviderKind.SMTP,
        settings=ProviderSettings(smtp_host="smtp.example.org", from_address="clinic@example.org"),
        secrets={},
        now=NOW,
    )
    assert (config.settings.smtp_port, config.settings.smtp_security) == (587, SmtpSecurity.STARTTLS)
    with pytest.raises(InvalidProviderConfig) as refused:
        ProviderConfig.configure(
            tenant_id=TENANT,
            channel=Channel.EMAIL,
            kind=ProviderKind.SMTP,
            settings=ProviderSettings(smtp_host="smtp.example.org", from_address="clinic@example.org"),
            secrets={"smtp_password": "pw"},
            now=NOW,
        )
    assert refused.value.field == "settings.smtp_username"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (ProviderSettings(account_sid="AC1", from_number="+15005550006"), "settings.account_sid"),
        (ProviderSettings(account_sid=SID), "settings.from_number"),
        (ProviderSettings(account_sid=SID, messaging_service_sid="MG1"), "settings.messaging_service_sid"),
        (ProviderSettings(account_sid=SID, from_number="+15005550006", smtp_host="h"), "settings.smtp_host"),
        (ProviderSettings(account_sid=SID, from_number="+1", base_url="https://x/?q=1"), "settings.base_url"),
    ],
)
def test_twilio_settings_are_checked(settings: ProviderSettings, field: str) -> None:
    with pytest.raises(InvalidProviderConfig) as refused:
        ProviderConfig.configure(
            tenant_id=TENANT,
            channel=Channel.SMS,
            kind=ProviderKind.TWILIO,
            settings=settings,
            secrets={"auth_token": "t"},
            now=NOW,
        )
    assert refused.value.field == field
