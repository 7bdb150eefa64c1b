"""Read Synthea's ``encounters.csv`` as past appointments (:class:`EncounterRecord`).

Columns (Synthea CSV data dictionary, "encounters.csv"), one record per data row:

- ``Id`` is the encounter's id: the appointment's ``external_id``, which makes a re-import
  create nothing;
- ``START`` and ``STOP`` are RFC 3339 date-times with a zone (Synthea writes UTC,
  ``2022-07-20T07:13:55Z``): the appointment's time, turned to UTC. A time without a zone, a date
  alone, or a ``STOP`` not after ``START`` rejects the row. Inpatient, nursing-facility and hospice
  stays last days: they keep their real length (see ``Appointment.record_past``);
- ``PATIENT`` is the patient's ``Id`` in ``patients.csv`` (the MRN), ``PROVIDER`` the provider's
  ``Id`` in ``providers.csv`` (the practitioner's external id): both are resolved by the import
  use case, which rejects the row when they name nobody imported;
- ``ENCOUNTERCLASS`` (``ambulatory``, ``wellness``, ``inpatient`` …) is the appointment type;
- ``DESCRIPTION`` (the encounter's SNOMED CT display, ``Encounter for symptom (procedure)``) and
  ``REASONDESCRIPTION`` (why, ``Acute bronchitis (disorder)``; often blank) form the reason text:
  ``"<DESCRIPTION>; reason: <REASONDESCRIPTION>"``, or whichever of the two is given.

Required columns: ``Id``, ``START``, ``STOP``, ``PATIENT`` and ``PROVIDER`` (the four Synthea
sets in the shared data all have the same 15 columns; the costs, payer and codes are not read, so
exports with more or fewer of those read the same). A row whose required value is blank or
unreadable becomes a :class:`Rejection` naming ``encounters.csv``, its line and the CSV column,
quoting at most the bad value (never the rest of the row). The type and reason are optional: one
that breaks an appointment rule (longer than its limit) is left out with a warning, and the
encounter is imported without it.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from prm.adapters.inbound.synthea.csv_table import CsvTable, count_rows
from prm.adapters.inbound.synthea.values import BadValueError, Report, in_columns, quote
from prm.application.appointments.import_encounters import OPTIONAL_FIELDS, EncounterRecord
from prm.application.shared.imports import Rejection, SourceRef, ValueWarning
from prm.domain.appointments.model import MAX_DURATION, Period, TimeSlot
from prm.domain.shared.errors import RuleViolated

ENCOUNTERS_CSV = "encounters.csv"

_COLUMNS = ("Id", "START", "STOP", "PATIENT", "PROVIDER", "ENCOUNTERCLASS", "DESCRIPTION", "REASONDESCRIPTION")
_REQUIRED = ("Id", "START", "STOP", "PATIENT", "PROVIDER")
_FIELD_COLUMNS = {
    "external_id": "Id",
    "slot": "START",
    "start_time": "START",
    "end_time": "STOP",
    "appointment_type": "ENCOUNTERCLASS",
    "reason_text": "DESCRIPTION",
}


class EncountersFile:
    """``encounters.csv``: streams :class:`EncounterRecord` (or :class:`Rejection`) per row.

    Raises ``SyntheaFormatError`` when the file is empty or its header lacks a required column
    (module docstring).
    """

    def __init__(self, path: Path) -> None:
        self._table = CsvTable(path, _COLUMNS, required=_REQUIRED)
        self.name = path.name

    def count(self) -> int:
        """Data rows, counted cheaply (see :func:`count_rows`)."""
        return count_rows(self._table.path)

    def records(self) -> Iterator[EncounterRecord | Rejection | ValueWarning]:
        """One record per data row, in file order; a bad row is a :class:`Rejection` instead."""
        name = self.name
        for item in self._table.rows():
            if isinstance(item, Rejection | ValueWarning):
                yield item
                continue
            line, values = item
            source = SourceRef(name, line)
            try:
                yield _encounter(source, values)
            except BadValueError as exc:
                yield Rejection(source, exc.column, exc.reason)
            except RuleViolated as exc:
                yield EncountersFile.column_of(Rejection(source, exc.field, exc.detail))

    @staticmethod
    def column_of(report: Report) -> Report:
        """``report`` with an appointment field name (``reason_text``) turned into its CSV column
        (``DESCRIPTION``), for reports that come back from the import use case."""
        return in_columns(report, _FIELD_COLUMNS)


def _encounter(source: SourceRef, values: tuple[str, ...]) -> EncounterRecord:
    encounter_id, start, stop, patient, provider, encounter_class, description, reason = values
    if not encounter_id:
        raise BadValueError("Id", "blank: the Id keeps a re-import from duplicating the encounter")
    if not patient:
        raise BadValueError("PATIENT", "blank: an encounter needs its patient's Id")
    if not provider:
        raise BadValueError("PROVIDER", "blank: an encounter needs its provider's Id")
    starts_at = _time(start, "START")
    ends_at = _time(stop, "STOP")
    if ends_at <= starts_at:
        raise BadValueError("STOP", f"not after START {quote(stop)}")
    slot = TimeSlot(starts_at, ends_at) if ends_at - starts_at <= MAX_DURATION else Period(starts_at, ends_at)
    if description and reason:
        reason_text: str | None = f"{description}; reason: {reason}"
    else:
        reason_text = description or reason or None
    return EncounterRecord(
        source=source,
        external_id=encounter_id,
        patient_mrn=patient,
        practitioner_external_id=provider,
        slot=slot,
        appointment_type=encounter_class or None,
        reason_text=reason_text,
        optional=OPTIONAL_FIELDS,
    )


def _time(value: str, column: str) -> datetime:
    """An RFC 3339 date-time with a zone (``Z`` or an offset), in UTC."""
    if not value:
        raise BadValueError(column, "blank: an encounter needs its START and STOP times")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadValueError(column, f"not an RFC 3339 date-time {quote(value)}") from None
    if parsed.tzinfo is None or len(value) <= 10:
        raise BadValueError(column, f"not a date-time with a zone (Z or an offset) {quote(value)}")
    return parsed.astimezone(UTC)
