"""Batch upsert of practitioners by external id, with rejections per row."""

from datetime import timedelta

import pytest

from prm.application.practitioners.import_practitioners import ImportPractitioners, PractitionerRecord
from prm.application.practitioners.inputs import PractitionerInput
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.imports import Rejection, SourceRef
from prm.domain.practitioners.events import PractitionerRegistered, PractitionerUpdated
from prm.domain.practitioners.model import Organization
from tests.unit.practitioners.conftest import NOW, TENANT
from tests.unit.practitioners.fakes import (
    FakeUnitOfWork,
    FixedClock,
    InMemoryAuditTrail,
    InMemoryOutbox,
    InMemoryPractitioners,
)


@pytest.fixture
def run(
    store: InMemoryPractitioners, outbox: InMemoryOutbox, uow: FakeUnitOfWork, clock: FixedClock
) -> ImportPractitioners:
    return ImportPractitioners(
        store, outbox, uow, clock, RequestContext(tenant_id=TENANT, principal=SYSTEM), InMemoryAuditTrail()
    )


def record(line: int, external_id: str | None, last: str = "Smith", **more: object) -> PractitionerRecord:
    practitioner = PractitionerInput(first_name="John", last_name=last, external_id=external_id, **more)  # type: ignore[arg-type]
    return PractitionerRecord(source=SourceRef("providers.csv", line), practitioner=practitioner)


async def test_creates_then_updates_changed_rows_and_counts_unchanged_ones(
    run: ImportPractitioners,
    store: InMemoryPractitioners,
    outbox: InMemoryOutbox,
    uow: FakeUnitOfWork,
    clock: FixedClock,
) -> None:
    practice = Organization(name="Clinic", phone="617-492-3500")
    first = await run([record(2, "p1", organization=practice), record(3, "p2", speciality="GENERAL PRACTICE")])
    assert (first.created, first.updated, first.unchanged, first.rejected) == (2, 0, 0, [])
    assert len(store.rows) == 2
    assert [type(e) for e in outbox.events] == [PractitionerRegistered, PractitionerRegistered]
    by_external_id = await store.get_many_by_external_id(["p1", "p2"])
    assert by_external_id["p1"].details.organization == Organization(name="Clinic", phone="+16174923500")

    clock.current = NOW + timedelta(days=1)
    second = await run([record(2, "p1", organization=practice), record(3, "p2", speciality="CARDIOLOGY")])
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 1, 1, [])
    p2 = (await store.get_many_by_external_id(["p2"]))["p2"]
    assert (p2.details.speciality, p2.version, p2.updated_at) == ("CARDIOLOGY", 2, clock.current)
    assert outbox.events[-1] == PractitionerUpdated(p2.id, ("speciality",))
    assert len(store.rows) == 2
    assert uow.commits == 2
    assert (store.add_many_calls, store.save_many_calls) == (2, 2)


async def test_bad_rows_are_rejected_with_line_and_field_and_the_rest_goes_on(
    run: ImportPractitioners, store: InMemoryPractitioners, uow: FakeUnitOfWork
) -> None:
    outcome = await run(
        [
            record(2, None),
            record(3, "p3", phone_primary="12"),
            record(4, "p4", organization=Organization(name="Clinic", phone="nope")),
            record(5, "p5", last=" "),
            record(6, "p6", license_number="L1"),
            record(7, "p6", last="Repeat"),
            record(8, "p8", license_number="L1"),
            record(9, "p9", organization=Organization(name="")),
            record(10, "p10"),
        ]
    )
    assert [(r.source.line, r.field) for r in outcome.rejected] == [
        (2, "external_id"),
        (3, "phone_primary"),
        (4, "organization.phone"),
        (5, "last_name"),
        (7, "external_id"),
        (8, "license_number"),
        (9, "organization.name"),
    ]
    assert outcome.rejected[4] == Rejection(
        SourceRef("providers.csv", 7), "external_id", "repeats the external_id of line 6"
    )
    assert (outcome.created, uow.commits) == (2, 1)
    assert set(await store.get_many_by_external_id(["p6", "p10"])) == {"p6", "p10"}


async def test_a_license_held_by_another_practitioner_is_rejected(
    run: ImportPractitioners, store: InMemoryPractitioners
) -> None:
    await run([record(2, "p1", license_number="L1")])
    outcome = await run([record(2, "p2", license_number="L1"), record(3, "p1", license_number="L1", prefix="Dr.")])
    assert [(r.source.line, r.field) for r in outcome.rejected] == [(2, "license_number")]
    assert (outcome.created, outcome.updated) == (0, 1)
    assert len(store.rows) == 1


async def test_an_empty_batch_writes_nothing(run: ImportPractitioners, store: InMemoryPractitioners) -> None:
    outcome = await run([])
    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.rejected, store.rows) == (0, 0, 0, [], {})
