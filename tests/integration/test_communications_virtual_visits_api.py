"""Virtual visits end to end, on SQLite and PostgreSQL: a virtual appointment booked through the
API gets a visit with a join link once the relay ran; the link redirects to the room in the visit's
window; cancelling the appointment makes it answer 410; consent is recorded; other tenants see
nothing. With Jitsi configured, the redirect carries a room token signed with the app secret."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

import jwt
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.communications.video_rooms.jitsi import JitsiSettings
from prm.application.shared.ports import Clock
from prm.entrypoints.http import app as app_module
from prm.entrypoints.http.app import create_app
from prm.entrypoints.http.communications_routes import COMMUNICATIONS_ROUTES
from prm.entrypoints.http.communications_virtual_visits import ROUTES
from prm.entrypoints.library import LibraryContextProvider
from prm.entrypoints.worker.dispatch import ContainerDispatcher
from prm.entrypoints.worker.service import Worker
from prm.ioc import communications_virtual_visits as wiring
from prm.ioc import core_providers, make_container
from prm.settings import Settings
from tests.auth import CheapHashing, PerTestLoginThrottle
from tests.fakes import FixedClock

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"
VISITS = f"{API}/communications/virtual-visits"
BASE = "https://prm.clinic.example"
JITSI = JitsiSettings(domain="meet.clinic.example", app_id="prm-clinic", app_secret="jitsi-app-secret-" * 3)
CLOCK = FixedClock(datetime.now(UTC))


class _Overrides(Provider):
    """A clock the tests move, and the part's settings (public URL, provider)."""

    def __init__(self, jitsi: JitsiSettings | None = None) -> None:
        super().__init__()
        self._jitsi = jitsi

    @provide(scope=Scope.APP, override=True)
    def clock(self) -> Clock:
        return CLOCK

    @provide(scope=Scope.APP, override=True)
    def config(self) -> wiring.VirtualVisitsSettings:
        provider = "jitsi" if self._jitsi else "local"
        return wiring.VirtualVisitsSettings(provider=provider, public_base_url=BASE, jitsi=self._jitsi)


def _part() -> list[Provider]:
    """The part's provider, until the lead adds it to ``core_providers()``."""
    wired = any(isinstance(p, wiring.CommunicationsVirtualVisitsProvider) for p in core_providers())
    return [] if wired else [wiring.CommunicationsVirtualVisitsProvider()]


@pytest.fixture(params=["local"])
def video(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def app(settings: Settings, monkeypatch: pytest.MonkeyPatch, video: str) -> Litestar:
    CLOCK.current = datetime.now(UTC)
    if not any(route in COMMUNICATIONS_ROUTES for route in ROUTES):  # until the lead mounts them
        monkeypatch.setattr(app_module, "COMMUNICATIONS_ROUTES", [*COMMUNICATIONS_ROUTES, *ROUTES])
    overrides = _Overrides(JITSI if video == "jitsi" else None)
    return create_app(settings, CheapHashing(), PerTestLoginThrottle(), *_part(), overrides)


@pytest.fixture
async def relay(settings: Settings, video: str) -> AsyncIterator[Worker]:
    """The worker's relay with this part's event handlers (as ``prm worker`` runs them)."""
    container = make_container(
        settings, LibraryContextProvider(), *_part(), _Overrides(JITSI if video == "jitsi" else None)
    )
    dispatcher = ContainerDispatcher(container, event_handlers=dict(wiring.EVENTS), job_handlers={})
    yield Worker(settings, container, dispatcher=dispatcher, periodic=())
    await container.close()


async def _created(client: Client, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}{path}", json=payload)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def book(client: Client, appointment_type: str = "VR") -> tuple[dict[str, Any], datetime]:
    patient = await _created(
        client, "/patients", {"name": {"given": ["Ada"], "family": "Lovelace"}, "mrn": f"VV-{uuid4().hex[:10]}"}
    )
    doctor = await _created(client, "/practitioners", {"first_name": "John", "last_name": f"S{uuid4().hex[:6]}"})
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    appointment = await _created(
        client,
        "/appointments",
        {
            "patient_id": patient["id"],
            "practitioner_id": doctor["id"],
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(minutes=30)).isoformat(),
            "appointment_type": appointment_type,
        },
    )
    return appointment, start


