"""The timeline's k-way merge over fake sources and its cursor (no database): pages in total
order without gaps or repeats, each source asked once for ``limit + 1``, the kind filter, the
cursor's round trip and refusal of foreign ones."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prm.application.patients.get_patient_timeline import GetPatientTimeline, PatientTimelineQuery
from prm.application.patients.inputs import build_details
from prm.application.patients.timeline_ports import TimelineEntry, TimelineKind, TimelinePosition, TimelineSource
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId, TenantId
from tests.fakes import FakeUnitOfWork, InMemoryAuditTrail, InMemoryPatients
from tests.unit.patients.builders import patient_input

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TENANT = TenantId(uuid4())


class ListSource(TimelineSource):
    """Entries in memory, answered as the SQL sources do; ``asked`` keeps each call's limit."""

    def __init__(self, kind: TimelineKind, entries: Sequence[TimelineEntry]) -> None:
        self.kind = kind
        self._entries = sorted(entries, key=lambda e: e.key, reverse=True)
        self.asked: list[int] = []

    async def before(
        self, patient_id: PatientId, position: TimelinePosition | None, limit: int
    ) -> Sequence[TimelineEntry]:
        self.asked.append(limit)
        after = [e for e in self._entries if position is None or e.key < position.key]
        return after[:limit]


def _entries(kind: TimelineKind, minutes: Sequence[int]) -> list[TimelineEntry]:
    return [
        TimelineEntry(at=T0 + timedelta(minutes=m), kind=kind, event=f"{kind.value}.happened", id=uuid4())
        for m in minutes
    ]


async def _setup(
    sources: Sequence[TimelineSource],
) -> tuple[GetPatientTimeline, PatientId, InMemoryAuditTrail, FakeUnitOfWork]:
    patients = InMemoryPatients()
    patient = Patient.register(
        tenant_id=TENANT, details=build_details(patient_input(), mrn="MRN-0001", region="US"), now=T0
    )
    await patients.add(patient)
    audit, uow = InMemoryAuditTrail(), FakeUnitOfWork()
    return GetPatientTimeline(patients, sources, audit, uow), patient.id, audit, uow


async def _walk(use_case: GetPatientTimeline, patient_id: PatientId, limit: int, **extra: object) -> list[UUID]:
    seen: list[UUID] = []
    after = None
    while True:
        page = await use_case(PatientTimelineQuery(patient_id=patient_id, after=after, limit=limit, **extra))  # type: ignore[arg-type]
        seen += [e.id for e in page.items]
        if page.next is None:
            return seen
        after = page.next


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), max_size=25), min_size=1, max_size=4),
    st.integers(1, 7),
)
async def test_pages_hold_every_entry_once_in_order(minutes: list[list[int]], limit: int) -> None:
    kinds = list(TimelineKind)
    sources = [ListSource(kinds[i], _entries(kinds[i], m)) for i, m in enumerate(minutes)]
    use_case, patient_id, _, _ = await _setup(sources)
    everything = sorted((e for s in sources for e in s._entries), key=lambda e: e.key, reverse=True)
    assert await _walk(use_case, patient_id, limit) == [e.id for e in everything]
    assert all(asked == limit + 1 for s in sources for asked in s.asked)


async def test_kinds_filter_asks_only_those_sources_and_the_read_is_audited() -> None:
    appointments = ListSource(TimelineKind.APPOINTMENT, _entries(TimelineKind.APPOINTMENT, [1, 2, 3]))
    messages = ListSource(TimelineKind.MESSAGE, _entries(TimelineKind.MESSAGE, [4, 5]))
    use_case, patient_id, audit, uow = await _setup([appointments, messages])
    page = await use_case(PatientTimelineQuery(patient_id=patient_id, kinds=frozenset({TimelineKind.MESSAGE})))
    assert [e.kind for e in page.items] == [TimelineKind.MESSAGE] * 2
    assert (appointments.asked, messages.asked, page.next) == ([], [21], None)
    assert audit.events == [("read", "patient", patient_id, ())]
    assert uow.commits == 1


async def test_unknown_patient_and_bad_limits_are_refused() -> None:
    use_case, patient_id, _, _ = await _setup([])
    with pytest.raises(PatientNotFound):
        await use_case(PatientTimelineQuery(patient_id=PatientId(uuid4())))
    for limit in (0, 101):
        with pytest.raises(RuleViolated):
            await use_case(PatientTimelineQuery(patient_id=patient_id, limit=limit))


def test_a_cursor_round_trips_and_a_foreign_one_is_refused() -> None:
    position = TimelinePosition(T0 + timedelta(microseconds=5), "appointment.booked", uuid4())
    assert TimelinePosition.decode(position.encode()) == position
    for bad in ("", "not-base64!", "aGVsbG8", TimelinePosition(T0, "x", uuid4()).encode()[:-3]):
        with pytest.raises(RuleViolated):
            TimelinePosition.decode(bad)
