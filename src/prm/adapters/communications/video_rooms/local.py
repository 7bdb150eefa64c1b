"""The local sink (development default): rooms are links on PRM's own host, and every room
opened or revoked is recorded (for ``make run`` offline, and for tests to read)."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from prm.adapters.communications.video_rooms.names import random_room_name
from prm.application.communications.virtual_visits_ports import VideoRoom, VideoRoomProvider
from prm.domain.communications.virtual_visits import VisitWindow


@dataclass(slots=True)
class LocalRoomLog:
    opened: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)


class LocalVideoRooms(VideoRoomProvider):
    """Rooms at ``{rooms_url}/{room}?participant=patient|practitioner`` (PRM's local room page)."""

    name = "local"

    def __init__(self, rooms_url: str) -> None:
        self._rooms_url = rooms_url.rstrip("/")
        self.log = LocalRoomLog()

    def new_room_name(self) -> str:
        return random_room_name()

    def _url(self, room_name: str, participant: str) -> str:
        return f"{self._rooms_url}/{room_name}?{urlencode({'participant': participant})}"

    async def open_room(self, room_name: str, window: VisitWindow) -> VideoRoom:
        self.log.opened.append(room_name)
        return VideoRoom(
            provider=self.name,
            room_name=room_name,
            patient_url=self._url(room_name, "patient"),
            practitioner_url=self._url(room_name, "practitioner"),
            expires_at=window.ends_at,
        )

    async def revoke(self, room_name: str) -> None:
        self.log.revoked.append(room_name)
