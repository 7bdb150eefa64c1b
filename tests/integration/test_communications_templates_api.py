"""The communication templates API end to end on SQLite and PostgreSQL: built-ins on a new
tenant, the reference's list shape and filters, creation checks, preview with SMS segments,
edits, deletes, permissions, tenant isolation, and ``TemplateRenderer``'s language fallback."""

from typing import Any, TypeAlias
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.application.communications.contracts import TemplateRenderer
from prm.application.communications.templates_builtin import BUILTIN_NAMES
from prm.domain.communications.channels import Channel
from prm.domain.communications.errors import TemplateNotFound
from prm.entrypoints.library import Prm
from prm.settings import Settings

API = "/api/v1/prm/communications/templates"
Client: TypeAlias = AsyncTestClient[Litestar]

FLU = {
    "name": "flu_clinic",
    "channel": "sms",
    "language": "en",
    "category": "campaign",
    "body": "{{ patient_name }}, flu jabs are open at {{ clinic_name }}. Book: {{ link }}",
    "variables": ["patient_name", "clinic_name", "link"],
}


async def create(client: Client, **fields: Any) -> dict[str, Any]:
    response = await client.post(API, json={**FLU, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def listed(client: Client, **params: Any) -> dict[str, Any]:
    response = await client.get(API, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_new_tenant_has_every_builtin_in_the_reference_shape(client: Client) -> None:
    body = await listed(client)
    assert set(body) == {"templates", "total", "channels", "categories"}
    assert body["channels"] == ["sms", "whatsapp", "email"]
    assert {"appointment", "reminder", "waitlist", "survey", "instructions", "billing", "general"} <= set(
        body["categories"]
    )
    assert body["total"] == len(body["templates"]) == len(BUILTIN_NAMES) * 3 * 2
    keys = {(t["name"], t["channel"], t["language"]) for t in body["templates"]}
    assert keys == {(n, c, lang) for n in BUILTIN_NAMES for c in ("sms", "whatsapp", "email") for lang in ("en", "es")}
    reminder = next(
        t
        for t in body["templates"]
        if (t["name"], t["channel"], t["language"]) == ("appointment_reminder", "sms", "en")
    )
    assert set(reminder) >= {"id", "name", "channel", "category", "subject", "body", "variables", "display_name"}
    assert (reminder["is_builtin"], reminder["is_active"], reminder["subject"], reminder["category"]) == (
        True,
        True,
        None,
        "reminder",
    )
    assert {"patient_name", "appointment_date", "appointment_time", "reply_confirm"} <= set(reminder["variables"])
    assert (await listed(client))["total"] == body["total"]  # materialized once, not twice


async def test_list_filters(client: Client) -> None:
    await create(client, category="flu_season")
    sms = await listed(client, channel="sms")
    assert {t["channel"] for t in sms["templates"]} == {"sms"}
    assert sms["total"] == len(BUILTIN_NAMES) * 2 + 1
    surveys = await listed(client, category="survey", language="es")
    assert {(t["name"], t["language"]) for t in surveys["templates"]} == {("survey_invitation", "es")}
    own = await listed(client, category="flu_season")
    assert [t["name"] for t in own["templates"]] == ["flu_clinic"]
    assert own["categories"][-1] == "flu_season"
    first = sms["templates"][0]
    await client.patch(f"{API}/{first['id']}", json={"is_active": False})
    inactive = await listed(client, active="false")
    assert [t["id"] for t in inactive["templates"]] == [first["id"]]
    assert (await client.get(API, params={"channel": "fax"})).status_code in (400, 422)
    bad = await client.get(API, params={"language": "english!"})
    assert (bad.status_code, bad.json()["errors"][0]["loc"]) == (422, ["query", "language"])


async def test_create_get_and_duplicates(client: Client) -> None:
    created = await create(client)
    assert (created["name"], created["display_name"], created["language"], created["version"]) == (
        "flu_clinic",
        "Flu clinic",
        "en",
        1,
    )
    assert created["is_builtin"] is False
    fetched = await client.get(f"{API}/{created['id']}")
    assert (fetched.status_code, fetched.headers["etag"]) == (200, 'W/"1"')
    assert fetched.json() == created
    again = await client.post(API, json=FLU)
    assert (again.status_code, again.json()["code"]) == (409, "communications.duplicate_template")
    taken = await client.post(API, json={**FLU, "name": "appointment_reminder"})
    assert taken.status_code == 409
    british = await create(client, language="EN-gb")
    assert british["language"] == "en-GB"


@pytest.mark.parametrize(
    ("fields", "loc", "code"),
    [
        ({"variables": ["patient_name", "link"]}, ["body", "body"], "communications.undeclared_template_variable"),
        (
            {"channel": "email", "subject": "From {{ practice }}"},
            ["body", "subject"],
            "communications.undeclared_template_variable",
        ),
        ({"body": "Hi {{ patient_name"}, ["body", "body"], "communications.template_syntax_invalid"),
        ({"body": "a" * 1601, "variables": []}, ["body", "body"], "communications.invalid_template"),
        ({"channel": "email"}, ["body", "subject"], "communications.invalid_template"),
        ({"language": "not a language"}, ["body", "language"], "communications.invalid_template"),
        ({"name": "Flu Clinic"}, ["body", "name"], "communications.invalid_template"),
    ],
)
async def test_bad_templates_are_422_naming_the_field(
    client: Client, fields: dict[str, Any], loc: list[str], code: str
) -> None:
    response = await client.post(API, json={**FLU, **fields})
    assert response.status_code == 422, response.text
    assert (response.json()["code"], response.json()["errors"][0]["loc"]) == (code, loc)


async def test_an_undeclared_variable_is_named(client: Client) -> None:
    response = await client.post(API, json={**FLU, "variables": ["patient_name", "link"]})
    assert "clinic_name" in response.json()["detail"]


async def test_preview_renders_with_sms_segments_and_names_missing_variables(client: Client) -> None:
    created = await create(client)
    path = f"{API}/{created['id']}/preview"
    variables = {"patient_name": "Chloé", "clinic_name": "Leeds", "link": "https://b.example/f"}
    shown = await client.post(path, json={"variables": variables})
    assert shown.status_code == 200, shown.text
    body = shown.json()
    text = "Chloé, flu jabs are open at Leeds. Book: https://b.example/f"
    assert body["body"] == text
    assert (body["encoding"], body["segments"], body["characters"], body["subject"]) == ("GSM-7", 1, len(text), None)
    emoji = (await client.post(path, json={"variables": {**variables, "patient_name": "Chloé 😀"}})).json()
    assert (emoji["encoding"], emoji["segments"], emoji["units"]) == ("UCS-2", 1, len(text) + 3)  # 😀 is 2 units
    missing = await client.post(path, json={"variables": {"patient_name": "Chloé"}})
    assert missing.status_code == 422
    assert missing.json()["code"] == "communications.template_render_failed"
    assert missing.json()["detail"] == "missing template variables: clinic_name, link"
    assert "Chloé" not in missing.text
    email = next(t for t in (await listed(client, channel="email", language="en"))["templates"])
    rendered = (await client.post(f"{API}/{email['id']}/preview", json={"variables": _sample(email)})).json()
    assert rendered["subject"]
    assert rendered["encoding"] is None


def _sample(template: dict[str, Any]) -> dict[str, str]:
    return {name: f"<{name}>" for name in template["variables"]}


async def test_a_template_reaching_for_internals_fails_to_render_without_leaking(client: Client) -> None:
    created = await create(client, name="sneaky", body="{{ ''.__class__.__mro__[1].__subclasses__() }}", variables=[])
    response = await client.post(f"{API}/{created['id']}/preview", json={"variables": {}})
    assert (response.status_code, response.json()["code"]) == (422, "communications.template_render_failed")
    assert "class" not in response.text


async def test_update_keeps_versions_and_builtins_are_edited_not_deleted(client: Client) -> None:
    created = await create(client)
    path = f"{API}/{created['id']}"
    updated = await client.patch(path, json={"body": "{{ patient_name }}: flu jabs at {{ clinic_name }}"})
    assert (updated.status_code, updated.json()["version"], updated.headers["etag"]) == (200, 2, 'W/"2"')
    stale = await client.patch(path, json={"is_active": False}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 409
    undeclared = await client.patch(path, json={"variables": ["patient_name"]})
    assert (undeclared.status_code, undeclared.json()["errors"][0]["loc"]) == (422, ["body", "body"])
    renamed = await client.patch(path, json={"name": "other"})
    assert (renamed.status_code, renamed.json()["errors"][0]["loc"]) == (422, ["body", "name"])
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404

    builtin = (await listed(client, channel="sms", category="survey", language="en"))["templates"][0]
    edited = await client.patch(
        f"{API}/{builtin['id']}", json={"body": "{{ patient_name }}, rate us: {{ survey_url }}"}
    )
    assert edited.status_code == 200, edited.text
    refused = await client.delete(f"{API}/{builtin['id']}")
    assert (refused.status_code, refused.json()["code"]) == (409, "communications.builtin_template_undeletable")
    kept = (await listed(client, channel="sms", category="survey", language="en"))["templates"][0]
    assert (kept["id"], kept["body"], kept["version"]) == (builtin["id"], edited.json()["body"], 2)


async def test_templates_need_their_permissions(client: Client, client_as: Any, api_key_client: Any) -> None:
    created = await create(client)
    front_desk = await client_as("front_desk")  # communication_templates:read
    assert (await front_desk.get(API)).status_code == 200
    assert (await front_desk.post(f"{API}/{created['id']}/preview", json={})).status_code in (200, 422)
    assert (await front_desk.post(API, json={**FLU, "name": "mine"})).status_code == 403
    assert (await front_desk.patch(f"{API}/{created['id']}", json={"is_active": False})).status_code == 403
    assert (await front_desk.delete(f"{API}/{created['id']}")).status_code == 403
    nobody = await api_key_client("patients:read")
    assert (await nobody.get(API)).status_code == 403
    writer = await api_key_client("communication_templates:write")
    assert (await writer.post(API, json={**FLU, "name": "mine"})).status_code == 201


async def test_another_tenants_templates_are_404_and_unlisted(
    client: Client, other_tenant_client: Client, tenant_id: UUID
) -> None:
    created = await create(client)
    path = f"{API}/{created['id']}"
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", path, None),
        ("PATCH", path, {"is_active": False}),
        ("DELETE", path, None),
        ("POST", f"{path}/preview", {"variables": {}}),
    ]
    for method, url, body in requests:
        response = await other_tenant_client.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)
    theirs = await listed(other_tenant_client)
    assert created["id"] not in {t["id"] for t in theirs["templates"]}
    assert theirs["total"] == len(BUILTIN_NAMES) * 6  # their own built-ins, none of ours
    assert (await other_tenant_client.get(API, params={"tenant_id": str(tenant_id)})).status_code == 403
    assert (await client.get(path)).json()["is_active"] is True
    assert (await client.get(f"{API}/{uuid4()}")).json()["code"] == "communications.template_not_found"


async def test_the_renderer_falls_back_by_language(client: Client, settings: Settings, tenant_id: UUID) -> None:
    await create(client, language="en-GB", body="GB {{ patient_name }}", variables=["patient_name"])
    await create(client, language="es", body="ES {{ patient_name }}", variables=["patient_name"])
    async with Prm.open(settings, tenant_id=tenant_id) as prm, prm.unit() as unit:
        renderer: TemplateRenderer = await unit.get(TemplateRenderer)

        async def body(language: str | None) -> str:
            rendered = await renderer.render(
                name="flu_clinic", channel=Channel.SMS, language=language, variables={"patient_name": "Ada"}
            )
            return rendered.body

        assert await body("en-GB") == "GB Ada"
        assert await body("en") == "GB Ada"  # no plain en: another English variant
        assert await body("es-MX") == "ES Ada"
        assert await body("de") == "GB Ada"  # the default language, en
        assert await body(None) == "GB Ada"
        reminder = await renderer.render(
            name="appointment_cancellation",
            channel=Channel.WHATSAPP,
            language="es-419",
            variables={
                "patient_name": "Ana",
                "clinic_name": "Sol",
                "appointment_date": "3/2",
                "appointment_time": "9:30",
            },
        )
        assert (reminder.language, reminder.template_name, reminder.category) == (
            "es",
            "appointment_cancellation",
            "appointment",
        )
        assert reminder.body.startswith("Hola Ana, su cita con Sol")
        with pytest.raises(TemplateNotFound):
            await renderer.render(name="flu_clinic", channel=Channel.EMAIL, language="en", variables={})
