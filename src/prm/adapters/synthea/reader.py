"""Read a Synthea CSV export folder as PRM import records.

Synthea (https://github.com/synthetichealth/synthea) writes one CSV file per resource type;
PRM takes four of them: ``patients.csv`` (patients), ``providers.csv`` (practitioners),
``organizations.csv`` (the providers' practices, joined on ``providers.ORGANIZATION``) and
``encounters.csv`` (past appointments, read by ``prm.adapters.synthea.encounters``). Column
meanings are those of the Synthea CSV data dictionary (Synthea wiki, "CSV File Data Dictionary").

Patients (one :class:`PatientRecord` per row; the header is line 1):

- ``Id`` is the MRN, in the system ``https://github.com/synthetichealth/synthea`` (Synthea's own
  FHIR export gives the patient that identifier too);
- ``SSN``, ``DRIVERS``, ``PASSPORT`` become identifiers of type ``SS``, ``DL`` and ``PPN`` in the
  systems Synthea's FHIR R4 export uses (:data:`SSN_SYSTEM`, :data:`DRIVERS_SYSTEM`,
  :data:`PASSPORT_SYSTEM`);
- ``PREFIX``, ``FIRST`` (and ``MIDDLE``, Synthea 3.3+), ``LAST``, ``SUFFIX`` form the name; a
  ``FIRST`` with spaces (``"Jorge Luis88"``) gives several given names. Synthea's numeric
  suffixes (``"Alice368"``) are kept: they are what the source says. ``MAIDEN`` is left out: PRM
  keeps one name per patient (FHIR would carry it as a second HumanName with ``use=maiden``);
- ``GENDER`` ``M``/``F`` is male/female, blank is unknown, anything else rejects the row;
- ``BIRTHDATE`` and ``DEATHDATE`` are ISO dates (``YYYY-MM-DD``; a date-time's date part is
  taken); blank is absent, anything else rejects the row;
- ``MARITAL`` is an HL7 v3 MaritalStatus code (Synthea writes ``M``, ``S``, ``D``, ``W``); blank is
  absent. An unknown code rejects the row rather than becoming ``UNK``: FHIR's ``UNK`` says the
  status is not known, which is not what a source with an unreadable code told us;
- ``ADDRESS``, ``CITY``, ``COUNTY`` (the district), ``STATE``, ``ZIP`` form the home address,
  as written (Synthea writes full state names). The country is left empty: the CSV does not say
  it (``BIRTHPLACE`` is where the patient was born, not where they live).

Only the columns ``Id``, ``FIRST`` and ``LAST`` are required. Each record's ``provided`` names the
patient fields whose columns the header has, so a re-import never blanks a field the source does
not carry (Synthea has no phones, emails or language, for instance).

Providers (one :class:`PractitionerRecord` per row): ``Id`` is the ``external_id``; ``NAME``
(``"Johna806 Klein929"``) splits on its last space into first and last name; ``GENDER`` as for
patients; ``SPECIALITY`` is kept as written (the upper-case CMS specialty descriptions, such as
``GENERAL PRACTICE``, so that they still match that list); ``ADDRESS``, ``CITY``, ``STATE``,
``ZIP`` form the work address; ``ORGANIZATION`` is looked up in ``organizations.csv`` (``NAME``,
``PHONE`` as written, the address, ``Id`` as its external id). Required: ``Id`` and ``NAME``.

A row that breaks a rule becomes a :class:`Rejection` naming its file, line and CSV column, and
quoting at most the bad value of that column (never the rest of the row).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prm.adapters.synthea.csv_table import CsvTable, SyntheaFormatError, count_rows
from prm.adapters.synthea.encounters import ENCOUNTERS_CSV, EncountersFile
from prm.application.patients.import_patients import PatientRecord
from prm.application.patients.inputs import PatientInput
from prm.application.practitioners.import_practitioners import PractitionerRecord
from prm.application.practitioners.inputs import PractitionerInput
from prm.application.shared.imports import Rejection, SourceRef
from prm.domain.patients.model import Identifier, MaritalStatus
from prm.domain.practitioners.model import Organization
from prm.domain.shared.contact import Address, AddressUse
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender, HumanName

__all__ = [
    "DRIVERS_SYSTEM",
    "MRN_SYSTEM",
    "ORGANIZATIONS_CSV",
    "PASSPORT_SYSTEM",
    "PATIENTS_CSV",
    "PROVIDERS_CSV",
    "SSN_SYSTEM",
    "Organizations",
    "OrganizationsFile",
    "PatientsFile",
    "ProvidersFile",
    "SyntheaExport",
    "SyntheaFormatError",
]

PATIENTS_CSV = "patients.csv"
PROVIDERS_CSV = "providers.csv"
ORGANIZATIONS_CSV = "organizations.csv"

MRN_SYSTEM = "https://github.com/synthetichealth/synthea"
SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
DRIVERS_SYSTEM = "urn:oid:2.16.840.1.113883.4.3.25"
PASSPORT_SYSTEM = "http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber"
"""Identifier systems as Synthea's FHIR R4 export writes them (``Patient.identifier``)."""

