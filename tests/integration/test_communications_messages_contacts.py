"""The communications context's view of patients on SQLite and PostgreSQL: contact points mobile
first, and look-ups by E.164 phone and email that find active patients only (families share)."""

from collections.abc import AsyncIterator
from uuid import UUID

import pytest

from prm.application.communications.contracts import PatientContacts
from prm.domain.shared.ids import PatientId
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.integration.messages_support import Client, a_patient


@pytest.fixture
async def prm(settings: Settings, tenant_id: UUID, client: Client) -> AsyncIterator[Prm]:
    async with Prm.open(settings, tenant_id=tenant_id) as opened:
        yield opened


async def test_contacts_and_lookups_by_phone_and_email(client: Client, prm: Prm) -> None:
    telecom = [
        {"system": "phone", "value": "+1 617 492 3501", "use": "home"},
        {"system": "phone", "value": "+1 617 492 3500", "use": "mobile"},
        {"system": "email", "value": "Family@Example.org"},
    ]
    mother = await a_patient(client, telecom=telecom, phone=None, email=None, preferred_language="es-MX")
    child = await a_patient(client, telecom=telecom, phone=None, email=None)
    gone = await a_patient(client, telecom=telecom, phone=None, email=None)
    assert (await client.delete(f"/api/v1/prm/patients/{gone['id']}")).status_code in (200, 204)

    async with prm.unit() as scope:
        contacts = await scope.get(PatientContacts)
        found = await contacts.get(PatientId(UUID(mother["id"])))
        by_phone = await contacts.by_phone("+16174923500")
        by_email = await contacts.by_email("family@example.org")
        inactive = await contacts.get(PatientId(UUID(gone["id"])))
        nobody = await contacts.by_phone("+16174923599")
    assert found is not None
    assert (found.phones, found.emails, found.preferred_language, found.active, found.given_name) == (
        ("+16174923500", "+16174923501"),
        ("Family@example.org",),  # the domain is normalised; the local part is kept as given
        "es-MX",
        True,
        "Ada",
    )
    assert sorted(map(str, by_phone)) == sorted([mother["id"], child["id"]])
    assert sorted(map(str, by_email)) == sorted([mother["id"], child["id"]])
    assert inactive is not None
    assert inactive.active is False
    assert nobody == []
