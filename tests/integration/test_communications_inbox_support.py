"""The helper other suites use to get an inbox thread works on both databases."""

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.inbox_support import a_thread


async def test_a_thread_is_made_through_the_signed_webhook(client: AsyncTestClient[Litestar]) -> None:
    thread_id = await a_thread(client)
    found = await client.get(f"/api/v1/prm/communications/threads/{thread_id}")
    assert found.status_code == 200, found.text
    assert found.json()["messages"]["items"][0]["message"] == "hello"
