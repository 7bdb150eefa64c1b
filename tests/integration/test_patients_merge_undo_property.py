"""Property: for any rows of every context for two patients (threads and preferences colliding
on their unique keys included), a merge leaves no reference to the source, and its undo restores
every table of the tenant exactly (issue 13). Run on SQLite and PostgreSQL, each example in a
transaction of its own that is rolled back."""

import asyncio
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.engine import make_database
from prm.adapters.sql.patients import SqlPatientRepository
from prm.adapters.sql.patients_merges import SqlPatientMerges
from prm.application.patients.inputs import build_details
from prm.application.patients.merge_patients import MergePatients, MergePatientsCommand
from prm.application.patients.undo_patient_merge import UndoPatientMerge
from prm.application.shared.context import Principal, PrincipalKind, RequestContext
from prm.domain.patients.model import Identifier, Patient, PatientStatus
from prm.domain.shared.ids import PatientId, TenantId
from prm.ioc.patients_merge import reference_adapters
from tests.fakes import NOW, FakeUnitOfWork, FixedClock, InMemoryAuditTrail, InMemoryOutbox
from tests.integration.merge_support import (
    PATIENT_TABLES,
    TAG_POOL,
    insert,
    journey_version,
    row,
    snapshot,
    tag_links,
    tag_pool,
)
from tests.unit.patients.builders import patient_input

CHANNELS = ("sms", "email", "whatsapp")
EVENT_TYPES = ("appointment_reminder", "survey", "campaign")
SIMPLE = tuple(
    t
    for t in PATIENT_TABLES
    if t not in {"communication_threads", "communication_messages", "communication_preferences", "tag_links"}
)


@dataclass(frozen=True)
class Side:
    """What one patient has: rows per simple table, thread channels (with unread counts),
    messages per thread channel (or none), preference keys, tags (indexes into the tenant's pool)."""

    simple: dict[str, int]
    threads: dict[str, int]
    messages: list[str | None]
    preferences: frozenset[tuple[str, str]]
    tags: frozenset[int] = frozenset()


sides = st.builds(
    Side,
    simple=st.fixed_dictionaries({t: st.integers(0, 2) for t in SIMPLE}),
    threads=st.dictionaries(st.sampled_from(CHANNELS), st.integers(0, 3), max_size=3),
    messages=st.lists(st.one_of(st.none(), st.sampled_from(CHANNELS)), max_size=5),
    preferences=st.frozensets(st.tuples(st.sampled_from(EVENT_TYPES), st.sampled_from(CHANNELS)), max_size=4),
    tags=st.frozensets(st.integers(0, TAG_POOL - 1)),
)


def _patient(tenant: TenantId, mrn: str) -> Patient:
    details = build_details(patient_input(mrn=mrn), mrn=mrn, region="US")
    if mrn.startswith("S"):
        extra = Identifier(system="http://hl7.org/fhir/sid/us-ssn", value=f"999-{mrn}", type="SS")
        details = build_details(patient_input(mrn=mrn, identifiers=(extra,)), mrn=mrn, region="US")
    return Patient.register(tenant_id=tenant, details=details, now=NOW, patient_id=PatientId(uuid4()))


async def _write(
    connection: SqlConnection, tenant: UUID, patient: UUID, side: Side, journey: dict[str, Any], tags: list[UUID]
) -> None:
    for table, n in side.simple.items():
        extra = journey if table == "journey_instances" else {}
        await insert(connection, table, [row(table, tenant, patient_id=patient, **extra) for _ in range(n)])
    threads = {
        c: row("communication_threads", tenant, patient_id=patient, channel=c, unread_count=u)
        for c, u in side.threads.items()
    }
    await insert(connection, "communication_threads", list(threads.values()))
    messages = [
        row("communication_messages", tenant, patient_id=patient, thread_id=threads[c]["id"] if c in threads else None)
        for c in side.messages
    ]
    await insert(connection, "communication_messages", messages)
    await insert(
        connection,
        "communication_preferences",
        [
            row("communication_preferences", tenant, patient_id=patient, event_type=e, channel=c)
            for e, c in side.preferences
        ],
    )
    await insert(connection, "tag_links", tag_links(tenant, patient, [tags[i] for i in sorted(side.tags)]))


