"""The bulk export's files on local disk: ``<PRM_STATE_DIR>/fhir-exports/<tenant>/<export>/<name>``.

Each file is NDJSON (https://github.com/ndjson/ndjson-spec, as the Bulk Data IG asks): one FHIR
resource per line as compact UTF-8 JSON, ``\\n`` after each. Folders and files are readable by
the service's user only (they hold PHI).
"""

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import msgspec

from prm.application.fhir_export.ports import ExportFileStore, ExportFileWriter, Resource
from prm.domain.fhir_export.model import ExportId
from prm.domain.shared.ids import TenantId

EXPORTS_FOLDER = "fhir-exports"
_BUFFER = 1 << 20


class NdjsonWriter(ExportFileWriter):
    """One NDJSON file of an export (owner-only, mode 0600): each resource one JSON line, UTF-8,
    written through a buffer as the pages come."""

    def __init__(self, path: Path) -> None:
        self._file: BinaryIO | None = path.open("wb", buffering=_BUFFER)
        path.chmod(0o600)
        self._encoder = msgspec.json.Encoder()
        self._buffer = bytearray()

    def write(self, resources: Sequence[Resource]) -> None:
        if self._file is None:
            raise ValueError("the file is closed")
        buffer = self._buffer
        buffer.clear()
        for resource in resources:
            self._encoder.encode_into(resource, buffer, -1)
            buffer.extend(b"\n")
        self._file.write(buffer)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class LocalExportFiles(ExportFileStore):
    """Tenant-scoped: only ever sees the folder of the tenant it is built with."""

    def __init__(self, state_dir: str, tenant_id: TenantId) -> None:
        self._root = Path(state_dir) / EXPORTS_FOLDER / str(tenant_id)

    def _folder(self, export_id: ExportId) -> Path:
        return self._root / str(export_id)

    def create(self, export_id: ExportId, name: str) -> ExportFileWriter:
        folder = self._folder(export_id)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return NdjsonWriter(folder / Path(name).name)

    def location(self, export_id: ExportId, name: str) -> str | None:
        path = self._folder(export_id) / Path(name).name
        return str(path) if path.is_file() else None

    def remove(self, export_id: ExportId) -> None:
        shutil.rmtree(self._folder(export_id), ignore_errors=True)