_GENDERS = {"M": AdministrativeGender.MALE, "F": AdministrativeGender.FEMALE, "": AdministrativeGender.UNKNOWN}
_MARITAL = {status.value: status for status in MaritalStatus}
_LONGEST_QUOTE = 24  # a quoted bad value is cut here (a date-time fits): never dump a stray text


class _BadValueError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


# --- patients ---------------------------------------------------------------------------------

_PATIENT_COLUMNS = (
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
)
_ADDRESS_COLUMNS = frozenset({"ADDRESS", "CITY", "STATE", "COUNTY", "ZIP"})
_PATIENT_FIELD_COLUMNS = {
    "mrn": "Id",
    "name": "FIRST",
    "gender": "GENDER",
    "birth_date": "BIRTHDATE",
    "deceased_date": "DEATHDATE",
    "marital_status": "MARITAL",
    "addresses": "ADDRESS",
}


class PatientsFile:
    """``patients.csv``: streams :class:`PatientRecord` (or :class:`Rejection`) per row.

    Raises :class:`SyntheaFormatError` when the header lacks ``Id``, ``FIRST`` or ``LAST``.
    """

    def __init__(self, path: Path) -> None:
        self._table = CsvTable(path, _PATIENT_COLUMNS, required=("Id", "FIRST", "LAST"))
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
        """The ``PatientDetails`` fields this file carries (see the module docstring)."""

    def count(self) -> int:
        """Data rows, counted cheaply (see :func:`count_rows`)."""
        return count_rows(self._table.path)

    def records(self) -> Iterator[PatientRecord | Rejection]:
        """One record per data row, in file order; a bad row is a :class:`Rejection` instead."""
        name = self.name
        provided = self.provided
        for item in self._table.rows():
            if isinstance(item, Rejection):
                yield item
                continue
            line, values = item
            source = SourceRef(name, line)
            try:
                yield PatientRecord(source=source, patient=_patient(values), provided=provided)
            except _BadValueError as exc:
                yield Rejection(source, exc.column, exc.reason)
            except RuleViolated as exc:
                yield in_columns(Rejection(source, exc.field, exc.detail), _PATIENT_FIELD_COLUMNS)

    @staticmethod
    def column_of(rejection: Rejection) -> Rejection:
        """``rejection`` with a patient field name (``birth_date``) turned into its CSV column
        (``BIRTHDATE``), for rejections that come back from the import use case."""
        return in_columns(rejection, _PATIENT_FIELD_COLUMNS)


def _patient(values: tuple[str, ...]) -> PatientInput:
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
        gender,
        line,
        city,
        state,
        county,
        zip_code,
    ) = values
    if not mrn:
        raise _BadValueError("Id", "blank: the Id is the patient's MRN")
    given = tuple(first.split()) + tuple(middle.split()) if middle else tuple(first.split())
    if not given and not last:
        raise _BadValueError("FIRST", "FIRST and LAST are both blank: a patient needs a name")
    identifiers: list[Identifier] = []
    if ssn:
        identifiers.append(Identifier(SSN_SYSTEM, ssn, "SS"))
    if drivers:
        identifiers.append(Identifier(DRIVERS_SYSTEM, drivers, "DL"))
    if passport:
        identifiers.append(Identifier(PASSPORT_SYSTEM, passport, "PPN"))
    addresses: tuple[Address, ...] = ()
    if line or city or state or county or zip_code:
        addresses = (
            Address(
                use=AddressUse.HOME,
                line=(line,) if line else (),
                city=city or None,
                district=county or None,
                state=state or None,
                postal_code=zip_code or None,
            ),
        )
    return PatientInput(
        name=HumanName(
            given=given, family=last or None, prefix=(prefix,) if prefix else (), suffix=(suffix,) if suffix else ()
        ),
        mrn=mrn,
        mrn_system=MRN_SYSTEM,
        identifiers=tuple(identifiers),
        gender=_gender(gender),
        birth_date=_date(birth, "BIRTHDATE"),
        deceased_date=_date(death, "DEATHDATE"),
        addresses=addresses,
        marital_status=_marital(marital),
    )


