"""A tenant's messaging settings (one per tenant; the defaults until it saves its own)."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from prm.domain.communications.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, time_zone
from prm.domain.shared.errors import RuleViolated

DEFAULT_TIME_ZONE = "UTC"
DEFAULT_LANGUAGE = "en"


class InvalidCommunicationSettings(RuleViolated):
    code = "communications.invalid_settings"


@dataclass(frozen=True, slots=True, kw_only=True)
class CommunicationSettings:
    """Quiet hours, read in ``time_zone`` (IANA; patients carry no zone yet, so this is the
    patients' zone too), whether every category needs an explicit permit, and the default
    language (BCP 47) of messages to patients without one. ``version`` 0: never saved."""

    quiet_hours: QuietHours = DEFAULT_QUIET_HOURS
    time_zone: str = DEFAULT_TIME_ZONE
    require_explicit_consent: bool = False
    default_language: str = DEFAULT_LANGUAGE
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", time_zone(self.time_zone))
        language = self.default_language
        if not (2 <= len(language) <= 35) or not all(part.isalnum() for part in language.split("-")):
            raise InvalidCommunicationSettings(
                "default_language must be a BCP 47 language tag (en, pt-BR)", field="default_language"
            )
