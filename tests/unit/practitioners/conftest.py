"""Fixtures of the practitioners unit tests: one tenant's in-memory world at a fixed time."""

from datetime import UTC, datetime

import pytest

from prm.domain.shared.ids import TenantId, new_id
from tests.unit.practitioners.fakes import FakeUnitOfWork, FixedClock, InMemoryOutbox, InMemoryPractitioners

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TENANT = TenantId(new_id())


@pytest.fixture
def store() -> InMemoryPractitioners:
    return InMemoryPractitioners(TENANT)


@pytest.fixture
def outbox() -> InMemoryOutbox:
    return InMemoryOutbox()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)
