"""Read Synthea's ``patients.csv`` as :class:`PatientRecord` (the column mapping is in ``reader``)."""

from collections.abc import Iterator
from pathlib import Path

from prm.adapters.inbound.synthea.countries import SYNTHEA_SYSTEM, CountryOf, identifier_systems
from prm.adapters.inbound.synthea.csv_table import CsvTable, count_rows
from prm.adapters.inbound.synthea.values import (
    LEFT_OUT,
    BadValueError,
    Report,
    gender,
    gender_note,
    in_columns,
    iso_date,
    quote,
)
from prm.application.patients.import_patients import PatientRecord
from prm.application.patients.inputs import PatientInput
from prm.application.shared.imports import Rejection, SourceRef, ValueWarning
from prm.domain.patients.model import MAX_IDENTIFIER_LENGTH, Identifier, MaritalStatus
from prm.domain.shared.contact import Address, AddressUse
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender, HumanName

PATIENTS_CSV = "patients.csv"

_COLUMNS = (
    "Id",
    "BIRTHDATE",
    "DEATHDATE",
    "SSN",
    "DRIVERS",
    "PASSPORT",
    "PREFIX",
    "FIRST",
    "MIDDLE",
    "LAST",
    "SUFFIX",
    "MARITAL",
    "GENDER",
    "ADDRESS",
    "CITY",
    "STATE",
    "COUNTY",
    "ZIP",
    "COUNTRY",
)
_ADDRESS_COLUMNS = frozenset({"ADDRESS", "CITY", "STATE", "COUNTY", "ZIP", "COUNTRY"})
_FIELD_COLUMNS = {
    "mrn": "Id",
    "name": "FIRST",
    "gender": "GENDER",
    "birth_date": "BIRTHDATE",
    "deceased_date": "DEATHDATE",
    "marital_status": "MARITAL",
    "addresses": "ADDRESS",
    "identifiers": "SSN",
}
_OPTIONAL = frozenset({"identifiers", "gender", "deceased_date", "addresses", "marital_status"})
_MARITAL = {status.value: status for status in MaritalStatus}


class PatientsFile:
    """``patients.csv``: streams :class:`PatientRecord` (or :class:`Rejection`) per row, and a
    :class:`ValueWarning` for a row that repeats the ``Id`` of an earlier one (left out).

    Raises ``SyntheaFormatError`` when the file is empty or its header lacks ``Id``, ``FIRST``
    or ``LAST``.
    """

    def __init__(self, path: Path) -> None:
        self._table = CsvTable(path, _COLUMNS, required=("Id", "FIRST", "LAST"))
        self.name = path.name
        present = self._table.present
        provided = {"name", "identifiers"}
        for column, name in (
            ("GENDER", "gender"),
            ("BIRTHDATE", "birth_date"),
            ("DEATHDATE", "deceased_date"),
            ("MARITAL", "marital_status"),
        ):
            if column in present:
                provided.add(name)
        if present & _ADDRESS_COLUMNS:
            provided.add("addresses")
        self.provided = frozenset(provided)
        """The ``PatientDetails`` fields this file carries (see the ``reader`` docstring)."""

    def count(self) -> int:
        """Data rows, counted cheaply (see :func:`count_rows`)."""
        return count_rows(self._table.path)

    def records(self) -> Iterator[PatientRecord | Rejection | ValueWarning]:
        """One item per data row, in file order (see the class docstring)."""
        name = self.name
        first_line: dict[str, int] = {}
        row = _Row(self.provided)
        for item in self._table.rows():
            if isinstance(item, Rejection | ValueWarning):
                yield item
                continue
            line, values = item
            source = SourceRef(name, line)
            mrn = values[0]
            if mrn in first_line:
                yield ValueWarning(
                    source, "Id", f"repeats the patient of line {first_line[mrn]}: this row is {LEFT_OUT}"
                )
                continue
            try:
                record = row.record(source, values)
            except BadValueError as exc:
                yield Rejection(source, exc.column, exc.reason)
                continue
            except RuleViolated as exc:
                yield in_columns(Rejection(source, exc.field, exc.detail), _FIELD_COLUMNS)
                continue
            first_line[mrn] = line
            yield record

    @staticmethod
    def column_of(report: Report) -> Report:
        """``report`` with a patient field name (``birth_date``) turned into its CSV column
        (``BIRTHDATE``), for reports that come back from the import use case."""
        return in_columns(report, _FIELD_COLUMNS)