async def visit_of(client: Client, appointment_id: str) -> dict[str, Any]:
    response = await client.get(VISITS, params={"appointment_id": appointment_id})
    assert response.status_code == 200, response.text
    [visit] = response.json()["items"]
    return dict(visit)


def join_path(url: str) -> str:
    assert url.startswith(BASE + VISITS + "/"), url
    return url.removeprefix(BASE)


async def test_a_virtual_appointment_gets_a_link_that_closes_when_it_is_cancelled(
    client: Client, anonymous_client: Client, relay: Worker
) -> None:
    appointment, start = await book(client, "VR")
    in_person, _ = await book(client, "checkup")
    await relay.run_until_idle()

    visit = await visit_of(client, appointment["id"])
    assert (visit["status"], visit["provider"], visit["consent"]) == ("scheduled", "local", None)
    assert visit["scheduled_start"].replace("Z", "+00:00") == start.isoformat()
    assert "room_name" not in visit
    none = await client.get(VISITS, params={"appointment_id": in_person["id"]})
    assert none.json()["items"] == []

    link = join_path(visit["join_url"])
    CLOCK.current = start - timedelta(minutes=20)
    early = await anonymous_client.get(link, follow_redirects=False)
    assert (early.status_code, early.json()["code"]) == (403, "communications.virtual_visit_not_open")
    CLOCK.current = start + timedelta(minutes=5)
    joined = await anonymous_client.get(link, follow_redirects=False)
    assert joined.status_code == 302, joined.text
    room = urlsplit(joined.headers["location"])
    assert room.path.startswith(f"{VISITS}/local-rooms/prm-")
    assert parse_qs(room.query) == {"participant": ["patient"]}
    moderator = await anonymous_client.get(join_path(visit["practitioner_join_url"]), follow_redirects=False)
    assert parse_qs(urlsplit(moderator.headers["location"]).query) == {"participant": ["practitioner"]}
    bad = await anonymous_client.get(link[:-3] + "AAA", follow_redirects=False)
    assert (bad.status_code, bad.json()["code"]) == (403, "communications.invalid_join_link")

    cancelled = await client.post(f"{API}/appointments/{appointment['id']}/cancel", json={"reason": "pat"})
    assert cancelled.status_code == 200, cancelled.text
    await relay.run_until_idle()
    gone = await anonymous_client.get(link, follow_redirects=False)
    assert (gone.status_code, gone.json()["code"]) == (410, "communications.virtual_visit_revoked")
    revoked = await client.get(f"{VISITS}/{visit['id']}")
    assert (revoked.json()["status"], revoked.json()["revoked_at"] is not None) == ("revoked", True)


