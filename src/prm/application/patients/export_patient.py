"""Export one patient's PRM record as JSON, CSV or PDF (Harman's ``GET /patients/{id}/export``)."""

from collections.abc import Sequence
from datetime import UTC, datetime

from prm.application.patients.export_ports import (
    MAX_ROWS_PER_SECTION,
    Cell,
    ExportDocument,
    ExportFormat,
    PatientRecord,
    PatientRecordRenderer,
    PatientRecordSource,
)
from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient
from prm.domain.shared.contact import Address
from prm.domain.shared.ids import PatientId


class ExportPatient:
    """The patient's record (demographics, appointments, journeys, communications, tickets)
    rendered as ``export_format``.

    Raises ``PatientNotFound`` (404) for an id that is not the caller's tenant's. Records one
    ``export`` audit event naming the patient and commits it (an export is a PHI read).
    """

    def __init__(
        self,
        patients: PatientRepository,
        sources: Sequence[PatientRecordSource],
        renderer: PatientRecordRenderer,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._patients = patients
        self._sources = sources
        self._renderer = renderer
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, patient_id: PatientId, export_format: ExportFormat) -> ExportDocument:
        patient = await self._patients.get(patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        sections = [await source.section(patient.id, MAX_ROWS_PER_SECTION) for source in self._sources]
        record = PatientRecord(
            patient_id=patient.id,
            mrn=patient.mrn,
            full_name=patient.details.name.text,
            generated_at=self._clock.now(),
            demographics=demographics(patient),
            sections=sections,
        )
        document = self._renderer.render(record, export_format)
        await self._audit.record(AuditAction.EXPORT, "patient", [patient.id])
        await self._uow.commit()
        return document


def demographics(patient: Patient) -> list[tuple[str, Cell]]:
    """The patient's own fields as (label, value) pairs, in the order a person reads them."""
    d = patient.details
    return [
        ("id", str(patient.id)),
        ("mrn", patient.mrn),
        ("name", d.name.text),
        ("gender", d.gender.value),
        ("birth_date", d.birth_date.isoformat() if d.birth_date else None),
        ("deceased_date", d.deceased_date.isoformat() if d.deceased_date else None),
        ("status", patient.status.value),
        ("phones", ", ".join(d.phones) or None),
        ("emails", ", ".join(d.emails) or None),
        ("addresses", "; ".join(_address_text(a) for a in d.addresses) or None),
        ("preferred_language", d.preferred_language),
        ("marital_status", d.marital_status.value if d.marital_status else None),
        ("identifiers", "; ".join(f"{i.system}|{i.value}" for i in d.identifiers)),
        ("created_at", rfc3339(patient.created_at)),
        ("updated_at", rfc3339(patient.updated_at)),
    ]


def rfc3339(value: datetime | None) -> str | None:
    """An aware datetime as RFC 3339 in UTC with ``Z`` (``None`` stays ``None``)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _address_text(address: Address) -> str:
    parts = [*address.line, address.city, address.district, address.state, address.postal_code, address.country]
    return ", ".join(p for p in parts if p)
