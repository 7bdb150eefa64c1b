"""The bulk export's use cases with fakes of their ports: kick-off checks ``_type`` and schedules
the job in its commit; the job writes pages as they come, split into files, records progress per
page, stops when the export is cancelled meanwhile and fails for good on a disk error."""

import copy
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from prm.application.fhir_export.kick_off_export import RUN_TASK, KickOffExport, KickOffExportCommand
from prm.application.fhir_export.ports import (
    ExportableType,
    ExportableTypes,
    ExportFileStore,
    ExportFileWriter,
    ExportLimits,
    ExportRepository,
    Resource,
    ResourceSource,
)
from prm.application.fhir_export.run_export import EXPIRE_TASK, RunExport
from prm.application.shared.context import Principal, PrincipalKind, RequestContext
from prm.domain.fhir_export.errors import ExportNotAllowed, UnsupportedResourceType
from prm.domain.fhir_export.model import BulkExport, ExportFile, ExportId, ExportLevel, ExportStatus
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId, new_id
from tests.fakes import NOW, FakeJobScheduler, FakeUnitOfWork, FixedClock, InMemoryAuditTrail

TENANT = TenantId(new_id())


class InMemoryExports(ExportRepository):
    def __init__(self) -> None:
        self.rows: dict[ExportId, BulkExport] = {}
        self.progress: list[int] = []

    async def add(self, export: BulkExport) -> None:
        self.rows[export.id] = copy.deepcopy(export)

    async def get(self, export_id: ExportId) -> BulkExport | None:
        found = self.rows.get(export_id)
        return copy.deepcopy(found) if found else None

    async def save(self, export: BulkExport, *, expected_version: int) -> None:
        if self.rows[export.id].version != expected_version:
            raise StaleVersion("changed")
        export.version = expected_version + 1
        self.rows[export.id] = copy.deepcopy(export)

    async def record_progress(self, export_id: ExportId, written: int, total: int | None) -> bool:
        row = self.rows[export_id]
        if row.status is not ExportStatus.IN_PROGRESS:
            return False
        row.written, row.total = written, total
        self.progress.append(written)
        return True


class ListSource(ResourceSource):
    def __init__(self, resources: list[dict[str, Any]], on_page: Any = None) -> None:
        self.resources = resources
        self.on_page = on_page

    async def count(self, since: datetime | None) -> int:
        return len(self.resources)

    async def pages(self, since: datetime | None, size: int) -> AsyncIterator[Sequence[Resource]]:
        for start in range(0, len(self.resources), size):
            if self.on_page:
                self.on_page()
            yield self.resources[start : start + size]


class MemoryWriter(ExportFileWriter):
    def __init__(self, lines: list[Resource], broken: bool) -> None:
        self.lines, self.broken = lines, broken

    def write(self, resources: Sequence[Resource]) -> None:
        if self.broken:
            raise OSError(28, "No space left on device")
        self.lines.extend(resources)

    def close(self) -> None:
        pass


class MemoryFiles(ExportFileStore):
    def __init__(self, broken: bool = False) -> None:
        self.files: dict[str, list[Resource]] = {}
        self.broken = broken

    def create(self, export_id: ExportId, name: str) -> ExportFileWriter:
        self.files[name] = []
        return MemoryWriter(self.files[name], self.broken)

    def location(self, export_id: ExportId, name: str) -> str | None:
        return name if name in self.files else None

    def remove(self, export_id: ExportId) -> None:
        self.files.clear()


def _patients(n: int) -> list[dict[str, Any]]:
    return [{"resourceType": "Patient", "id": str(i)} for i in range(n)]


def _types(patients: ResourceSource, practitioners: ResourceSource | None = None) -> ExportableTypes:
    return ExportableTypes(
        [
            ExportableType("Patient", patients, True, "patients:read"),
            ExportableType("Practitioner", practitioners or ListSource([]), False, "practitioners:read"),
        ]
    )


READER = Principal(PrincipalKind.USER, id="user-1", permissions=frozenset({"patients:read", "practitioners:read"}))


async def _kick_off(
    exports: InMemoryExports, types: ExportableTypes, principal: Principal = READER, **command: Any
) -> tuple[BulkExport, Any]:
    jobs, audit, uow = FakeJobScheduler(), InMemoryAuditTrail(), FakeUnitOfWork()
    context = RequestContext(tenant_id=TENANT, principal=principal)
    kick_off = KickOffExport(exports, types, jobs, audit, uow, FixedClock(), context)
    values: dict[str, Any] = {"level": ExportLevel.SYSTEM, "resource_types": None, "since": None, "request_url": "u"}
    export = await kick_off(KickOffExportCommand(**{**values, **command}))
    return export, (jobs, audit, uow)


