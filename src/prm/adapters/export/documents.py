"""JSON and CSV renderings of a patient's record, and the renderer that picks one by format.

- JSON (``application/json``): ``{"patient_id", "mrn", "generated_at", "demographics": {field:
  value}, "<section>": {"rows": [...], "truncated": bool}, ...}``.
- CSV (``text/csv``, RFC 4180, UTF-8): one table in long form, ``section,row,field,value``:
  demographics are rows of ``row`` 0, then every section's rows numbered from 1. One valid CSV
  that any tool reads, whatever the sections' columns.
- PDF: see :mod:`prm.adapters.export.pdf`.
"""

import csv
import io
from typing import Any

import msgspec

from prm.application.patients.export_patient import rfc3339
from prm.application.patients.export_ports import ExportDocument, ExportFormat, PatientRecord, PatientRecordRenderer


def render_json(record: PatientRecord) -> bytes:
    document: dict[str, Any] = {
        "patient_id": str(record.patient_id),
        "mrn": record.mrn,
        "generated_at": rfc3339(record.generated_at),
        "demographics": dict(record.demographics),
    }
    for section in record.sections:
        document[section.name] = {
            "rows": [{column: row.get(column) for column in section.columns} for row in section.rows],
            "truncated": section.truncated,
        }
    return msgspec.json.encode(document)


def render_csv(record: PatientRecord) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("section", "row", "field", "value"))
    for label, value in record.demographics:
        writer.writerow(("demographics", 0, label, _text(value)))
    for section in record.sections:
        for number, row in enumerate(section.rows, start=1):
            for column in section.columns:
                writer.writerow((section.name, number, column, _text(row.get(column))))
    return out.getvalue().encode("utf-8")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class PatientRecordDocuments(PatientRecordRenderer):
    """Renders JSON, CSV or PDF; the file is named after the MRN's safe characters and the day."""

    def render(self, record: PatientRecord, export_format: ExportFormat) -> ExportDocument:
        stem = "patient-" + "".join(c for c in record.mrn if c.isalnum() or c in "-_")[:64]
        stem += "-" + record.generated_at.strftime("%Y%m%d")
        if export_format is ExportFormat.JSON:
            return ExportDocument(render_json(record), "application/json", f"{stem}.json")
        if export_format is ExportFormat.CSV:
            return ExportDocument(render_csv(record), "text/csv; charset=utf-8", f"{stem}.csv")
        from prm.adapters.export.pdf import render_pdf  # fpdf2 and pillow load on the first PDF, not at start-up

        return ExportDocument(render_pdf(record), "application/pdf", f"{stem}.pdf")
