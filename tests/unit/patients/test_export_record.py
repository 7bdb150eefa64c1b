"""The export's paging of a context's rows and its CSV and JSON renderings (no database)."""

import csv
import io
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import uuid4

from prm.adapters.export.documents import PatientRecordDocuments
from prm.adapters.export.sources import collect_pages
from prm.application.patients.export_ports import Cell, ExportFormat, PatientRecord, RecordSection
from prm.application.shared.paging import Page, PageRequest
from prm.domain.shared.ids import PatientId


def _pages(total: int) -> tuple[Callable[[PageRequest], Awaitable[Page[int]]], list[int]]:
    asked: list[int] = []

    async def read(page: PageRequest) -> Page[int]:
        asked.append(page.page)
        start = page.offset
        return Page(list(range(start, min(start + page.page_size, total))), total, page.page, page.page_size)

    return read, asked


async def test_collect_reads_every_page_up_to_the_limit_and_says_when_it_stopped() -> None:
    read, asked = _pages(250)
    items, truncated = await collect_pages(read, 10_000)
    assert (items, truncated, asked) == (list(range(250)), False, [1, 2, 3])
    read, asked = _pages(250)
    items, truncated = await collect_pages(read, 150)
    assert (items, truncated, asked) == (list(range(150)), True, [1, 2])
    read, _ = _pages(0)
    assert await collect_pages(read, 10) == ([], False)


def _record() -> PatientRecord:
    rows: list[dict[str, Cell]] = [
        {"created_at": "2026-01-02T00:00:00Z", "title": 'Says "hi", then\nleaves', "urgent": True}
    ]
    return PatientRecord(
        patient_id=PatientId(uuid4()),
        mrn="M/1 x",
        full_name="Ana Núñez",
        generated_at=datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
        demographics=[("mrn", "M/1 x"), ("birth_date", None)],
        sections=[
            RecordSection(
                name="tickets", title="Tickets", columns=("created_at", "title", "urgent"), rows=rows, truncated=True
            )
        ],
    )


def test_csv_quotes_what_needs_it_and_keeps_empty_values_empty() -> None:
    document = PatientRecordDocuments().render(_record(), ExportFormat.CSV)
    assert document.filename == "patient-M1x-20261203.csv"
    rows = list(csv.reader(io.StringIO(document.content.decode())))
    assert ["demographics", "0", "birth_date", ""] in rows
    assert ["tickets", "1", "title", 'Says "hi", then\nleaves'] in rows
    assert ["tickets", "1", "urgent", "true"] in rows


def test_json_keeps_the_types_and_the_truncated_flag() -> None:
    document = json.loads(PatientRecordDocuments().render(_record(), ExportFormat.JSON).content)
    assert document["demographics"] == {"mrn": "M/1 x", "birth_date": None}
    assert document["tickets"]["truncated"] is True
    assert document["tickets"]["rows"][0]["urgent"] is True
    assert document["generated_at"] == "2026-12-03T10:00:00Z"


def test_pdf_renders_any_text() -> None:
    record = _record()
    document = PatientRecordDocuments().render(record, ExportFormat.PDF)
    assert document.media_type == "application/pdf"
    assert document.content.startswith(b"%PDF-")
