"""Background work as users run it, in real processes.

- ``prm worker`` on PostgreSQL, killed with SIGKILL in the middle of a backlog and started again:
  every event reaches the webhook receiver, no handler handles an event twice, and a webhook that
  arrives twice carries the same ``webhook-id``.
- Two ``prm worker`` processes on one backlog: no job runs twice.
- ``prm serve`` on SQLite with its in-process worker (what ``make run`` starts): a signed
  ``appointment.booked`` (here ``patient.registered``) delivery arrives within seconds.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy as sa

from prm.adapters.sql import migrate
from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.outbox_tables import outbox, processed_events
from prm.adapters.sql.webhooks_tables import webhook_deliveries
from prm.application.patients.register_patient import RegisterPatient
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import PASSWORD, create_tenant, create_user
from tests.integration.fresh_databases import fresh_database
from tests.served import served
from tests.unit.patients.builders import patient_input
from tests.unit.webhooks.receiver import Receiver, webhook_receiver

BACKLOG = 120
FANOUT = "webhooks.FanOutToWebhooks"


def _prm() -> str:
    local = Path(sys.executable).with_name("prm")
    return str(local) if local.exists() else "prm"


@contextmanager
def worker_process(
    database_url: str, log: Path, extra_env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``prm worker`` on ``database_url`` (``extra_env``: more ``PRM_*`` settings), stopped with
    SIGTERM on the way out (SIGKILL after 40 s)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update({"PRM_DATABASE_URL": database_url, "PRM_ENV": "test", "PRM_LOG_LEVEL": "info", **(extra_env or {})})
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [_prm(), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


async def _tenant_with_subscription(database_url: str, receiver: Receiver) -> tuple[Settings, str]:
    """A tenant, an admin, and a subscription of ``patient.*`` to ``receiver``; returns the settings
    of that tenant and the subscription's secret."""
    settings = Settings(database_url=database_url, env="test", access_log=False, log_level="warning", worker="off")
    tenant = await create_tenant(settings, uuid4())
    settings = Settings(
        database_url=database_url,
        env="test",
        access_log=False,
        log_level="warning",
        worker="off",
        default_tenant_id=tenant,
    )
    email = await create_user(settings, tenant, ("admin",))
    from litestar.testing import AsyncTestClient

    from prm.entrypoints.http.app import create_app

    async with AsyncTestClient(create_app(settings)) as client:
        login = await client.post("/api/v1/prm/auth/login", json={"email": email, "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {login.json()['access']}"
        created = await client.post(
            "/api/v1/prm/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["patient.*"]}
        )
        assert created.status_code == 201, created.text
        return settings, str(created.json()["secret"])


async def _register(settings: Settings, count: int) -> list[UUID]:
    async with Prm.open(settings) as prm:
        return [(await prm.run(RegisterPatient, patient_input(mrn=f"W-{uuid4().hex[:8]}"))).id for _ in range(count)]


def _delivered(receiver: Receiver, secret: str) -> dict[str, set[str]]:
    """webhook-id -> the event ids it carried (verifying every signature)."""
    seen: dict[str, set[str]] = {}
    for message in list(receiver.received):
        body = message.verify(secret)
        seen.setdefault(message.headers["webhook-id"], set()).add(body["data"]["id"])
    return seen


async def _handled_once(settings: Settings) -> tuple[int, int, int]:
    """(the tenant's outbox events, processed records of the fan-out handler, delivery rows)."""
    async with Prm.open(settings) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        async with database.connect(settings.default_tenant_id) as connection:
            records = await connection.execute(
                sa.select(sa.func.count())
                .select_from(processed_events)
                .where(processed_events.c.tenant_id == settings.default_tenant_id, processed_events.c.handler == FANOUT)
            )
            events = await connection.execute(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.tenant_id == settings.default_tenant_id)
            )
            deliveries = await connection.execute(
                sa.select(sa.func.count())
                .select_from(webhook_deliveries)
                .where(webhook_deliveries.c.tenant_id == settings.default_tenant_id)
            )
            return int(events.scalar_one()), int(records.scalar_one()), int(deliveries.scalar_one())


@contextmanager
def migrated(backend: str, folder: Path) -> Iterator[str]:
    with fresh_database(backend, folder) as url:
        migrate.upgrade(url)
        yield url


def test_a_worker_killed_mid_backlog_loses_and_doubles_nothing(tmp_path: Path) -> None:
    with migrated("postgresql", tmp_path) as url, webhook_receiver() as receiver:
        settings, secret = asyncio.run(_tenant_with_subscription(url, receiver))
        asyncio.run(_register(settings, BACKLOG))
        log = tmp_path / "worker.log"
        with worker_process(url, log) as first:
            wait_for(lambda: len(receiver.received) >= BACKLOG // 4, 60, "the first deliveries")
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        with worker_process(url, log):
            wait_for(lambda: len(_delivered(receiver, secret)) >= BACKLOG, 120, "every delivery")
        delivered = _delivered(receiver, secret)
        assert all(len(events) == 1 for events in delivered.values())  # a repeat has the same webhook-id
        assert len({e for events in delivered.values() for e in events}) == BACKLOG
        events, records, deliveries = asyncio.run(_handled_once(settings))
        assert events == BACKLOG + 1  # the patients, and the subscription's own webhook.subscription_created
        assert (records, deliveries) == (events, BACKLOG)  # the fan-out handled each event once


def test_two_workers_share_a_backlog_and_no_job_runs_twice(tmp_path: Path) -> None:
    with migrated("postgresql", tmp_path) as url, webhook_receiver() as receiver:
        settings, secret = asyncio.run(_tenant_with_subscription(url, receiver))
        asyncio.run(_register(settings, BACKLOG))
        with worker_process(url, tmp_path / "a.log"), worker_process(url, tmp_path / "b.log"):
            wait_for(lambda: len(_delivered(receiver, secret)) >= BACKLOG, 120, "every delivery")
            time.sleep(1.0)  # a job run twice would arrive now
        assert len(receiver.received) == BACKLOG  # each delivery job ran exactly once
        events, records, deliveries = asyncio.run(_handled_once(settings))
        assert (records, deliveries) == (events, BACKLOG)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_make_run_shows_background_work_a_signed_delivery_arrives(tmp_path: Path, backend: str) -> None:
    with migrated(backend, tmp_path) as url, webhook_receiver() as receiver:
        with served(url, tmp_path / "serve.log", env="development", worker="on") as server:
            tenant = asyncio.run(create_tenant(Settings(database_url=url, env="test", worker="off"), uuid4()))
            settings = Settings(database_url=url, env="test", worker="off", default_tenant_id=tenant)
            email = asyncio.run(create_user(settings, tenant, ("admin",)))
            with httpx.Client(base_url=server.base_url, timeout=10) as client:
                login = client.post("/api/v1/prm/auth/login", json={"email": email, "password": PASSWORD})
                client.headers["Authorization"] = f"Bearer {login.json()['access']}"
                created = client.post(
                    "/api/v1/prm/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["patient.*"]}
                )
                assert created.status_code == 201, created.text
                secret = created.json()["secret"]
                began = time.monotonic()
                patient = client.post(
                    "/api/v1/prm/patients", json={"name": {"family": "Okafor", "given": ["Ada"]}, "mrn": "RUN-1"}
                )
                assert patient.status_code == 201, patient.text
                wait_for(lambda: len(receiver.received) >= 1, 15, "the webhook")
                took = time.monotonic() - began
        body = receiver.received[0].verify(secret)
        assert body["type"] == "patient.registered"
        assert body["data"]["aggregate_id"] == patient.json()["id"]
        assert took < 10
