"""What the FHIR tests share: a search answered as a validated searchset Bundle."""

from typing import Any, TypeAlias

from fhir.resources.R4B.bundle import Bundle
from litestar import Litestar
from litestar.testing import AsyncTestClient

FHIR = "/api/v1/prm/fhir"
Client: TypeAlias = AsyncTestClient[Litestar]


async def searchset(client: Client, resource_type: str, model: Any, params: Any) -> dict[str, Any]:
    """``GET /fhir/<resource_type>?params``: asserts a 200 ``application/fhir+json`` Bundle that
    validates, with every entry valid as ``model`` (an R4B model class); returns the Bundle."""
    response = await client.get(f"{FHIR}/{resource_type}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle: dict[str, Any] = response.json()
    Bundle.model_validate(bundle)
    for entry in bundle.get("entry", []):
        model.model_validate(entry["resource"])
    return bundle
