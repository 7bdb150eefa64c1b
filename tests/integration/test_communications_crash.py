"""Sending effectively once, with a real ``prm worker`` killed mid-batch (issue 11's crash test).

A tenant sends SMS through the loopback Twilio server, which answers slowly so that a batch is
in flight. The worker is killed with SIGKILL while the provider is accepting messages, after some
were accepted and before the worker recorded them; a second worker recovers: it looks each
message left ``sending`` up at the provider before sending again. At the end every message is
``sent`` with the provider's id, and the provider received each exactly once.
"""

import asyncio
import os
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from prm.adapters.sql import migrate
from prm.adapters.sql.communications_messages_tables import communication_messages
from prm.adapters.sql.connection import SqlDatabase
from prm.entrypoints.http.app import create_app
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import PASSWORD, create_tenant, create_user
from tests.integration.fresh_databases import fresh_database
from tests.integration.test_worker_processes import wait_for, worker_process
from tests.providers import TwilioServer

MESSAGES = 60
API = "/api/v1/prm"


@contextmanager
def worker(database_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with worker_process(
        database_url,
        log,
        # recovery finds a dead worker's batch in seconds
        {"PRM_DISPATCH_LEASE_SECONDS": "3", "PRM_DISPATCH_CONCURRENCY": "8"},
    ) as process:
        yield process


async def _tenant_sending_through(database_url: str, twilio: TwilioServer) -> Settings:
    """A tenant whose SMS go to ``twilio``, with ``MESSAGES`` messages queued; its settings."""
    base = Settings(database_url=database_url, env="test", access_log=False, log_level="warning", worker="off")
    tenant = await create_tenant(base, uuid4())
    settings = Settings(
        database_url=database_url,
        env="test",
        access_log=False,
        log_level="warning",
        worker="off",
        default_tenant_id=tenant,
    )
    email = await create_user(settings, tenant, ("admin",))
    async with AsyncTestClient(create_app(settings)) as client:
        login = await client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {login.json()['access']}"
        configured = await client.put(
            f"{API}/communications/providers/sms",
            json={
                "kind": "twilio",
                "settings": {
                    "account_sid": twilio.account_sid,
                    "from_number": "+15005550006",
                    "base_url": twilio.base_url,
                },
                "secrets": {"auth_token": twilio.auth_token},
            },
        )
        assert configured.status_code == 200, configured.text
        always = await client.put(  # no quiet hours: the test runs at any hour
            f"{API}/communications/settings",
            json={"quiet_hours": {"start": "00:00", "end": "00:00"}, "time_zone": "UTC"},
        )
        assert always.status_code == 200, always.text
        for i in range(MESSAGES):
            created = await client.post(
                f"{API}/communications",
                json={"channel": "sms", "recipient": f"+1617555{i:04d}", "message": f"Crash test message {i}"},
            )
            assert created.status_code == 201, created.text
    return settings


async def _statuses(settings: Settings) -> dict[str, tuple[str, str | None]]:
    """body -> (status, provider message id) of the tenant's messages."""
    async with Prm.open(settings) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        async with database.connect(settings.default_tenant_id) as connection:
            rows = await connection.execute(
                sa.select(
                    communication_messages.c.body,
                    communication_messages.c.status,
                    communication_messages.c.provider_message_id,
                ).where(communication_messages.c.tenant_id == settings.default_tenant_id)
            )
            return {row.body: (row.status, row.provider_message_id) for row in rows}


def test_a_worker_killed_while_a_batch_is_sending_sends_every_message_exactly_once(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url, TwilioServer() as twilio:
        migrate.upgrade(url)
        settings = asyncio.run(_tenant_sending_through(url, twilio))
        twilio.delay(MESSAGES, 0.4)  # every send takes 0.4 s: a batch is always in flight
        log = tmp_path / "worker.log"
        with worker(url, log) as first:
            try:
                wait_for(lambda: len(twilio.messages) >= 12, 60, "the first accepted messages")
            except AssertionError:
                raise AssertionError(Counter(s for s, _ in asyncio.run(_statuses(settings)).values())) from None
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        accepted_before_restart = len(twilio.messages)
        assert accepted_before_restart < MESSAGES  # killed mid-backlog

        def all_sent() -> bool:
            statuses = asyncio.run(_statuses(settings))
            return len(statuses) == MESSAGES and all(status == "sent" for status, _ in statuses.values())

        with worker(url, log):
            wait_for(all_sent, 120, "every message sent")
        received = Counter(message.body for message in twilio.messages)
        assert set(received) == {f"Crash test message {i}" for i in range(MESSAGES)}
        assert [body for body, times in received.items() if times > 1] == []  # none sent twice
        sids = {message.body: message.sid for message in twilio.messages}
        statuses = asyncio.run(_statuses(settings))
        assert {body: sid for body, (_, sid) in statuses.items()} == sids  # ours match the provider's
