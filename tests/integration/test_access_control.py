"""Access control generated from the application's route table: the permission matrix and
tenant isolation for every route that takes an id (routes added later are covered too)."""

import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.domain.identity.permissions import BUILTIN_ROLES
from prm.entrypoints.http.security import requirement
from tests.integration.inbox_support import a_thread

Client: TypeAlias = AsyncTestClient[Litestar]
API = "/api/v1/prm"
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
API_KEY_PERMISSIONS = ("patients:read", "practitioners:read", "appointments:write")


def operations(app: Litestar) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(method, path template, opt)`` of every HTTP operation (HEAD/OPTIONS left out)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            for method in sorted(getattr(handler, "http_methods", ())):
                if method not in {"HEAD", "OPTIONS"}:
                    yield method, route.path, handler.opt


def concrete(path: str, ids: dict[str, str] | None = None) -> str:
    def fill(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if ids and name in ids:
            return ids[name]
        return str(uuid4()) if kind == "uuid" else "x"

    return _PARAM.sub(fill, path)


async def call(client: Client, method: str, path: str) -> int:
    body: dict[str, Any] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    response = await client.request(method, path, json=body)
    return response.status_code


def test_every_route_declares_a_permission_or_is_public(app: Litestar) -> None:
    undeclared = [f"{m} {p}" for m, p, opt in operations(app) if requirement(opt) is None]
    assert not undeclared, f"routes without opt permission/public (refused to everyone): {undeclared}"


async def test_permission_matrix(
    app: Litestar,
    client: Client,
    client_as: Callable[..., Awaitable[Client]],
    anonymous_client: Client,
    api_key_client: Callable[..., Awaitable[Client]],
) -> None:
    callers: dict[str, tuple[Client, frozenset[str] | None]] = {
        role: (await client_as(role), permissions) for role, permissions in BUILTIN_ROLES.items()
    }
    callers["api_key"] = (await api_key_client(*API_KEY_PERMISSIONS), frozenset(API_KEY_PERMISSIONS))
    wrong: list[str] = []
    for method, path, opt in operations(app):
        needed = requirement(opt)
        assert needed is not None, f"{method} {path} declares no permission"
        if method == "POST" and path.endswith(("/auth/login", "/auth/refresh", "/change-password", "/logout")):
            continue  # checked by the identity tests: calling them here would change sessions
        url = concrete(path)
        status = await call(anonymous_client, method, url)
        if (needed == "public") == (status == 401):
            wrong.append(f"anonymous {method} {path}: {status}")
        if needed == "public":
            continue
        for name, (caller, permissions) in callers.items():
            status = await call(caller, method, url)
            allowed = name != "api_key" if needed == "user" else permissions is not None and needed in permissions
            if allowed != (status not in {401, 403}) or (not allowed and status != 403):
                wrong.append(f"{name} {method} {path} ({needed}): {status}, expected {'allow' if allowed else 403}")
    assert not wrong, "\n".join(wrong)


async def _make_ids(client: Client) -> dict[str, str]:
    """One record of each kind in the client's tenant, by the path parameter that names it."""

    async def created(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(f"{API}{path}", json=body)
        assert response.status_code in {200, 201, 202}, response.text
        result: dict[str, Any] = response.json()
        return result

    patient_id = str((await created("/patients", {"name": {"family": "Isolated"}, "gender": "female"}))["id"])
    waiting_id = str((await created("/patients", {"name": {"family": "Waiting"}, "gender": "male"}))["id"])
    practitioner_id = str((await created("/practitioners", {"first_name": "Ada", "last_name": "Isolated"}))["id"])
    organization_id = str(
        (await created("/organizations", {"name": "Isolated", "code": "ISO", "type": "hospital"}))["id"]
    )
    location_id = str((await created("/locations", {"name": "Isolated clinic", "time_zone": "Europe/London"}))["id"])
    schedule = await created(
        "/schedules",
        {
            "practitioner_id": practitioner_id,
            "location_id": location_id,
            "slot_minutes": 30,
            "rules": [
                {"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "20:00"}
            ],
            "valid_from": "2020-01-01",
        },
    )
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    booking = {
        "patient_id": patient_id,
        "practitioner_id": practitioner_id,
        "location_id": location_id,
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(minutes=30)).isoformat(),
    }
    appointment_id = str((await created("/appointments", booking))["id"])
    offered = await created(
        "/appointments",
        {
            **booking,
            "start_time": (start + timedelta(hours=1)).isoformat(),
            "end_time": (start + timedelta(hours=1, minutes=30)).isoformat(),
        },
    )
    entry_id = str((await created("/waitlist", {"patient_id": waiting_id, "practitioner_id": practitioner_id}))["id"])
    cancelled = await client.post(f"{API}/appointments/{offered['id']}/cancel", json={"reason": "pat"})
    assert cancelled.status_code == 200, cancelled.text
    offer_id = cancelled.json()["waitlist_offer_id"]
    assert offer_id is not None
    subscription = await created(
        "/webhooks/subscriptions", {"url": "http://127.0.0.1:9/isolated", "event_types": ["patient.*"]}
    )
    ping = await created(f"/webhooks/subscriptions/{subscription['id']}/ping", {})
    event = await created(
        "/integrations/events",
        {
            "source_system": "ISO-HIS",
            "event_code": "OPD_VISIT_COMPLETED",
            "external_id": f"iso-{uuid4().hex[:6]}",
            "patient_identifier": "MRN-ISO",
            "occurred_at": "2026-12-01T09:30:00+01:00",
        },
    )
    config = await created("/integrations/configs", {"name": "Isolated HIS", "source_system": "ISO-HIS"})
    communication = await created(
        "/communications", {"channel": "sms", "recipient": "+16174923500", "message": "Isolated"}
    )
    template = await created(
        "/communications/templates",
        {
            "name": "isolated_note",
            "display_name": "Isolated note",
            "channel": "sms",
            "category": "general",
            "language": "en",
            "body": "Hello {{ patient_name }}",
            "variables": ["patient_name"],
        },
    )
    virtual = await created(
        "/appointments",
        {
            **booking,
            "appointment_type": "VR",
            "start_time": (start + timedelta(hours=2)).isoformat(),
            "end_time": (start + timedelta(hours=2, minutes=30)).isoformat(),
        },
    )
    visit = await created("/communications/virtual-visits", {"appointment_id": virtual["id"]})
    campaign = await created(
        "/communications/campaigns",
        {"name": "Isolated", "channel": "sms", "template_name": "isolated_note", "start_at": "2099-01-01T09:00:00Z"},
    )
    journey = await created(
        "/journeys", {"name": "Isolated", "journey_type": "opd", "stages": [{"name": "Visit", "order_index": 1}]}
    )
    journey_instance = await created("/journeys/instances", {"journey_id": journey["id"], "patient_id": patient_id})
    survey = await created(
        "/surveys/templates",
        {
            "name": "isolated_survey",
            "title": "How was it?",
            "questions": [{"id": "recommend", "text": "Would you recommend us?", "kind": "nps"}],
            "score_question": "recommend",
            "low_score_threshold": 7,
        },
    )
    merged_away = await created("/patients", {"name": {"family": "Merged"}, "gender": "male"})
    survivor = await created("/patients", {"name": {"family": "Survivor"}, "gender": "male"})
    merge = await created(
        "/patients/merge", {"source_patient_id": merged_away["id"], "target_patient_id": survivor["id"]}
    )
    caregiver = await created(
        f"/patients/{patient_id}/caregivers", {"name": {"family": "Isolated"}, "relationship": "MTH"}
    )
    tag = await created("/tags", {"name": "Isolated"})
    ticket_id = str((await created("/tickets", {"patient_id": patient_id, "title": "Isolated"}))["id"])
    consent = await client.put(
        f"{API}/communications/consents/{patient_id}/sms", json={"status": "active", "provision": "deny"}
    )
    assert consent.status_code == 200, consent.text
    return {
        "consent_id": str(consent.json()["record"]["id"]),  # FHIR Consent: a channel consent record
        "caregiver_id": str(caregiver["id"]),
        "tag_id": str(tag["id"]),
        "kind": "patients",
        "entity_id": patient_id,
        "merge_id": str(merge["id"]),
        "target_id": str(survivor["id"]),
        "survey_template_id": str(survey["id"]),
        "journey_id": str(journey["id"]),
        "stage_id": str(journey["stages"][0]["id"]),
        "instance_id": str(journey_instance["id"]),
        "campaign_id": str(campaign["id"]),
        "communication_id": str(communication["id"]),
        "template_id": str(template["id"]),
        "thread_id": await a_thread(client),
        "visit_id": str(visit["id"]),
        "subscription_id": str(subscription["id"]),
        "delivery_id": str(ping["id"]),
        "event_id": str(event["id"]),
        "config_id": str(config["id"]),
        "message_id": str((await created("/hl7/messages", {"raw_message": ISOLATED_HL7}))["message_id"]),
        "patient_id": patient_id,
        "patient_a": patient_id,  # a pair of the duplicate worklist
        "patient_b": waiting_id,
        "practitioner_id": practitioner_id,
        "organization_id": organization_id,
        "ticket_id": ticket_id,
        "task_id": ticket_id,  # FHIR Task: a ticket
        "slot_id": await a_free_slot(client, str(schedule["id"])),
        "export_id": await a_bulk_export(client),
        "name": "Patient.ndjson",
        "location_id": location_id,
        "schedule_id": str(schedule["id"]),
        "appointment_id": appointment_id,
        "entry_id": entry_id,
        "offer_id": str(offer_id),
        "user_id": str(
            (
                await created(
                    "/admin/users",
                    {
                        "email": f"iso-{uuid4().hex[:6]}@example.org",
                        "full_name": "Iso",
                        "password": "a long enough pass",
                    },
                )
            )["id"]
        ),
        "role_id": str(
            (await created("/admin/roles", {"name": f"iso_{uuid4().hex[:6]}", "permissions": ["patients:read"]}))["id"]
        ),
        "key_id": str((await created("/admin/api-keys", {"name": "iso", "permissions": ["patients:read"]}))["id"]),
    }


async def a_free_slot(client: Client, schedule_id: str) -> str:
    """The id of a free slot of the schedule (FHIR Slot: computed from availability)."""
    bundle = (await client.get(f"{API}/fhir/Slot", params={"schedule": schedule_id})).json()
    return str(bundle["entry"][0]["resource"]["id"])


async def a_bulk_export(client: Client) -> str:
    """The id of a FHIR bulk export kicked off (its status URL's last segment)."""
    response = await client.get(f"{API}/fhir/$export", headers={"Prefer": "respond-async"})
    assert response.status_code == 202, response.text
    return response.headers["content-location"].rsplit("/", 1)[-1]


ISOLATED_HL7 = "MSH|^~\\&|HIS|ISO|PRM|PRM|20260101||ADT^A04|ISO1|P|2.5\rPID|1||ISO-1^^^ISO^MR||Isolated^Iso\r"
ID_FACTORIES_HINT = "add the parameter to _make_ids in tests/integration/test_access_control.py"


async def test_another_tenant_gets_404_for_every_id_and_never_sees_rows_in_lists(
    app: Litestar, client: Client, other_tenant_client: Client
) -> None:
    ids = await _make_ids(client)
    wrong: list[str] = []
    uncovered: list[str] = []
    for method, path, opt in operations(app):
        if requirement(opt) in {"public", "user"}:
            continue
        names = [m.group(1) for m in _PARAM.finditer(path) if m.group(2) == "uuid"]
        if not names:
            if method == "GET":
                text = (await other_tenant_client.get(concrete(path))).text
                wrong += [
                    f"GET {path} shows {name} of the other tenant"
                    for name, i in ids.items()
                    if i in text and name != "kind"  # kind: a path word (``patients``), not an id
                ]
            continue
        missing = [n for n in names if n not in ids]
        if missing:
            uncovered.append(f"{method} {path}: {missing}")
            continue
        status = await call(other_tenant_client, method, concrete(path, ids))
        if status == 404:
            continue
        # A body that is invalid for any id may be refused first (422): then another tenant's id
        # must get exactly the answer an id that exists nowhere gets, so that nothing leaks.
        unknown = await call(other_tenant_client, method, concrete(path, {n: str(uuid4()) for n in names}))
        if status != 422 or unknown != status:
            wrong.append(f"{method} {path}: {status} for another tenant's id (unknown id: {unknown}), expected 404")
    assert not wrong, "\n".join(wrong)
    assert (await client.get(f"{API}/patients/{ids['patient_id']}")).status_code == 200  # still there for A
    assert not uncovered, f"routes not covered ({ID_FACTORIES_HINT}): {uncovered}"


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer "])
async def test_bad_credentials_are_401(anonymous_client: Client, header: str) -> None:
    response = await anonymous_client.get(f"{API}/patients", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    response = await anonymous_client.get(f"{API}/patients", headers={"X-API-Key": "prm_ak_unknown"})
    assert response.status_code == 401


async def test_openapi_shows_the_security_schemes_and_each_permission(client: Client) -> None:
    schema = (await client.get(f"{API}/docs/openapi.json")).json()
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "ApiKey"}
    operation = schema["paths"][f"{API}/patients/{{patient_id}}"]["get"]
    assert "`patients:read`" in operation["description"]
    assert operation["security"] == [{"BearerToken": []}, {"ApiKey": []}]
    assert schema["paths"][f"{API}/auth/login"]["post"]["security"] == []
