"""Jitsi room tokens, PRM's join links and room names (virtual visits)."""

import base64
import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.adapters.communications.video_rooms.jitsi import JitsiMeetRooms, JitsiSettings
from prm.adapters.communications.video_rooms.names import random_room_name
from prm.adapters.communications.virtual_visits_links import SignedJoinLinks
from prm.domain.communications.virtual_visits import Participant, VirtualVisitId, VisitWindow
from prm.domain.shared.ids import TenantId
from tests.fakes import FixedClock

SECRET = "s3cret-of-the-prosody-server-0123456789"
SETTINGS = JitsiSettings(domain="meet.clinic.example", app_id="prm-clinic", app_secret=SECRET)
TENANT = TenantId(uuid4())
VISIT = VirtualVisitId(uuid4())


def window_from(start: datetime, minutes: int = 30) -> VisitWindow:
    return VisitWindow(start, start + timedelta(minutes=minutes))


def rooms() -> JitsiMeetRooms:
    return JitsiMeetRooms(SETTINGS, FixedClock(datetime.now(UTC)))


def token_of(url: str) -> str:
    match = re.fullmatch(r"https://meet\.clinic\.example/(prm-[a-z2-7]{32})\?jwt=([\w.-]+)", url)
    assert match, url
    return match.group(2)


def decode(token: str) -> dict[str, object]:
    return jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", issuer="prm-clinic")


async def test_room_tokens_carry_jitsis_claims_and_only_the_practitioner_moderates() -> None:
    window = window_from(datetime.now(UTC) - timedelta(minutes=5))  # open now
    name = rooms().new_room_name()
    room = await rooms().open_room(name, window)

    patient, practitioner = decode(token_of(room.patient_url)), decode(token_of(room.practitioner_url))
    for claims in (patient, practitioner):
        assert (claims["sub"], claims["room"]) == ("meet.clinic.example", name)
        assert claims["exp"] == int(window.ends_at.timestamp())
        assert claims["nbf"] == int((window.starts_at - timedelta(minutes=16)).timestamp())  # 15 min early + skew
    assert (patient["moderator"], practitioner["moderator"]) == (False, True)
    assert patient["context"] == {"user": {"name": "Patient", "affiliation": "member"}}
    assert practitioner["context"] == {"user": {"name": "Clinician", "affiliation": "owner"}}
    assert room.expires_at == window.ends_at
    assert room.patient_url.startswith(f"https://meet.clinic.example/{name}?jwt=")


async def test_a_token_is_refused_after_the_visit_before_it_opens_and_with_another_secret() -> None:
    now = datetime.now(UTC)
    ended = await rooms().open_room("prm-x", window_from(now - timedelta(hours=2)))
    with pytest.raises(jwt.ExpiredSignatureError):
        decode(ended.patient_url.split("jwt=")[1])
    later = await rooms().open_room("prm-x", window_from(now + timedelta(hours=2)))
    with pytest.raises(jwt.ImmatureSignatureError):
        decode(later.patient_url.split("jwt=")[1])
    current = await rooms().open_room("prm-x", window_from(now))
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(current.patient_url.split("jwt=")[1], "another-secret-" * 3, algorithms=["HS256"], audience="jitsi")


def test_room_names_are_random_and_unguessable() -> None:
    names = {random_room_name() for _ in range(2000)}
    assert len(names) == 2000
    assert all(re.fullmatch(r"prm-[a-z2-7]{32}", n) for n in names)  # 160 bits of the CSPRNG
    # No structure to learn from: every position takes many values across names.
    assert all(len({n[4 + i] for n in names}) >= 30 for i in range(32))


def test_jitsi_settings_refuse_a_short_secret_or_a_url_as_domain() -> None:
    with pytest.raises(ValueError, match="32"):
        JitsiSettings(domain="meet.example", app_id="a", app_secret="short")
    with pytest.raises(ValueError, match="host name"):
        JitsiSettings(domain="https://meet.example/", app_id="a", app_secret=SECRET)


LINKS = SignedJoinLinks("https://prm.example/api/v1/prm/communications/virtual-visits/", ["k1" * 20])


def test_a_join_link_verifies_for_its_visit_only() -> None:
    url = LINKS.url(TENANT, VISIT, Participant.PATIENT)
    assert url.startswith(f"https://prm.example/api/v1/prm/communications/virtual-visits/{VISIT}/join?t=")
    token = url.split("t=")[1]
    assert len(token) <= 48  # short enough for an SMS
    claims = LINKS.verify(VISIT, token)
    assert claims is not None
    assert (claims.tenant_id, claims.visit_id, claims.participant) == (TENANT, VISIT, Participant.PATIENT)
    assert LINKS.verify(VirtualVisitId(uuid4()), token) is None
    assert LINKS.verify(VISIT, "") is None
    assert LINKS.verify(VISIT, "not base64 !!") is None
    other_key = SignedJoinLinks("https://prm.example", ["k2" * 20])
    assert other_key.verify(VISIT, token) is None


def test_rotating_keys_keeps_old_links_working() -> None:
    token = LINKS.token(TENANT, VISIT, Participant.PRACTITIONER)
    rotated = SignedJoinLinks("https://prm.example", ["new" * 12, "k1" * 20])
    claims = rotated.verify(VISIT, token)
    assert claims is not None
    assert claims.participant is Participant.PRACTITIONER


@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_any_tampered_token_is_refused(position: int, flip: int) -> None:
    token = LINKS.token(TENANT, VISIT, Participant.PATIENT)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[position % len(raw)] ^= flip
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert LINKS.verify(VISIT, tampered) is None
