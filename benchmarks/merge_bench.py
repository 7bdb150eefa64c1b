"""Patient merge and undo on PostgreSQL (issue 13's target: a merge of a patient with 200
appointments and 1,000 messages in ≤ 200 ms).

A tenant gets ``background`` patients with a few appointments and messages each (so that the
re-pointing statements find the merged patients' rows among others), then ``merges`` pairs: each
source has 200 appointments, 1,000 messages in an SMS thread the survivor has too (the thread
collision: messages move into the survivor's thread), 5 tickets, 2 consents and 2 preferences; the
survivor a few of its own. After one warm-up pair (not counted), each pair is merged through the
library (``MergePatients``: one transaction with the patients, every context's references, the
merge record, audit and outbox), then each merge is undone (``UndoPatientMerge``). Reported: p50 and p95 of each, in ms.
"""

import asyncio
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from benchmarks.databases import postgres_database
from benchmarks.rows import filler_row

TENANT = UUID("00000000-0000-0000-0000-00000000000d")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class MergeResult:
    merges: int
    appointments: int
    messages: int
    background_patients: int
    rows_per_merge: int
    merge_p50_ms: float
    merge_p95_ms: float
    undo_p50_ms: float
    undo_p95_ms: float


def _row(table: sa.Table, n: int, **values: Any) -> dict[str, Any]:
    """:func:`~benchmarks.rows.filler_row` of this benchmark's tenant, the ``n``-th in time."""
    return filler_row(table, TENANT, T0 + timedelta(seconds=n), **values)


def _pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


async def _run(url: str, merges: int, background: int, appointments: int, messages: int) -> MergeResult:
    from prm.adapters.sql.appointments_tables import appointments as appointment_table
    from prm.adapters.sql.communications_consent_tables import communication_consents, communication_preferences
    from prm.adapters.sql.communications_inbox_tables import communication_threads
    from prm.adapters.sql.communications_messages_tables import communication_messages
    from prm.adapters.sql.connection import SqlDatabase
    from prm.adapters.sql.patients import SqlPatientRepository
    from prm.adapters.sql.tickets_tables import tickets
    from prm.application.patients.inputs import PatientInput, build_details
    from prm.application.patients.merge_patients import MergePatients, MergePatientsCommand
    from prm.application.patients.undo_patient_merge import UndoPatientMerge
    from prm.domain.patients.model import Patient
    from prm.domain.shared.ids import PatientId, TenantId
    from prm.domain.shared.person import HumanName
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    merges += 1  # the warm-up pair (see below)
    total = background + 2 * merges
    people = [
        Patient.register(
            tenant_id=TenantId(TENANT),
            details=build_details(
                PatientInput(name=HumanName(given=("Ana",), family=f"Merge{i}"), mrn=f"MB-{i:06d}"),
                mrn=f"MB-{i:06d}",
                region="US",
            ),
            now=T0,
            patient_id=PatientId(uuid4()),
        )
        for i in range(total)
    ]
    async with Prm.open(settings, tenant_id=TENANT) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        async with database.connect(TenantId(TENANT)) as connection:
            await SqlPatientRepository(connection, TenantId(TENANT)).add_many(people)

            async def put(table: sa.Table, rows: list[dict[str, Any]]) -> None:
                if rows:
                    await connection.execute(sa.insert(table), rows)

            for n, person in enumerate(people[:background], start=1):
                thread = _row(communication_threads, n, patient_id=person.id, channel="sms")
                await put(communication_threads, [thread])
                await put(appointment_table, [_row(appointment_table, n + k, patient_id=person.id) for k in range(3)])
                await put(
                    communication_messages,
                    [
                        _row(communication_messages, n + k, patient_id=person.id, thread_id=thread["id"])
                        for k in range(10)
                    ],
                )
            pairs = []
            for i in range(merges):
                source, target = people[background + 2 * i], people[background + 2 * i + 1]
                pairs.append((source.id, target.id))
                for who, many in ((source, True), (target, False)):
                    thread = _row(communication_threads, i, patient_id=who.id, channel="sms", unread_count=1)
                    await put(communication_threads, [thread])
                    count_a = appointments if many else 5
                    count_m = messages if many else 10
                    await put(
                        appointment_table, [_row(appointment_table, k, patient_id=who.id) for k in range(count_a)]
                    )
                    await put(
                        communication_messages,
                        [
                            _row(communication_messages, k, patient_id=who.id, thread_id=thread["id"])
                            for k in range(count_m)
                        ],
                    )
                    await put(tickets, [_row(tickets, k, patient_id=who.id) for k in range(5 if many else 1)])
                    await put(
                        communication_consents, [_row(communication_consents, k, patient_id=who.id) for k in range(2)]
                    )
                    await put(
                        communication_preferences,
                        [
                            _row(communication_preferences, k, patient_id=who.id, event_type=e, channel="sms")
                            for k, e in enumerate(("survey", "reminder" if many else "campaign"))
                        ],
                    )
            await connection.commit()
        async with database.connect(None) as connection:
            await connection.execute(sa.text("ANALYZE"))
            await connection.commit()

        merge_ms: list[float] = []
        records = []
        rows_per_merge = 0
        for source_id, target_id in pairs:
            started = time.perf_counter()
            outcome = await prm.run(MergePatients, MergePatientsCommand(source_id=source_id, target_id=target_id))
            merge_ms.append((time.perf_counter() - started) * 1000)
            records.append(outcome.record.id)
            rows_per_merge = sum(outcome.record.counts.values())
        undo_ms: list[float] = []
        for merge_id in reversed(records):
            started = time.perf_counter()
            await prm.run(UndoPatientMerge, merge_id)
            undo_ms.append((time.perf_counter() - started) * 1000)
        # The first merge and undo warm the pool's connections and prepared statements: not counted.
        merge_ms, undo_ms = merge_ms[1:], undo_ms[:-1]
    return MergeResult(
        merges=merges - 1,
        appointments=appointments,
        messages=messages,
        background_patients=background,
        rows_per_merge=rows_per_merge,
        merge_p50_ms=round(statistics.median(merge_ms), 1),
        merge_p95_ms=_pctl(merge_ms, 0.95),
        undo_p50_ms=round(statistics.median(undo_ms), 1),
        undo_p95_ms=_pctl(undo_ms, 0.95),
    )


def run_merge_bench(*, quick: bool = False) -> MergeResult:
    """Seed a fresh PostgreSQL database and time merges and undos (see the module docstring)."""
    with postgres_database() as url:
        return asyncio.run(
            _run(url, merges=5 if quick else 10, background=200 if quick else 2_000, appointments=200, messages=1_000)
        )


if __name__ == "__main__":
    print(run_merge_bench(quick=True))