def _marital(value: str) -> MaritalStatus | None:
    if not value:
        return None
    status = _MARITAL.get(value.upper())
    if status is None:
        raise _BadValueError("MARITAL", f"not an HL7 v3 marital status code {_quote(value)} (M, S, D, W, ...)")
    return status


# --- organizations ------------------------------------------------------------------------------

_ORGANIZATION_COLUMNS = ("Id", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "PHONE")
_ORGANIZATION_FIELD_COLUMNS = {
    "organization.name": "NAME",
    "organization.phone": "PHONE",
    "organization.address": "ADDRESS",
    "organization.external_id": "Id",
}


@dataclass(slots=True)
class Organizations:
    """The usable rows of ``organizations.csv`` by ``Id``, and the rows left out."""

    by_id: dict[str, Organization] = field(default_factory=dict)
    rejected: dict[str, SourceRef] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    rows: int = 0


class OrganizationsFile:
    """``organizations.csv``: read whole (it is small) to join providers on ``ORGANIZATION``.

    Raises :class:`SyntheaFormatError` when the header lacks ``Id`` or ``NAME``.
    """

    def __init__(self, path: Path) -> None:
        self._table = CsvTable(path, _ORGANIZATION_COLUMNS, required=("Id", "NAME"))
        self.name = path.name

    def read(self) -> Organizations:
        """Every organization; a blank ``Id`` or ``NAME``, or an ``Id`` seen before, is rejected."""
        found = Organizations()
        first_line: dict[str, int] = {}
        for item in self._table.rows():
            found.rows += 1
            if isinstance(item, Rejection):
                found.rejections.append(item)
                continue
            line, (org_id, name, address, city, state, zip_code, phone) = item
            source = SourceRef(self.name, line)
            if not org_id:
                found.rejections.append(Rejection(source, "Id", "blank: the Id is how providers refer to it"))
                continue
            if org_id in first_line:
                found.rejections.append(Rejection(source, "Id", f"repeats the Id of line {first_line[org_id]}"))
                continue
            first_line[org_id] = line
            organization = Organization(
                name=name,
                phone=phone or None,
                external_id=org_id,
                address=_work_address(address, city, state, zip_code),
            )
            try:
                organization.check()
                found.by_id[org_id] = organization
            except RuleViolated as exc:
                found.rejected[org_id] = source
                found.rejections.append(
                    in_columns(Rejection(source, exc.field, exc.detail), _ORGANIZATION_FIELD_COLUMNS)
                )
        return found


# --- providers ----------------------------------------------------------------------------------

_PROVIDER_COLUMNS = ("Id", "ORGANIZATION", "NAME", "GENDER", "SPECIALITY", "ADDRESS", "CITY", "STATE", "ZIP")
_PROVIDER_FIELD_COLUMNS = {
    "external_id": "Id",
    "first_name": "NAME",
    "last_name": "NAME",
    "middle_name": "NAME",
    "prefix": "NAME",
    "gender": "GENDER",
    "speciality": "SPECIALITY",
    "address": "ADDRESS",
    "organization": "ORGANIZATION",
}


class ProvidersFile:
    """``providers.csv``: streams :class:`PractitionerRecord` (or :class:`Rejection`) per row.

    Raises :class:`SyntheaFormatError` when the header lacks ``Id`` or ``NAME``.
    """

    def __init__(self, path: Path) -> None:
        self._table = CsvTable(path, _PROVIDER_COLUMNS, required=("Id", "NAME"))
        self.name = path.name

    def count(self) -> int:
        """Data rows, counted cheaply (see :func:`count_rows`)."""
        return count_rows(self._table.path)

    def records(self, organizations: Organizations | None) -> Iterator[PractitionerRecord | Rejection]:
        """One record per data row, in file order; a bad row is a :class:`Rejection` instead.

        ``organizations`` is ``None`` when the export has no ``organizations.csv``: providers are
        then imported without their practice. With it, an ``ORGANIZATION`` that is not there (or
        whose row was rejected) rejects the provider.
        """
        name = self.name
        for item in self._table.rows():
            if isinstance(item, Rejection):
                yield item
                continue
            line, values = item
            source = SourceRef(name, line)
            try:
                yield PractitionerRecord(source=source, practitioner=_practitioner(values, organizations))
            except _BadValueError as exc:
                yield Rejection(source, exc.column, exc.reason)
            except RuleViolated as exc:
                yield in_columns(Rejection(source, exc.field, exc.detail), _PROVIDER_FIELD_COLUMNS)

    @staticmethod
    def column_of(rejection: Rejection) -> Rejection:
        """``rejection`` with a practitioner field name turned into its CSV column (see
        :meth:`PatientsFile.column_of`); ``organization.phone`` becomes ``ORGANIZATION``."""
        return in_columns(rejection, _PROVIDER_FIELD_COLUMNS)


