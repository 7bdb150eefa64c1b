"""Destinations in production (``PRM_ENV=production``, private addresses refused by default): the
API answers 422 naming ``url`` for ``http://`` and for private addresses, at creation and update."""

import secrets
from typing import TypeAlias
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.settings import Settings

API = "/api/v1/prm/webhooks/subscriptions"
Client: TypeAlias = AsyncTestClient[Litestar]


@pytest.fixture
def settings(database_url: str, tenant_id: UUID) -> Settings:
    return Settings(
        database_url=database_url,
        env="production",
        default_tenant_id=tenant_id,
        access_log=False,
        log_level="warning",
        jwt_keys=f"test:{secrets.token_urlsafe(32)}",
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "http://93.184.216.34/hook",
        "https://localhost/hook",
        "https://10.0.0.8/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/",
    ],
)
async def test_unsafe_destinations_are_422_naming_url(client: Client, url: str) -> None:
    response = await client.post(API, json={"url": url, "event_types": ["*"]})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["code"], problem["errors"][0]["loc"]) == ("webhooks.unsafe_destination", ["body", "url"])


async def test_a_public_https_destination_is_taken_and_an_update_is_checked_too(client: Client) -> None:
    created = await client.post(API, json={"url": "https://93.184.216.34/hook", "event_types": ["patient.*"]})
    assert created.status_code == 201, created.text
    path = f"{API}/{created.json()['id']}"
    refused = await client.patch(path, json={"url": "https://127.0.0.1/"})
    assert (refused.status_code, refused.json()["errors"][0]["loc"]) == (422, ["body", "url"])
    assert (await client.get(path)).json()["url"] == "https://93.184.216.34/hook"
