"""Jitsi Meet (self-hosted) with JWT room tokens (``authentication = "token"`` in Prosody).

Tokens follow Jitsi's token authentication (https://github.com/jitsi/lib-jitsi-meet/blob/master/
doc/tokens.md): HS256 signed with the server's ``app_secret``; claims ``aud`` ``"jitsi"``,
``iss`` the ``app_id``, ``sub`` the Meet domain, ``room`` the room name, ``nbf`` / ``exp`` around
the visit's window (from 15 minutes before the start, less a minute of clock skew, until the
end), ``context.user`` with a role's display name (``"Patient"``, ``"Clinician"``: never the
patient's name) and ``moderator`` (``mod_token_moderation``; ``context.user.affiliation`` for
``mod_token_affiliation``) true for the practitioner only. The join URL is
``https://{domain}/{room}?jwt={token}``.

Revoking: a Jitsi token cannot be revoked once issued (Prosody only checks the signature, the
room claim and the times). So PRM never sends these URLs to anyone: patients get PRM's own link
(``/communications/virtual-visits/{id}/join?t=...``), which checks at every click that the visit
is still scheduled and open and only then mints a token and redirects. The room name is random and
secret, and a reschedule moves the visit to a new room, so a token for the old name is useless.
:meth:`JitsiMeetRooms.revoke` therefore has nothing to call.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from prm.adapters.communications.video_rooms.names import random_room_name
from prm.application.communications.virtual_visits_ports import VideoRoom, VideoRoomProvider
from prm.application.shared.ports import Clock
from prm.domain.communications.virtual_visits import VisitWindow

CLOCK_SKEW = timedelta(minutes=1)
AUDIENCE = "jitsi"
DISPLAY_NAMES = {False: "Patient", True: "Clinician"}


@dataclass(frozen=True, slots=True, kw_only=True)
class JitsiSettings:
    domain: str
    """The Meet server's host name (``meet.example.org``): the URLs' host and the ``sub`` claim."""
    app_id: str
    app_secret: str

    def __post_init__(self) -> None:
        if not self.domain or "/" in self.domain:
            raise ValueError("the Jitsi domain is a host name, without scheme or path")
        if not self.app_id or len(self.app_secret) < 32:
            raise ValueError("Jitsi JWT auth needs an app id and an app secret of 32+ characters")


class JitsiMeetRooms(VideoRoomProvider):
    """Rooms on a self-hosted Jitsi Meet with signed room tokens (see the module docstring)."""

    name = "jitsi"

    def __init__(self, settings: JitsiSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock

    def new_room_name(self) -> str:
        return random_room_name()

    def token(self, room_name: str, window: VisitWindow, *, moderator: bool) -> str:
        """The room token of one participant (HS256 with the app secret)."""
        claims: dict[str, Any] = {
            "aud": AUDIENCE,
            "iss": self._settings.app_id,
            "sub": self._settings.domain.lower(),
            "room": room_name,
            "iat": int(self._clock.now().timestamp()),
            "nbf": int((window.opens_at - CLOCK_SKEW).timestamp()),
            "exp": int(window.ends_at.timestamp()),
            "moderator": moderator,
            "context": {
                "user": {
                    "name": DISPLAY_NAMES[moderator],
                    "affiliation": "owner" if moderator else "member",
                }
            },
        }
        return jwt.encode(claims, self._settings.app_secret, algorithm="HS256")

    def _url(self, room_name: str, token: str) -> str:
        return f"https://{self._settings.domain}/{room_name}?jwt={token}"

    async def open_room(self, room_name: str, window: VisitWindow) -> VideoRoom:
        return VideoRoom(
            provider=self.name,
            room_name=room_name,
            patient_url=self._url(room_name, self.token(room_name, window, moderator=False)),
            practitioner_url=self._url(room_name, self.token(room_name, window, moderator=True)),
            expires_at=window.ends_at,
        )

    async def revoke(self, room_name: str) -> None:
        """Nothing to call: see the module docstring (the room's name is abandoned)."""
