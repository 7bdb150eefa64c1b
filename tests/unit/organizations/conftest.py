"""Fixtures of the organisations unit tests: one tenant's in-memory world at a fixed time."""

from datetime import UTC, datetime

import pytest

from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.shared.ids import TenantId, new_id
from tests.unit.organizations.fakes import (
    FakeUnitOfWork,
    FixedClock,
    InMemoryAuditTrail,
    InMemoryOrganizations,
    InMemoryOutbox,
)

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TENANT = TenantId(new_id())


@pytest.fixture
def store() -> InMemoryOrganizations:
    return InMemoryOrganizations(TENANT)


@pytest.fixture
def outbox() -> InMemoryOutbox:
    return InMemoryOutbox()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def audit() -> InMemoryAuditTrail:
    return InMemoryAuditTrail()


@pytest.fixture
def context() -> RequestContext:
    return RequestContext(tenant_id=TENANT, principal=SYSTEM, phone_region="SA")
