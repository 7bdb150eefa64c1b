"""Helpers of the messages part's integration tests: a patient to message, and messages."""

from typing import Any, TypeAlias
from uuid import uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm/communications"
Client: TypeAlias = AsyncTestClient[Litestar]


async def a_patient(client: Client, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": {"given": ["Ada"], "family": "Lovelace"},
        "mrn": f"MRN-{uuid4().hex[:8]}",
        "gender": "female",
        "phone": "+1 617 492 3500",
        "email": "ada@example.org",
        "preferred_language": "en",
    }
    body.update(overrides)
    response = await client.post("/api/v1/prm/patients", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def a_message(client: Client, patient_id: str | None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"patient_id": patient_id, "channel": "sms", "message": "Your appointment is tomorrow"}
    body.update(fields)
    response = await client.post(API, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())