def _run(exports: InMemoryExports, types: ExportableTypes, files: MemoryFiles, jobs: FakeJobScheduler) -> RunExport:
    limits = ExportLimits(page_size=2, file_size=3, retention=timedelta(hours=24))
    return RunExport(exports, types, files, limits, jobs, FakeUnitOfWork(), FixedClock())


async def test_kick_off_records_schedules_and_audits_in_one_commit() -> None:
    exports = InMemoryExports()
    export, (jobs, audit, uow) = await _kick_off(exports, _types(ListSource([])))
    assert export.request.resource_types == ("Patient", "Practitioner")
    assert export.requested_by == "user-1"
    assert [(j.task, j.args) for j in jobs.jobs] == [(RUN_TASK, {"export_id": str(export.id)})]
    assert audit.events == [("export", "fhir_export", export.id, ())]
    assert uow.commits == 1


@pytest.mark.parametrize(
    ("level", "types"),
    [(ExportLevel.SYSTEM, ("Patient", "Observation")), (ExportLevel.PATIENT, ("Practitioner",))],
)
async def test_kick_off_refuses_a_type_it_cannot_export(level: ExportLevel, types: tuple[str, ...]) -> None:
    with pytest.raises(UnsupportedResourceType) as raised:
        await _kick_off(InMemoryExports(), _types(ListSource([])), level=level, resource_types=types)
    assert raised.value.field == "_type"


async def test_a_caller_exports_only_the_types_it_may_read() -> None:
    nurse = Principal(PrincipalKind.USER, id="nurse", permissions=frozenset({"patients:read"}))
    export, _ = await _kick_off(InMemoryExports(), _types(ListSource([])), nurse)
    assert export.request.resource_types == ("Patient",)
    with pytest.raises(ExportNotAllowed):
        await _kick_off(InMemoryExports(), _types(ListSource([])), nurse, resource_types=("Practitioner",))


async def test_the_job_splits_files_records_progress_per_page_and_schedules_expiry() -> None:
    exports, files, jobs = InMemoryExports(), MemoryFiles(), FakeJobScheduler()
    types = _types(ListSource(_patients(7)), ListSource([{"resourceType": "Practitioner", "id": "p"}]))
    export, _ = await _kick_off(exports, types)
    done = await _run(exports, types, files, jobs)(export.id)
    assert done is not None
    assert done.status is ExportStatus.COMPLETED
    assert done.files == (
        ExportFile("Patient", "Patient.ndjson", 3),
        ExportFile("Patient", "Patient-2.ndjson", 3),
        ExportFile("Patient", "Patient-3.ndjson", 1),
        ExportFile("Practitioner", "Practitioner.ndjson", 1),
    )
    assert [r["id"] for r in files.files["Patient-2.ndjson"]] == ["3", "4", "5"]
    assert exports.progress == [0, 2, 4, 6, 7, 8]
    assert done.expires_at == NOW + timedelta(hours=24)
    assert [(j.task, j.at) for j in jobs.jobs] == [(EXPIRE_TASK, done.expires_at)]


async def test_a_cancel_during_the_run_stops_it_and_deletes_its_files() -> None:
    exports, files, jobs = InMemoryExports(), MemoryFiles(), FakeJobScheduler()
    pages = 0

    def cancel_on_the_second_page() -> None:
        nonlocal pages
        pages += 1
        if pages == 2:
            row = exports.rows[export.id]
            exports.rows[export.id] = replace(row, status=ExportStatus.CANCELLED, version=row.version + 1)

    types = _types(ListSource(_patients(10), on_page=cancel_on_the_second_page))
    export, _ = await _kick_off(exports, types)
    done = await _run(exports, types, files, jobs)(export.id)
    assert done is not None
    assert done.status is ExportStatus.CANCELLED
    assert pages == 2
    assert files.files == {}
    assert jobs.jobs == []


async def test_a_disk_error_fails_the_export_with_the_reason() -> None:
    exports, files, jobs = InMemoryExports(), MemoryFiles(broken=True), FakeJobScheduler()
    types = _types(ListSource(_patients(3)))
    export, _ = await _kick_off(exports, types)
    done = await _run(exports, types, files, jobs)(export.id)
    assert done is not None
    assert done.status is ExportStatus.FAILED
    assert done.error == "the export could not be written (No space left on device)"


async def test_a_second_run_of_a_finished_export_does_nothing() -> None:
    exports, files, jobs = InMemoryExports(), MemoryFiles(), FakeJobScheduler()
    types = _types(ListSource(_patients(1)))
    export, _ = await _kick_off(exports, types)
    run = _run(exports, types, files, jobs)
    first = await run(export.id)
    again = await run(export.id)
    assert first is not None
    assert again is not None
    assert again.version == first.version
    assert len(jobs.jobs) == 1
