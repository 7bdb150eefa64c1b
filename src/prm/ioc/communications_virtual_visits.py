"""Communications context wiring: the virtual visits part (video rooms, signed join links, the
visits' store, the use cases and the handlers of appointment events).

Settings (read here until they join :class:`~prm.settings.Settings`), all optional:

- ``PRM_VIDEO_PROVIDER``: ``local`` (default: links on PRM's own host, recorded) or ``jitsi``;
- ``PRM_JITSI_DOMAIN``, ``PRM_JITSI_APP_ID``, ``PRM_JITSI_APP_SECRET`` (32+ characters): the
  self-hosted Jitsi Meet server and its Prosody token auth (``app_id`` / ``app_secret``);
- ``PRM_PUBLIC_BASE_URL``: how patients reach PRM (default ``http://{PRM_HOST}:{PRM_PORT}``),
  for the join links put in messages.

``JOBS``, ``EVENTS`` and ``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.communications.video_rooms.jitsi import JitsiMeetRooms, JitsiSettings
from prm.adapters.communications.video_rooms.local import LocalVideoRooms
from prm.adapters.communications.virtual_visits_appointments import AppointmentsForVisitsFromAppointments
from prm.adapters.communications.virtual_visits_links import SignedJoinLinks
from prm.adapters.sql.communications_virtual_visits import SqlVirtualVisitRepository, SqlVisitsForJoining
from prm.application.communications.virtual_visits_consent import RecordVideoConsent
from prm.application.communications.virtual_visits_events import (
    CloseVirtualVisit,
    CreateVirtualVisitOnBooking,
    MoveVirtualVisitOnReschedule,
)
from prm.application.communications.virtual_visits_join import JoinVirtualVisit
from prm.application.communications.virtual_visits_links import VirtualVisitLinks
from prm.application.communications.virtual_visits_open import OpenVirtualVisit
from prm.application.communications.virtual_visits_ports import (
    AppointmentsForVisits,
    JoinLinks,
    VideoRoomProvider,
    VirtualVisitRepository,
    VirtualVisits,
    VisitsForJoining,
)
from prm.application.communications.virtual_visits_queries import GetVirtualVisit, ListVirtualVisits
from prm.application.communications.virtual_visits_scheduling import EnsureVirtualVisit
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.application.shared.ports import Clock
from prm.ioc.periodic import Periodic
from prm.settings import Settings

VISITS_PATH = "/api/v1/prm/communications/virtual-visits"
"""Where the HTTP entrypoint mounts the visits (``entrypoints/http/communications_virtual_visits.py``)."""

JOBS: Mapping[str, type[JobHandler]] = {}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {
    "appointment.booked": (CreateVirtualVisitOnBooking,),
    "appointment.rescheduled": (MoveVirtualVisitOnReschedule,),
    "appointment.cancelled": (CloseVirtualVisit,),
    "appointment.deleted": (CloseVirtualVisit,),
    "appointment.fulfilled": (CloseVirtualVisit,),
    "appointment.no_show": (CloseVirtualVisit,),
    "appointment.status_changed": (CloseVirtualVisit,),
}
PERIODIC: tuple[Periodic, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VirtualVisitsSettings:
    provider: str = "local"
    public_base_url: str
    jitsi: JitsiSettings | None = None

    @classmethod
    def from_env(cls, settings: Settings) -> "VirtualVisitsSettings":
        """From ``PRM_VIDEO_PROVIDER``, ``PRM_PUBLIC_BASE_URL`` and ``PRM_JITSI_*`` (:class:`Settings`)."""
        provider = settings.video_provider
        base = settings.public_base_url.strip() or f"http://{settings.host}:{settings.port}"
        jitsi = None
        if provider == "jitsi":
            jitsi = JitsiSettings(
                domain=settings.jitsi_domain.strip(),
                app_id=settings.jitsi_app_id.strip(),
                app_secret=settings.jitsi_app_secret,
            )
        return cls(provider=provider, public_base_url=base.rstrip("/"), jitsi=jitsi)


class CommunicationsVirtualVisitsProvider(Provider):
    scope = Scope.REQUEST
    visits = provide(SqlVirtualVisitRepository, provides=VirtualVisitRepository)
    appointments = provide(AppointmentsForVisitsFromAppointments, provides=AppointmentsForVisits)
    joining = provide(SqlVisitsForJoining, provides=VisitsForJoining, scope=Scope.APP)
    links_for_messages = provide(VirtualVisitLinks, provides=VirtualVisits)
    use_cases = provide_all(
        EnsureVirtualVisit,
        OpenVirtualVisit,
        GetVirtualVisit,
        ListVirtualVisits,
        RecordVideoConsent,
        JoinVirtualVisit,
        CreateVirtualVisitOnBooking,
        MoveVirtualVisitOnReschedule,
        CloseVirtualVisit,
    )

    @provide(scope=Scope.APP)
    def config(self, settings: Settings) -> VirtualVisitsSettings:
        return VirtualVisitsSettings.from_env(settings)

    @provide(scope=Scope.APP)
    def join_links(self, config: VirtualVisitsSettings, settings: Settings) -> JoinLinks:
        return SignedJoinLinks(config.public_base_url + VISITS_PATH, list(settings.signing_keys().values()))

    @provide(scope=Scope.APP)
    def rooms(self, config: VirtualVisitsSettings, clock: Clock) -> VideoRoomProvider:
        if config.jitsi is not None:
            return JitsiMeetRooms(config.jitsi, clock)
        return LocalVideoRooms(config.public_base_url + VISITS_PATH + "/local-rooms")
