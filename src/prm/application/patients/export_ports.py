"""Ports of the patient export (Harman's ``GET /patients/{id}/export``; issue 13).

A :class:`PatientRecord` is the patient's PRM record as plain sections of rows: demographics
from the patients context, and one section per other context (appointments, journeys,
communications, tickets) read through a :class:`PatientRecordSource` each. A
:class:`PatientRecordRenderer` turns it into a document (JSON, CSV or PDF).
"""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from prm.domain.shared.ids import PatientId

Cell = str | int | bool | None
"""A value in a row: text (times as RFC 3339 UTC, dates as ISO 8601), a number, a flag or empty."""


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    PDF = "pdf"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordSection:
    """One part of the record: ``name`` (a key such as ``appointments``), a ``title`` for people,
    the ``columns`` in order, and ``rows`` keyed by them. ``truncated`` is true when the section
    stopped at the source's limit (see :data:`MAX_ROWS_PER_SECTION`)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[Mapping[str, Cell]]
    truncated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientRecord:
    """The patient's record at ``generated_at`` (UTC): ``demographics`` as field/value pairs in
    order, then the other sections."""

    patient_id: PatientId
    mrn: str
    full_name: str
    generated_at: datetime
    demographics: Sequence[tuple[str, Cell]]
    sections: Sequence[RecordSection]


MAX_ROWS_PER_SECTION = 10_000
"""The most rows one section of an export holds; past it the section says it is truncated."""


class PatientRecordSource(Protocol):
    """One context's part of a patient's record (tenant-scoped, read-only)."""

    @abstractmethod
    async def section(self, patient_id: PatientId, limit: int) -> RecordSection:
        """The patient's rows of this context, oldest first, at most ``limit`` of them."""


@dataclass(frozen=True, slots=True)
class ExportDocument:
    """A rendered export: the bytes, their media type and a file name for ``Content-Disposition``."""

    content: bytes
    media_type: str
    filename: str


class PatientRecordRenderer(Protocol):
    @abstractmethod
    def render(self, record: PatientRecord, export_format: ExportFormat) -> ExportDocument:
        """The record as a document of ``export_format``."""
