"""Read Synthea's ``providers.csv`` (joined to ``organizations.csv``) as :class:`PractitionerRecord`.

The column mapping is in ``prm.adapters.inbound.synthea.reader``.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prm.adapters.inbound.synthea.countries import CountryOf
from prm.adapters.inbound.synthea.csv_table import CsvTable, count_rows
from prm.adapters.inbound.synthea.values import (
    LEFT_OUT,
    BadValueError,
    Report,
    gender,
    gender_note,
    in_columns,
    quote,
    read_phone,
)
from prm.application.practitioners.import_practitioners import PractitionerRecord
from prm.application.practitioners.inputs import EDITABLE_FIELDS, PractitionerInput
from prm.application.shared.imports import Rejection, SourceRef, ValueWarning
from prm.domain.practitioners.model import Organization
from prm.domain.shared.contact import Address, AddressUse
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender

PROVIDERS_CSV = "providers.csv"
ORGANIZATIONS_CSV = "organizations.csv"
AS_WRITTEN = "as_written"
"""The key of a practitioner's ``meta_data`` that keeps source values PRM could not store in their
field, as the source wrote them: ``{"as_written": {"organization.phone": "871-595-3366"}}``."""

# --- organizations ------------------------------------------------------------------------------

_ORGANIZATION_COLUMNS = ("Id", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "PHONE", "COUNTRY")
_ORGANIZATION_FIELD_COLUMNS = {
    "organization.name": "NAME",
    "organization.phone": "PHONE",
    "organization.address": "ADDRESS",
    "organization.external_id": "Id",
}


@dataclass(slots=True)
class Organizations:
    """The usable rows of ``organizations.csv`` by ``Id``, and what was said about the others.

    ``as_written`` holds, by ``Id``, the ``PHONE`` cells that gave no usable number (or gave one
    of several), as written; ``rejected`` the source of each row left out.
    """

    by_id: dict[str, Organization] = field(default_factory=dict)
    as_written: dict[str, str] = field(default_factory=dict)
    rejected: dict[str, SourceRef] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[ValueWarning] = field(default_factory=list)
    rows: int = 0


class OrganizationsFile:
    """``organizations.csv``: read whole (it is small) to join providers on ``ORGANIZATION``.

    Raises ``SyntheaFormatError`` when the file is empty or its header lacks ``Id`` or ``NAME``.
    """

    def __init__(self, path: Path) -> None:
        self._table = CsvTable(path, _ORGANIZATION_COLUMNS, required=("Id", "NAME"))
        self.name = path.name

    def read(self, default_region: str = "US") -> Organizations:
        """Every organization. A blank ``Id`` or ``NAME`` (or a name over the limit) rejects the
        row; a row repeating an ``Id`` is left out with a warning (the first row stands).
        ``PHONE`` is read in the organization's own country (its ``STATE``/``COUNTRY``), else in
        ``default_region`` (the tenant's); a cell without a usable number is left out with a warning
        and kept, as written, in :attr:`Organizations.as_written`."""
        found = Organizations()
        first_line: dict[str, int] = {}
        country_of = CountryOf()
        for item in self._table.rows():
            if isinstance(item, ValueWarning):
                found.warnings.append(item)
                continue
            found.rows += 1
            if isinstance(item, Rejection):
                found.rejections.append(item)
                continue
            line, (org_id, name, street, city, state, zip_code, phone, country_column) = item
            source = SourceRef(self.name, line)
            if not org_id:
                found.rejections.append(Rejection(source, "Id", "blank: the Id is how providers refer to it"))
                continue
            if org_id in first_line:
                found.warnings.append(
                    ValueWarning(source, "Id", f"repeats the organization of line {first_line[org_id]}: {LEFT_OUT}")
                )
                continue
            first_line[org_id] = line
            country = country_of(state, country_column)
            reading = read_phone(phone, country or default_region, region_known=country is not None)
            if reading.note:
                kept = f" (the cell is kept as written in its practitioners' meta_data.{AS_WRITTEN})"
                found.warnings.append(ValueWarning(source, "PHONE", reading.note + (kept if reading.lossy else "")))
            if reading.lossy:
                found.as_written[org_id] = phone
            organization = Organization(
                name=name,
                phone=reading.value,
                external_id=org_id,
                address=work_address(street, city, state, zip_code, country_column or country),
            )
            try:
                organization.check()
            except RuleViolated as exc:
                found.rejected[org_id] = source
                found.as_written.pop(org_id, None)
                found.rejections.append(
                    in_columns(Rejection(source, exc.field, exc.detail), _ORGANIZATION_FIELD_COLUMNS)
                )
                continue
            found.by_id[org_id] = organization
        return found


# --- providers ----------------------------------------------------------------------------------

_PROVIDER_COLUMNS = ("Id", "ORGANIZATION", "NAME", "GENDER", "SPECIALITY", "ADDRESS", "CITY", "STATE", "ZIP", "COUNTRY")
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
    "meta_data": "ORGANIZATION",
}
_OPTIONAL = frozenset(
    {"gender", "speciality", "address", "organization", "organization.phone", "organization.address", "meta_data"}
)


class ProvidersFile:
    """``providers.csv``: streams :class:`PractitionerRecord` (or :class:`Rejection`) per row, and
    a :class:`ValueWarning` for a row that repeats the ``Id`` of an earlier one (left out: older
    Synthea versions list a provider once per speciality).

    Raises ``SyntheaFormatError`` when the file is empty or its header lacks ``Id`` or ``NAME``.
    """

    def __init__(self, path: Path) -> None:
        self._table = CsvTable(path, _PROVIDER_COLUMNS, required=("Id", "NAME"))
        self.name = path.name

    def count(self) -> int:
        """Data rows, counted cheaply (see :func:`count_rows`)."""
        return count_rows(self._table.path)

    def records(self, organizations: Organizations | None) -> Iterator[PractitionerRecord | Rejection | ValueWarning]:
        """One item per data row, in file order (see the class docstring).

        ``organizations`` is ``None`` when the export has no usable ``organizations.csv``:
        providers are then imported without their practice. With it, an ``ORGANIZATION`` that is
        not there (or whose row was rejected) is left out with a warning: the provider imports
        without its practice (and an existing practitioner keeps the one it has).
        """
        name = self.name
        first: dict[str, tuple[int, str]] = {}
        country_of = CountryOf()
        for item in self._table.rows():
            if isinstance(item, Rejection | ValueWarning):
                yield item
                continue
            line, values = item
            source = SourceRef(name, line)
            provider_id, speciality = values[0], values[4]
            if provider_id in first:
                yield _repeat(source, first[provider_id], speciality)
                continue
            try:
                record = _practitioner(source, values, organizations, country_of)
            except BadValueError as exc:
                yield Rejection(source, exc.column, exc.reason)
                continue
            except RuleViolated as exc:
                yield in_columns(Rejection(source, exc.field, exc.detail), _PROVIDER_FIELD_COLUMNS)
                continue
            first[provider_id] = (line, speciality)
            yield record

    @staticmethod
    def column_of(report: Report) -> Report:
        """``report`` with a practitioner field name turned into its CSV column (see
        ``PatientsFile.column_of``); ``organization.phone`` becomes ``ORGANIZATION``."""
        return in_columns(report, _PROVIDER_FIELD_COLUMNS)


def _repeat(source: SourceRef, first: tuple[int, str], speciality: str) -> ValueWarning:
    line, first_speciality = first
    if speciality and speciality != first_speciality:
        return ValueWarning(
            source,
            "Id",
            f"repeats the provider of line {line}, which is kept: this row (SPECIALITY {quote(speciality, 80)}) "
            f"is {LEFT_OUT}",
        )
    return ValueWarning(source, "Id", f"repeats the provider of line {line}: this row is {LEFT_OUT}")


def _practitioner(
    source: SourceRef, values: tuple[str, ...], organizations: Organizations | None, country_of: CountryOf
) -> PractitionerRecord:
    provider_id, org_id, full_name, gender_code, speciality, street, city, state, zip_code, country_column = values
    if not provider_id:
        raise BadValueError("Id", "blank: the Id is the practitioner's external id")
    first, _, last = " ".join(full_name.split()).rpartition(" ")
    if not first or not last:
        raise BadValueError("NAME", "needs a first and a last name separated by a space")
    warnings: list[ValueWarning] = []
    left_out: set[str] = set()
    sex = gender(gender_code)
    if sex is None:
        warnings.append(ValueWarning(source, "GENDER", gender_note(gender_code)))
        sex = AdministrativeGender.UNKNOWN
        left_out.add("gender")
    organization = None
    meta_data: dict[str, object] = {}
    if org_id and organizations is not None:
        organization = organizations.by_id.get(org_id)
        if organization is None:
            if org_id in organizations.rejected:
                why = f"the organization's row {organizations.rejected[org_id]} was rejected"
            else:
                why = f"no organization with Id {quote(org_id)} in {ORGANIZATIONS_CSV}"
            warnings.append(ValueWarning(source, "ORGANIZATION", f"{why}: imported without its organization"))
            left_out.add("organization")
        elif org_id in organizations.as_written:
            meta_data = {AS_WRITTEN: {"organization.phone": organizations.as_written[org_id]}}
    practitioner = PractitionerInput(
        first_name=first,
        last_name=last,
        gender=sex,
        speciality=speciality or None,
        address=work_address(street, city, state, zip_code, country_column or country_of(state, country_column)),
        organization=organization,
        meta_data=meta_data,
        external_id=provider_id,
    )
    return PractitionerRecord(
        source=source,
        practitioner=practitioner,
        provided=EDITABLE_FIELDS - left_out if left_out else EDITABLE_FIELDS,
        optional=_OPTIONAL,
        warnings=tuple(warnings),
    )


def work_address(street: str, city: str, state: str, zip_code: str, country: str | None) -> Address | None:
    """A work address as written (``None`` when every part is blank); ``country`` is the row's
    country, as written or as found from ``STATE``."""
    if not (street or city or state or zip_code):
        return None
    return Address(
        use=AddressUse.WORK,
        line=(street,) if street else (),
        city=city or None,
        state=state or None,
        postal_code=zip_code or None,
        country=country or None,
    )