def _practitioner(values: tuple[str, ...], organizations: Organizations | None) -> PractitionerInput:
    provider_id, org_id, full_name, gender, speciality, address, city, state, zip_code = values
    if not provider_id:
        raise _BadValueError("Id", "blank: the Id is the practitioner's external id")
    first, _, last = " ".join(full_name.split()).rpartition(" ")
    if not first or not last:
        raise _BadValueError("NAME", "needs a first and a last name separated by a space")
    return PractitionerInput(
        first_name=first,
        last_name=last,
        gender=_gender(gender),
        speciality=speciality or None,
        address=_work_address(address, city, state, zip_code),
        organization=_organization(org_id, organizations),
        external_id=provider_id,
    )


def _organization(org_id: str, organizations: Organizations | None) -> Organization | None:
    if not org_id or organizations is None:
        return None
    found = organizations.by_id.get(org_id)
    if found is not None:
        return found
    if org_id in organizations.rejected:
        raise _BadValueError("ORGANIZATION", f"the organization's row {organizations.rejected[org_id]} was rejected")
    raise _BadValueError("ORGANIZATION", f"no organization with Id {_quote(org_id)} in {ORGANIZATIONS_CSV}")


# --- the folder ---------------------------------------------------------------------------------


class SyntheaExport:
    """The files PRM reads from one Synthea CSV export folder (Synthea writes it to ``output/csv``).

    ``patients``, ``providers`` and ``encounters`` are ``None`` when the file is absent;
    ``organizations`` also when there is no ``providers.csv`` to join it to. Raises
    :class:`SyntheaFormatError` when the folder does not exist, holds none of ``patients.csv``,
    ``providers.csv`` and ``encounters.csv`` (encounters alone: the people were imported
    before), or a file's header lacks a required column.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise SyntheaFormatError(f"{self.folder}: no such folder")
        patients, providers, organizations = (self.folder / n for n in (PATIENTS_CSV, PROVIDERS_CSV, ORGANIZATIONS_CSV))
        if not patients.exists() and not providers.exists() and not (self.folder / ENCOUNTERS_CSV).exists():
            raise SyntheaFormatError(
                f"{self.folder}: holds neither {PATIENTS_CSV} nor {PROVIDERS_CSV} (nor {ENCOUNTERS_CSV}) "
                "(give the folder of a Synthea CSV export, such as output/csv)"
            )
        self.patients = PatientsFile(patients) if patients.exists() else None
        self.providers = ProvidersFile(providers) if providers.exists() else None
        self.organizations = (
            OrganizationsFile(organizations) if self.providers is not None and organizations.exists() else None
        )
        encounters = self.folder / ENCOUNTERS_CSV
        self.encounters = EncountersFile(encounters) if encounters.exists() else None


# --- values -------------------------------------------------------------------------------------


def in_columns(rejection: Rejection, columns: Mapping[str, str]) -> Rejection:
    """``rejection`` with its field (a dotted domain path such as ``organization.phone``) named by
    the CSV column in ``columns`` that holds it: the whole path if ``columns`` has it, else its
    first part, the rest of the path then going in front of the reason. A field with no column is
    left as it is."""
    if rejection.field is None:
        return rejection
    if rejection.field in columns:
        return Rejection(rejection.source, columns[rejection.field], rejection.reason)
    head, _, rest = rejection.field.partition(".")
    column = columns.get(head)
    if column is None:
        return rejection
    return Rejection(rejection.source, column, f"{rest}: {rejection.reason}" if rest else rejection.reason)


def _gender(value: str) -> AdministrativeGender:
    gender = _GENDERS.get(value.upper())
    if gender is None:
        raise _BadValueError("GENDER", f"not a gender code {_quote(value)} (M or F)")
    return gender


def _date(value: str, column: str) -> date | None:
    if not value:
        return None
    text = value[:10] if len(value) > 10 and value[10] == "T" else value
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _BadValueError(column, f"not a date {_quote(value)}")


def _work_address(line: str, city: str, state: str, zip_code: str) -> Address | None:
    if not (line or city or state or zip_code):
        return None
    return Address(
        use=AddressUse.WORK,
        line=(line,) if line else (),
        city=city or None,
        state=state or None,
        postal_code=zip_code or None,
    )


def _quote(value: str) -> str:
    if len(value) > _LONGEST_QUOTE:
        value = value[:_LONGEST_QUOTE] + "…"
    return repr(value)
