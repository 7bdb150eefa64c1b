"""Read and replace the tenant's messaging settings (``/communications/settings``)."""

from dataclasses import dataclass

import structlog

from prm.application.communications.consent_consents import recorded_by
from prm.application.communications.consent_ports import CommunicationSettingsRepository
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.consent_settings import CommunicationSettings
from prm.domain.communications.quiet_hours import QuietHours
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


class GetCommunicationSettings:
    """The tenant's settings, or the defaults (``version`` 0)."""

    def __init__(self, settings: CommunicationSettingsRepository) -> None:
        self._settings = settings

    async def __call__(self) -> CommunicationSettings:
        return await self._settings.get()


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateCommunicationSettingsCommand:
    quiet_hours_start: str
    quiet_hours_end: str
    """Local ``HH:MM``; equal to the start: no quiet hours."""
    time_zone: str
    require_explicit_consent: bool
    default_language: str
    expected_version: int | None = None
    """The version read (optimistic locking; ``None``: whatever is stored)."""


class UpdateCommunicationSettings:
    """Replace the tenant's settings. Raises ``InvalidQuietHours`` / ``InvalidCommunicationSettings``
    (422 naming the field) and :class:`StaleVersion` (409). Commits."""

    def __init__(
        self, settings: CommunicationSettingsRepository, uow: UnitOfWork, clock: Clock, context: RequestContext
    ) -> None:
        self._settings = settings
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: UpdateCommunicationSettingsCommand) -> CommunicationSettings:
        quiet_hours = QuietHours.parse(command.quiet_hours_start, command.quiet_hours_end)
        stored = await self._settings.get()
        if command.expected_version is not None and command.expected_version != stored.version:
            raise StaleVersion("the communication settings were changed by someone else meanwhile")
        updated = CommunicationSettings(
            quiet_hours=quiet_hours,
            time_zone=command.time_zone,
            require_explicit_consent=command.require_explicit_consent,
            default_language=command.default_language,
            version=stored.version + 1,
            updated_at=self._clock.now(),
            updated_by=recorded_by(self._context),
        )
        await self._settings.save(updated)
        await self._uow.commit()
        log.info("communication_settings.updated", version=updated.version)
        return updated