def _use_cases(connection: SqlConnection, tenant: TenantId) -> tuple[MergePatients, UndoPatientMerge]:
    context = RequestContext(tenant_id=tenant, principal=Principal(PrincipalKind.USER, "tester"))
    parts = {
        "patients": SqlPatientRepository(connection, tenant),
        "merges": SqlPatientMerges(connection, tenant),
        "references": reference_adapters(connection, tenant),
        "outbox": InMemoryOutbox(),
        "uow": FakeUnitOfWork(),
        "clock": FixedClock(),
        "context": context,
        "audit": InMemoryAuditTrail(),
    }
    return MergePatients(**parts), UndoPatientMerge(**parts)  # type: ignore[arg-type]


async def _example(url: str, source_side: Side, target_side: Side, candidates: bool) -> None:
    database = make_database(url)
    tenant = TenantId(uuid4())
    try:
        async with database.connect(tenant) as connection:  # never committed: rolled back
            repository = SqlPatientRepository(connection, tenant)
            source, target = _patient(tenant, "S-1"), _patient(tenant, "T-1")
            await repository.add_many([source, target])
            journey = await journey_version(connection, tenant)
            tags = await tag_pool(connection, tenant)
            await _write(connection, tenant, source.id, source_side, journey, tags)
            await _write(connection, tenant, target.id, target_side, journey, tags)
            if candidates:
                unmatched = row(
                    "communication_threads",
                    tenant,
                    patient_id=None,
                    channel="sms",
                    unmatched_address="+15550001",
                    candidate_patient_ids=[str(source.id), str(target.id)],
                )
                await insert(connection, "communication_threads", [unmatched])
            before = await snapshot(connection, tenant)
            merge, undo = _use_cases(connection, tenant)
            outcome = await merge(MergePatientsCommand(source_id=source.id, target_id=target.id, fields=("telecom",)))
            for references in reference_adapters(connection, tenant):
                assert await references.count(source.id) == 0, references.context
            merged = await repository.get(source.id)
            assert merged is not None
            assert merged.status is PatientStatus.MERGED
            expected = sum(source_side.simple.values()) + len(source_side.messages)
            assert sum(outcome.record.counts.values()) >= expected
            await undo(outcome.record.id)
            after = await snapshot(connection, tenant)
            for table, rows in before.items():
                assert after[table] == rows, table
    finally:
        await database.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("_sqlite_url" if request.param == "sqlite" else "_postgres_url"))


def test_merge_then_undo_restores_every_table_and_merge_leaves_no_reference(url: str) -> None:
    runner = asyncio.Runner()

    @settings(
        max_examples=25,
        deadline=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),  # shrinking a database example takes minutes
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(source_side=sides, target_side=sides, candidates=st.booleans())
    def check(source_side: Side, target_side: Side, candidates: bool) -> None:
        runner.run(_example(url, source_side, target_side, candidates))

    try:
        check()
    finally:
        runner.close()


def test_every_table_holding_a_patient_id_is_re_pointed_by_a_merge() -> None:
    """A new table with a ``patient_id`` column must get a ``PatientReferences`` adapter (and a
    place in ``PATIENT_TABLES``, so that the property above covers it)."""
    from prm.adapters.sql.schema import metadata

    own = {  # the patients context's own (match keys: rewritten with the patient by the repository)
        "patients",
        "patient_identifiers",
        "patient_name_tokens",
        "patient_merges",
        "patient_match_keys",
    }
    holding = {name for name, table in metadata.tables.items() if "patient_id" in table.c and name not in own}
    assert holding <= set(PATIENT_TABLES), sorted(holding - set(PATIENT_TABLES))