class _Row:
    """Turns one row's values into a record (the country look-up is shared by the rows)."""

    def __init__(self, provided: frozenset[str]) -> None:
        self._provided = provided
        self._country_of = CountryOf()

    def record(self, source: SourceRef, values: tuple[str, ...]) -> PatientRecord:
        (
            mrn,
            birth,
            death,
            ssn,
            drivers,
            passport,
            prefix,
            first,
            middle,
            last,
            suffix,
            marital,
            gender_code,
            street,
            city,
            state,
            county,
            zip_code,
            country_column,
        ) = values
        if not mrn:
            raise BadValueError("Id", "blank: the Id is the patient's MRN")
        given = tuple(first.split()) + tuple(middle.split()) if middle else tuple(first.split())
        if not given and not last:
            raise BadValueError("FIRST", "FIRST and LAST are both blank: a patient needs a name")
        try:
            birth_date = iso_date(birth)
        except ValueError:
            raise BadValueError("BIRTHDATE", f"not a date {quote(birth)}") from None
        warnings: list[ValueWarning] = []
        left_out: set[str] = set()
        try:
            deceased_date = iso_date(death)
        except ValueError:
            warnings.append(ValueWarning(source, "DEATHDATE", f"not a date {quote(death)}: {LEFT_OUT}"))
            deceased_date = None
            left_out.add("deceased_date")
        sex = gender(gender_code)
        if sex is None:
            warnings.append(ValueWarning(source, "GENDER", gender_note(gender_code)))
            sex = AdministrativeGender.UNKNOWN
            left_out.add("gender")
        marital_status = _MARITAL.get(marital.upper()) if marital else None
        if marital and marital_status is None:
            warnings.append(
                ValueWarning(source, "MARITAL", f"not an HL7 v3 marital status code {quote(marital)}: {LEFT_OUT}")
            )
            left_out.add("marital_status")
        country = self._country_of(state, country_column)
        systems = identifier_systems(country)
        identifiers: list[Identifier] = []
        for column, value, (system, code) in (
            ("SSN", ssn, systems.ssn),
            ("DRIVERS", drivers, systems.drivers),
            ("PASSPORT", passport, systems.passport),
        ):
            if not value:
                continue
            if len(value) > MAX_IDENTIFIER_LENGTH:
                warnings.append(
                    ValueWarning(source, column, f"longer than {MAX_IDENTIFIER_LENGTH} characters: {LEFT_OUT}")
                )
                continue
            identifiers.append(Identifier(system, value, code))
        addresses: tuple[Address, ...] = ()
        if street or city or state or county or zip_code or country_column:
            addresses = (
                Address(
                    use=AddressUse.HOME,
                    line=(street,) if street else (),
                    city=city or None,
                    district=county or None,
                    state=state or None,
                    postal_code=zip_code or None,
                    country=country_column or country,
                ),
            )
        patient = PatientInput(
            name=HumanName(
                given=given,
                family=last or None,
                prefix=(prefix,) if prefix else (),
                suffix=(suffix,) if suffix else (),
            ),
            mrn=mrn,
            mrn_system=SYNTHEA_SYSTEM,
            identifiers=tuple(identifiers),
            gender=sex,
            birth_date=birth_date,
            deceased_date=deceased_date,
            addresses=addresses,
            marital_status=marital_status,
        )
        return PatientRecord(
            source=source,
            patient=patient,
            provided=self._provided - left_out if left_out else self._provided,
            optional=_OPTIONAL,
            warnings=tuple(warnings),
        )
