"""The relay publishes every event to NATS JetStream (the server at 127.0.0.1:4222 this machine
runs): subject ``prm.<tenant>.<type>``, ``Nats-Msg-Id`` = the event id, so a repeat is dropped."""

import os
from collections.abc import AsyncIterator
from uuid import uuid4

import msgspec
import nats
import pytest
from dishka import AsyncContainer

from prm.adapters.events.nats_publisher import STREAM
from prm.application.patients.register_patient import RegisterPatient
from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.shared.ids import TenantId
from prm.entrypoints.library import LibraryContextProvider
from prm.entrypoints.worker.dispatch import ContainerDispatcher
from prm.entrypoints.worker.service import Worker
from prm.ioc import make_container
from prm.settings import Settings
from tests.unit.patients.builders import patient_input

NATS_URL = os.environ.get("PRM_TEST_NATS_URL", "nats://127.0.0.1:4222")


@pytest.fixture
async def nats_settings(settings: Settings) -> Settings:
    try:
        client = await nats.connect(NATS_URL, connect_timeout=3, max_reconnect_attempts=0)
    except Exception as exc:  # the suite needs the broker, as it needs PostgreSQL: a failure, never a skip
        raise RuntimeError(f"NATS at {NATS_URL} does not answer ({exc}); the suite needs it") from exc
    await client.close()
    return msgspec.structs.replace(settings, nats_url=NATS_URL)


@pytest.fixture
async def container(nats_settings: Settings) -> AsyncIterator[AsyncContainer]:
    container = make_container(nats_settings, LibraryContextProvider())
    yield container
    await container.close()


async def test_events_reach_jetstream_once_with_their_id(nats_settings: Settings, container: AsyncContainer) -> None:
    tenant = TenantId(nats_settings.default_tenant_id)
    context = RequestContext(tenant_id=tenant, principal=SYSTEM)
    async with container(context={RequestContext: context}) as scope:
        patient = await (await scope.get(RegisterPatient))(patient_input(mrn=f"NATS-{uuid4().hex[:6]}"))
    worker = Worker(nats_settings, container, dispatcher=ContainerDispatcher(container, event_handlers={}), periodic=())
    await worker.run_until_idle()
    await worker.close()

    client = await nats.connect(NATS_URL)
    try:
        js = client.jetstream()
        subscription = await js.pull_subscribe(f"prm.{tenant}.>", durable=None, stream=STREAM)
        messages = await subscription.fetch(10, timeout=5)
        bodies = [msgspec.json.decode(m.data) for m in messages]
        assert [(b["type"], b["aggregate_id"]) for b in bodies] == [("patient.registered", str(patient.id))]
        assert messages[0].subject == f"prm.{tenant}.patient.registered"
        assert messages[0].headers is not None
        assert messages[0].headers["Nats-Msg-Id"] == bodies[0]["id"]
        for m in messages:
            await m.ack()

        # The relay sending the same event again (it died before marking it published) adds nothing.
        again = await js.publish(
            f"prm.{tenant}.patient.registered", messages[0].data, headers={"Nats-Msg-Id": bodies[0]["id"]}
        )
        assert again.duplicate is True
    finally:
        await client.close()
