"""Ports of the bulk export: the export records, the readers of each exportable resource type
and the store of the NDJSON files."""

from abc import abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from prm.domain.fhir_export.model import BulkExport, ExportId

Resource = Mapping[str, Any]
"""A FHIR R4 resource as JSON values (``resourceType``, ``id``, ...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportLimits:
    """``page_size`` records read per query (and per progress update), ``file_size`` resources per
    NDJSON file before the next part starts, ``retention`` how long the files are kept."""

    page_size: int = 2_000
    file_size: int = 100_000
    retention: timedelta = timedelta(hours=24)


class ExportRepository(Protocol):
    """Tenant-scoped: implementations only ever see the current tenant's exports."""

    @abstractmethod
    async def add(self, export: BulkExport) -> None: ...

    @abstractmethod
    async def get(self, export_id: ExportId) -> BulkExport | None: ...

    @abstractmethod
    async def save(self, export: BulkExport, *, expected_version: int) -> None:
        """Store ``export`` as version ``expected_version + 1``; ``StaleVersion`` when another
        change came first."""

    @abstractmethod
    async def record_progress(self, export_id: ExportId, written: int, total: int | None) -> bool:
        """Set the counts of a running export (no new version); False when it is no longer
        ``in-progress`` (cancelled meanwhile)."""


class ResourceSource(Protocol):
    """One resource type's records of the current tenant as FHIR resources, in a stable order."""

    @abstractmethod
    async def count(self, since: datetime | None) -> int:
        """How many records changed after ``since`` (all of them when ``None``)."""

    @abstractmethod
    def pages(self, since: datetime | None, size: int) -> AsyncIterator[Sequence[Resource]]:
        """The records changed after ``since``, ``size`` at a time (keyset paging: each page is
        one indexed query, whatever the tenant's size)."""


@dataclass(frozen=True, slots=True)
class ExportableType:
    """A resource type PRM can export; ``patient_compartment``: part of ``Patient/$export``;
    ``permission``: what a caller needs to export it (the type's FHIR read permission)."""

    name: str
    source: ResourceSource
    patient_compartment: bool
    permission: str


class ExportableTypes:
    """The registry of exportable resource types, in the order their files are written."""

    def __init__(self, types: Sequence[ExportableType]) -> None:
        self._types = {t.name: t for t in types}

    def names(self, *, patient_compartment: bool = False) -> tuple[str, ...]:
        return tuple(n for n, t in self._types.items() if t.patient_compartment or not patient_compartment)

    def source(self, name: str) -> ResourceSource:
        return self._types[name].source

    def permission(self, name: str) -> str:
        return self._types[name].permission


class ExportFileWriter(Protocol):
    """One NDJSON file being written: a resource per line (UTF-8, ``\\n``)."""

    @abstractmethod
    def write(self, resources: Sequence[Resource]) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class ExportFileStore(Protocol):
    """Where exports' files live, a folder per tenant and export."""

    @abstractmethod
    def create(self, export_id: ExportId, name: str) -> ExportFileWriter:
        """A new, empty file ``name`` of the export (an existing one is replaced)."""

    @abstractmethod
    def location(self, export_id: ExportId, name: str) -> str | None:
        """The file's path for sending it, ``None`` when it is not there."""

    @abstractmethod
    def remove(self, export_id: ExportId) -> None:
        """Delete the export's files (nothing when there are none)."""