async def test_rescheduling_moves_the_visit_and_keeps_the_patients_link(
    client: Client, anonymous_client: Client, relay: Worker
) -> None:
    appointment, start = await book(client, "telehealth")
    await relay.run_until_idle()
    visit = await visit_of(client, appointment["id"])
    later = start + timedelta(days=1)
    moved = await client.patch(
        f"{API}/appointments/{appointment['id']}",
        json={"start_time": later.isoformat(), "end_time": (later + timedelta(minutes=30)).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    await relay.run_until_idle()
    after = await visit_of(client, appointment["id"])
    assert after["scheduled_start"].replace("Z", "+00:00") == later.isoformat()
    CLOCK.current = start + timedelta(minutes=5)  # the old time: not open any more, not yet open again
    old_time = await anonymous_client.get(join_path(visit["join_url"]), follow_redirects=False)
    assert old_time.status_code == 403
    CLOCK.current = later
    assert (await anonymous_client.get(join_path(visit["join_url"]), follow_redirects=False)).status_code == 302


async def test_consent_is_recorded_and_links_are_shown_to_writers_only(
    client: Client, client_as: Any, relay: Worker
) -> None:
    appointment, _ = await book(client)
    await relay.run_until_idle()
    visit = await visit_of(client, appointment["id"])
    recorded = await client.post(f"{VISITS}/{visit['id']}/consent", json={"status": "permit", "source": "phone"})
    assert recorded.status_code == 200, recorded.text
    consent = recorded.json()["consent"]
    assert (consent["status"], consent["source"]) == ("permit", "phone")
    assert datetime.fromisoformat(consent["recorded_at"].replace("Z", "+00:00")) == CLOCK.current
    bad = await client.post(f"{VISITS}/{visit['id']}/consent", json={"status": "maybe", "source": "phone"})
    assert bad.status_code == 422
    assert "status" in bad.text
    missing = await client.post(f"{VISITS}/{uuid4()}/consent", json={"status": "deny", "source": "portal"})
    assert (missing.status_code, missing.json()["code"]) == (404, "communications.virtual_visit_not_found")

    reader = await client_as("practitioner")  # communications:read, not write
    seen = await reader.get(f"{VISITS}/{visit['id']}")
    assert seen.status_code == 200, seen.text
    assert (seen.json()["join_url"], seen.json()["practitioner_join_url"]) == (None, None)
    assert seen.json()["consent"]["status"] == "permit"
    by_patient = await reader.get(VISITS, params={"patient_id": appointment["patient_id"]})
    assert [v["id"] for v in by_patient.json()["items"]] == [visit["id"]]
    assert (
        await reader.post(f"{VISITS}/{visit['id']}/consent", json={"status": "deny", "source": "x"})
    ).status_code == 403


async def test_other_tenants_see_nothing(client: Client, other_tenant_client: Client, relay: Worker) -> None:
    appointment, _ = await book(client)
    await relay.run_until_idle()
    visit = await visit_of(client, appointment["id"])
    assert (await other_tenant_client.get(f"{VISITS}/{visit['id']}")).status_code == 404
    listed = await other_tenant_client.get(VISITS, params={"appointment_id": appointment["id"]})
    assert listed.json()["items"] == []
    consent = await other_tenant_client.post(f"{VISITS}/{visit['id']}/consent", json={"status": "deny", "source": "x"})
    assert consent.status_code == 404


@pytest.mark.parametrize("video", ["jitsi"], indirect=True)
async def test_with_jitsi_the_link_redirects_to_the_room_with_a_signed_token(
    client: Client, anonymous_client: Client, relay: Worker
) -> None:
    appointment, start = await book(client, "virtual")
    await relay.run_until_idle()
    visit = await visit_of(client, appointment["id"])
    assert visit["provider"] == "jitsi"
    CLOCK.current = start
    joined = await anonymous_client.get(join_path(visit["join_url"]), follow_redirects=False)
    assert joined.status_code == 302, joined.text
    target = urlsplit(joined.headers["location"])
    assert (target.scheme, target.hostname) == ("https", "meet.clinic.example")
    token = parse_qs(target.query)["jwt"][0]
    claims = jwt.decode(
        token,
        JITSI.app_secret,
        algorithms=["HS256"],
        audience="jitsi",
        issuer="prm-clinic",
        options={
            "verify_nbf": False,
            "verify_exp": False,
            "verify_iat": False,
        },  # the test's clock is not the decoder's
    )
    assert claims["room"] == target.path.lstrip("/")
    assert claims["sub"] == "meet.clinic.example"
    assert claims["exp"] == int((start + timedelta(minutes=30)).timestamp())
    assert claims["moderator"] is False
    assert claims["context"]["user"]["name"] == "Patient"
    assert isinstance(UUID(visit["id"]), UUID)


async def test_staff_can_open_the_visit_before_the_worker_did(client: Client, other_tenant_client: Client) -> None:
    appointment, _ = await book(client, "video")
    opened = await client.post(VISITS, json={"appointment_id": appointment["id"]})
    assert opened.status_code == 201, opened.text
    again = await client.post(VISITS, json={"appointment_id": appointment["id"]})
    assert (again.json()["id"], again.json()["join_url"]) == (opened.json()["id"], opened.json()["join_url"])
    in_person, _ = await book(client, "checkup")
    refused = await client.post(VISITS, json={"appointment_id": in_person["id"]})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"][-1] == "appointment_id"
    elsewhere = await other_tenant_client.post(VISITS, json={"appointment_id": appointment["id"]})
    assert elsewhere.status_code == 422
    assert (await client.get(VISITS, params={"appointment_id": appointment["id"]})).json()["total"] == 1
