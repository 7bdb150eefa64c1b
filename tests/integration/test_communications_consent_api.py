"""The consent part end to end on SQLite and PostgreSQL: the consents, preferences and settings
API (validation naming the field, 404s, permissions, tenant isolation), and the send policy and
keyword recorder the other parts get from the container, over the real tables."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TypeAlias
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.sql.communications_consent import SqlCommunicationSettingsRepository, SqlPolicyFactsReader
from prm.adapters.sql.communications_consent_tables import communication_consents
from prm.adapters.sql.connection import Parameters, SqlConnection, SqlResult
from prm.application.communications.consent_policy import ConsentSendPolicy
from prm.application.communications.contracts import ConsentRecorder, SendDecision, SendPolicy, SendRequestFacts
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.channels import Channel
from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.entrypoints.library import LibraryContextProvider
from prm.ioc import make_container
from prm.settings import Settings
from tests.integration.messages_support import a_patient

API = "/api/v1/prm/communications"
Client: TypeAlias = AsyncTestClient[Litestar]
NOON = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
NIGHT = datetime(2025, 6, 2, 23, 0, tzinfo=UTC)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Any]:
    container = make_container(settings, LibraryContextProvider())
    yield container
    await container.close()


def scope(container: Any, tenant_id: UUID) -> Any:
    context = RequestContext(tenant_id=TenantId(tenant_id), principal=SYSTEM)
    return container(context={RequestContext: context})


def facts(
    patient_id: UUID | None,
    *,
    category: str = "reminder",
    channel: Channel = Channel.SMS,
    event_type: str | None = None,
    due_at: datetime = NOON,
) -> SendRequestFacts:
    return SendRequestFacts(
        patient_id=PatientId(patient_id) if patient_id else None,
        channel=channel,
        recipient="+16174923500",
        category=category,
        event_type=event_type,
        due_at=due_at,
    )


async def test_consents_start_empty_and_keep_their_history(client: Client) -> None:
    patient = (await a_patient(client))["id"]
    empty = await client.get(f"{API}/consents", params={"patient_id": patient})
    assert empty.status_code == 200, empty.text
    assert [(c["channel"], c["state"], c["record"]) for c in empty.json()["consents"]] == [
        ("sms", "none", None),
        ("whatsapp", "none", None),
        ("email", "none", None),
    ]
    out = await client.put(f"{API}/consents/{patient}/sms", json={"status": "active", "provision": "deny"})
    assert out.status_code == 200, out.text
    assert (out.json()["state"], out.json()["record"]["source"]) == ("opted_out", "staff")
    back = await client.put(f"{API}/consents/{patient}/sms", json={"status": "active", "source": "patient_portal"})
    assert back.json()["state"] == "permitted"
    body = (await client.get(f"{API}/consents", params={"patient_id": patient})).json()
    assert body["consents"][0]["state"] == "permitted"
    assert [(r["provision"], r["source"]) for r in body["history"]] == [("permit", "patient_portal"), ("deny", "staff")]
    assert body["history"][0]["recorded_by"] not in ("", "system")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"status": "maybe"}, ["body", "status"]),
        ({"status": "active", "provision": "allow"}, ["body", "provision"]),
        ({"status": "active", "source": "carrier"}, ["body", "source"]),
        ({"status": "active", "note": "x"}, ["body", "note"]),
    ],
)
async def test_bad_consents_are_422_naming_the_field(client: Client, body: dict[str, Any], loc: list[str]) -> None:
    patient = (await a_patient(client))["id"]
    response = await client.put(f"{API}/consents/{patient}/sms", json=body)
    assert response.status_code in (400, 422), response.text
    assert response.json()["errors"][0]["loc"] == loc


async def test_unknown_patients_and_channels(client: Client) -> None:
    unknown = uuid4()
    assert (await client.get(f"{API}/consents", params={"patient_id": str(unknown)})).status_code == 404
    assert (await client.put(f"{API}/consents/{unknown}/sms", json={"status": "active"})).status_code == 404
    assert (await client.get(f"{API}/preferences/{unknown}")).status_code == 404
    patient = (await a_patient(client))["id"]
    assert (await client.put(f"{API}/consents/{patient}/fax", json={"status": "active"})).status_code in (400, 422)
    assert (await client.get(f"{API}/consents", params={"patient_id": "nope"})).status_code in (400, 422)


async def test_the_preference_matrix(client: Client) -> None:
    patient = (await a_patient(client))["id"]
    matrix = await client.get(f"{API}/preferences/{patient}")
    assert matrix.status_code == 200, matrix.text
    body = matrix.json()
    assert body["channels"] == ["sms", "whatsapp", "email"]
    assert "appointment.booked" in body["events"]
    assert "campaign" in body["events"]
    assert all(all(row.values()) for row in body["preferences"].values())
    changes = {"preferences": {"appointment.booked": {"sms": False}, "campaign": {"email": False, "sms": True}}}
    put = await client.put(f"{API}/preferences/{patient}", json=changes)
    assert put.status_code == 200, put.text
    again = await client.put(f"{API}/preferences/{patient}", json={"preferences": {"campaign": {"email": True}}})
    preferences = again.json()["preferences"]
    assert preferences["appointment.booked"] == {"sms": False, "whatsapp": True, "email": True}
    assert preferences["campaign"]["email"] is True
    bad = await client.put(f"{API}/preferences/{patient}", json={"preferences": {"lunch": {"sms": False}}})
    assert bad.status_code == 422, bad.text
    assert "lunch" in bad.text
    bad_channel = await client.put(f"{API}/preferences/{patient}", json={"preferences": {"campaign": {"fax": False}}})
    assert bad_channel.status_code in (400, 422)


async def test_settings_default_then_replace_with_optimistic_locking(client: Client) -> None:
    default = await client.get(f"{API}/settings")
    assert default.status_code == 200, default.text
    assert default.json() == {
        "quiet_hours": {"start": "00:00", "end": "00:00"},  # the suite's PRM_QUIET_HOURS (tests/conftest.py)
        "time_zone": "UTC",
        "require_explicit_consent": False,
        "default_language": "en",
        "version": 0,
        "updated_at": None,
    }
    body = {
        "quiet_hours": {"start": "22:30", "end": "07:00"},
        "time_zone": "Europe/London",
        "require_explicit_consent": True,
        "default_language": "pt-BR",
        "version": 0,
    }
    put = await client.put(f"{API}/settings", json=body)
    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.json()["time_zone"], put.json()["quiet_hours"]["start"]) == (
        1,
        "Europe/London",
        "22:30",
    )
    assert (await client.put(f"{API}/settings", json=body)).status_code == 409
    assert (await client.put(f"{API}/settings", json={**body, "version": 1})).json()["version"] == 2
    assert (await client.get(f"{API}/settings")).json()["default_language"] == "pt-BR"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"quiet_hours": {"start": "24:00", "end": "08:00"}}, "start"),
        ({"quiet_hours": {"start": "21:00"}}, "end"),
        ({"default_language": "e"}, "default_language"),
    ],
)
async def test_bad_settings_are_422_naming_the_field(client: Client, change: dict[str, Any], field: str) -> None:
    body = {"quiet_hours": {"start": "21:00", "end": "08:00"}, "time_zone": "UTC", **change}
    response = await client.put(f"{API}/settings", json=body)
    assert response.status_code in (400, 422), response.text
    assert field in response.text


async def test_permissions(client: Client, client_as: Any, api_key_client: Any) -> None:
    patient = (await a_patient(client))["id"]
    reader = await api_key_client("communications:read")
    assert (await reader.get(f"{API}/consents", params={"patient_id": patient})).status_code == 200
    assert (await reader.get(f"{API}/preferences/{patient}")).status_code == 200
    assert (await reader.put(f"{API}/consents/{patient}/sms", json={"status": "active"})).status_code == 403
    assert (await reader.get(f"{API}/settings")).status_code == 403
    writer = await api_key_client("communications:write", "communications:read")
    assert (await writer.put(f"{API}/consents/{patient}/sms", json={"status": "active"})).status_code == 200
    settings_reader = await api_key_client("communication_settings:read")
    assert (await settings_reader.get(f"{API}/settings")).status_code == 200
    body = {"quiet_hours": {"start": "21:00", "end": "08:00"}, "time_zone": "UTC"}
    assert (await settings_reader.put(f"{API}/settings", json=body)).status_code == 403


async def test_another_tenant_sees_nothing(client: Client, other_tenant_client: Client) -> None:
    patient = (await a_patient(client))["id"]
    assert (await client.put(f"{API}/consents/{patient}/sms", json={"status": "active"})).status_code == 200
    body = {"quiet_hours": {"start": "20:00", "end": "09:00"}, "time_zone": "Asia/Kolkata"}
    assert (await client.put(f"{API}/settings", json=body)).status_code == 200
    theirs = other_tenant_client
    assert (await theirs.get(f"{API}/consents", params={"patient_id": patient})).status_code == 404
    assert (await theirs.put(f"{API}/consents/{patient}/sms", json={"status": "active"})).status_code == 404
    assert (await theirs.get(f"{API}/preferences/{patient}")).status_code == 404
    assert (await theirs.get(f"{API}/settings")).json()["time_zone"] == "UTC"


async def test_the_send_policy_end_to_end(
    client: Client, container: Any, tenant_id: UUID, other_tenant_client: Client
) -> None:
    patient = UUID((await a_patient(client))["id"])
    other = UUID((await a_patient(client))["id"])
    await client.put(f"{API}/consents/{patient}/sms", json={"status": "active", "provision": "deny"})
    await client.put(f"{API}/consents/{other}/email", json={"status": "active"})
    await client.put(f"{API}/preferences/{other}", json={"preferences": {"appointment.booked": {"sms": False}}})
    await client.put(
        f"{API}/settings", json={"quiet_hours": {"start": "21:00", "end": "08:00"}, "time_zone": "Europe/London"}
    )
    async with scope(container, tenant_id) as request:
        policy = await request.get(SendPolicy)
        assert isinstance(policy, ConsentSendPolicy)
        assert await policy.decide(facts(patient)) == SendDecision(allowed=False, reason="opted_out:sms")
        assert await policy.decide(facts(patient, channel=Channel.EMAIL)) == SendDecision(allowed=True)
        assert await policy.decide(facts(other, category="campaign")) == SendDecision(
            allowed=False, reason="no_consent:sms"
        )
        assert await policy.decide(facts(other, category="campaign", channel=Channel.EMAIL)) == SendDecision(
            allowed=True
        )
        assert await policy.decide(facts(other, event_type="appointment.booked")) == SendDecision(
            allowed=False, reason="preference:appointment.booked:sms"
        )
        assert await policy.decide(facts(other, due_at=NIGHT)) == SendDecision(
            allowed=True, not_before=datetime(2025, 6, 3, 7, 0, tzinfo=UTC), reason="quiet_hours"
        )
        assert await policy.decide(facts(other, category="urgent", due_at=NIGHT)) == SendDecision(allowed=True)
    # the other tenant's policy knows nothing of these patients nor of the London settings
    other_tenant = await other_tenant_client.get(f"{API}/settings")
    assert other_tenant.json()["time_zone"] == "UTC"


async def test_keyword_opt_out_and_in_through_the_recorder(client: Client, container: Any, tenant_id: UUID) -> None:
    patient = PatientId(UUID((await a_patient(client))["id"]))
    async with scope(container, tenant_id) as request:
        recorder = await request.get(ConsentRecorder)
        assert await recorder.opt_out(patient, Channel.SMS, source="inbound_keyword:sms", at=NOON)
        assert not await recorder.opt_out(patient, Channel.SMS, source="inbound_keyword:sms", at=NOON)
        await (await request.get(UnitOfWork)).commit()
    body = (await client.get(f"{API}/consents", params={"patient_id": str(patient)})).json()
    assert (body["consents"][0]["state"], body["history"][0]["source"]) == ("opted_out", "keyword")
    async with scope(container, tenant_id) as request:
        recorder = await request.get(ConsentRecorder)
        assert await recorder.opt_in(patient, Channel.SMS, source="keyword", at=NOON.replace(minute=5))
        # not committed: rolled back with the unit of work
    body = (await client.get(f"{API}/consents", params={"patient_id": str(patient)})).json()
    assert body["consents"][0]["state"] == "opted_out"


class CountingConnection:
    """The real connection, counting the statements run."""

    def __init__(self, connection: SqlConnection) -> None:
        self._connection = connection
        self.statements = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    async def execute(self, statement: sa.Executable, parameters: Parameters = None) -> SqlResult:
        self.statements += 1
        return await self._connection.execute(statement, parameters)


async def test_decide_many_for_a_thousand_patients_in_two_queries(container: Any, tenant_id: UUID) -> None:
    patients = [PatientId(new_id()) for _ in range(1000)]
    rows = [
        {
            "tenant_id": tenant_id,
            "id": new_id(),
            "patient_id": p,
            "channel": "sms",
            "status": "active",
            "provision": "deny",
            "source": "import",
            "recorded_at": NOON,
            "recorded_by": "system",
        }
        for p in patients[::3]
    ]
    async with scope(container, tenant_id) as request:
        connection = await request.get(SqlConnection)
        await connection.execute(sa.insert(communication_consents), rows)
        await (await request.get(UnitOfWork)).commit()
    async with scope(container, tenant_id) as request:
        counting = CountingConnection(await request.get(SqlConnection))
        tenant = TenantId(tenant_id)
        policy = ConsentSendPolicy(
            SqlCommunicationSettingsRepository(counting, tenant),
            SqlPolicyFactsReader(counting, tenant),
        )
        decisions = await policy.decide_many([facts(p) for p in patients])
    assert counting.statements == 2
    assert [d.allowed for d in decisions] == [i % 3 != 0 for i in range(1000)]
    assert {d.reason for d in decisions if not d.allowed} == {"opted_out:sms"}
    async with scope(container, uuid4()) as request:  # another tenant: none of these opt-outs
        policy = await request.get(SendPolicy)
        assert all(d.allowed for d in await policy.decide_many([facts(p) for p in patients[:30]]))


async def test_a_tenant_without_settings_keeps_quiet_hours_in_its_own_zone(settings: Settings, container: Any) -> None:
    from prm.application.communications.consent_ports import CommunicationSettingsRepository
    from prm.application.identity.create_tenant import CreateTenant, CreateTenantCommand
    from prm.entrypoints.library import Prm

    async with Prm.open(settings) as prm:
        tenant = await prm.run(
            CreateTenant,
            CreateTenantCommand(name="Boston clinic", slug=f"b-{uuid4().hex[:8]}", time_zone="America/New_York"),
        )
    async with scope(container, tenant.id) as request:
        repository = await request.get(CommunicationSettingsRepository)
        assert (await repository.get()).time_zone == "America/New_York"
