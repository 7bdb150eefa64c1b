"""Read a Synthea CSV export folder as PRM import records.

Synthea (https://github.com/synthetichealth/synthea) writes one CSV file per resource type;
PRM takes four of them: ``patients.csv`` (patients), ``providers.csv`` (practitioners),
``organizations.csv`` (the providers' practices, joined on ``providers.ORGANIZATION``) and
``encounters.csv`` (past appointments, read by ``prm.adapters.inbound.synthea.encounters``). Column
meanings are those of the Synthea CSV data dictionary (Synthea wiki, "CSV File Data Dictionary").

**Rejected or imported.** Only what makes a row unusable rejects it (a :class:`Rejection` naming
file, line and column): a blank ``Id``, no name, an unreadable ``BIRTHDATE`` (patients), an
organization without a name. A value that is wrong in an *optional* column costs the row nothing:
it is left out (or kept as written, where noted), the row imports, and a :class:`ValueWarning`
names file, line and column. A row repeating the ``Id`` of an earlier row of its file is left
out with a warning (the first row stands); an existing record keeps the value of a field whose
source value was left out.

**The row's country** (``prm.adapters.inbound.synthea.countries``): its ``COUNTRY`` column when the file
has one, else what ``STATE`` names (a US state or USPS code is the US; ``UnitedKingdom``, as a
``synthea-international`` UK export writes it, is GB), else unknown. It decides how phones are
read and which identifier systems a patient's numbers get, and is the address's ``country``
(the ``COUNTRY`` cell as written, else the ISO code found).

Patients (one :class:`PatientRecord` per row; the header is line 1):

- ``Id`` is the MRN, in the system ``https://github.com/synthetichealth/synthea`` (Synthea's own
  FHIR export gives the patient that identifier too);
- ``SSN``, ``DRIVERS``, ``PASSPORT`` become identifiers of type ``SS``, ``DL`` and ``PPN``; US rows
  get the systems Synthea's FHIR R4 export uses (:data:`SSN_SYSTEM`, :data:`DRIVERS_SYSTEM`,
  :data:`PASSPORT_SYSTEM`); rows of another country get systems in Synthea's namespace qualified
  by the country (``…/synthea/identifier/ssn/GB``, the ``SSN`` of type ``NI``), rows whose country
  is not known the same without the country: never the US SSN system (see
  ``countries.identifier_systems``). A value over 255 characters is left out (warning);
- ``PREFIX``, ``FIRST`` (and ``MIDDLE``, Synthea 3.3+), ``LAST``, ``SUFFIX`` form the name; a
  ``FIRST`` with spaces (``"Jorge Luis88"``) gives several given names. Synthea's numeric
  suffixes (``"Alice368"``) are kept: they are what the source says. ``MAIDEN`` is left out: PRM
  keeps one name per patient (FHIR would carry it as a second HumanName with ``use=maiden``);
- ``GENDER`` ``M``/``F`` is male/female, blank is unknown; another code is read as unknown, with
  a warning (an existing patient keeps its gender);
- ``BIRTHDATE`` and ``DEATHDATE`` are ISO dates (``YYYY-MM-DD``; a date-time's date part is
  taken); blank is absent. An unreadable ``BIRTHDATE`` rejects the row; an unreadable
  ``DEATHDATE``, or one before the birth date or in the future, is left out with a warning;
- ``MARITAL`` is an HL7 v3 MaritalStatus code (Synthea writes ``M``, ``S``, ``D``, ``W``); blank is
  absent. An unknown code is left out with a warning rather than becoming ``UNK``: FHIR's ``UNK``
  says the status is not known, which is not what a source with an unreadable code told us;
- ``ADDRESS``, ``CITY``, ``COUNTY`` (the district), ``STATE``, ``ZIP`` (and ``COUNTRY``) form the
  home address, as written (Synthea writes full state names, partial UK postcodes such as
  ``LA4``); ``BIRTHPLACE`` is where the patient was born, not where they live, and is not read.
  ``RACE``, ``ETHNICITY``, ``INCOME`` and the costs are not read either.

Only the columns ``Id``, ``FIRST`` and ``LAST`` are required. Each record's ``provided`` names the
patient fields whose columns the header has, so a re-import never blanks a field the source does
not carry (Synthea has no phones, emails or language, for instance).

Organizations (``organizations.csv``, read whole): ``Id`` is the practice's external id, ``NAME``
its name (required), ``ADDRESS``, ``CITY``, ``STATE``, ``ZIP`` its address. ``PHONE`` is parsed
with libphonenumber in the organization's own country (the tenant's phone region only when the
row's country is unknown), so a US number stays a US number in a GB tenant; a cell with several
numbers gives the first, one without a valid number gives none. Either way a warning names the
cell, and the practitioners of that organization keep the cell as written in their
``meta_data["as_written"]["organization.phone"]``.

Providers (one :class:`PractitionerRecord` per row): ``Id`` is the ``external_id``; ``NAME``
(``"Johna806 Klein929"``) splits on its last space into first and last name (both required);
``GENDER`` as for patients; ``SPECIALITY`` is kept as written (the upper-case CMS specialty
descriptions, such as ``GENERAL PRACTICE``, so that they still match that list); ``ADDRESS``,
``CITY``, ``STATE``, ``ZIP`` form the work address; ``ORGANIZATION`` is looked up in
``organizations.csv``: one that is not there, or whose row was rejected, is left out with a
warning and the provider imports without a practice. Older Synthea versions list a provider
once per speciality under the same ``Id``: the first row stands, the others are left out with a
warning naming their ``SPECIALITY``.

A report quotes at most the bad value of its column (never the rest of the row).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from prm.adapters.inbound.synthea.countries import DRIVERS_SYSTEM, PASSPORT_SYSTEM, SSN_SYSTEM, SYNTHEA_SYSTEM
from prm.adapters.inbound.synthea.csv_table import SyntheaFormatError
from prm.adapters.inbound.synthea.encounters import ENCOUNTERS_CSV, EncountersFile
from prm.adapters.inbound.synthea.patients import PATIENTS_CSV, PatientsFile
from prm.adapters.inbound.synthea.providers import (
    AS_WRITTEN,
    ORGANIZATIONS_CSV,
    PROVIDERS_CSV,
    Organizations,
    OrganizationsFile,
    ProvidersFile,
)
from prm.adapters.inbound.synthea.values import in_columns
from prm.application.shared.imports import Rejection, ValueWarning

__all__ = [
    "AS_WRITTEN",
    "DRIVERS_SYSTEM",
    "ENCOUNTERS_CSV",
    "MRN_SYSTEM",
    "ORGANIZATIONS_CSV",
    "PASSPORT_SYSTEM",
    "PATIENTS_CSV",
    "PROVIDERS_CSV",
    "SSN_SYSTEM",
    "EncountersFile",
    "Organizations",
    "OrganizationsFile",
    "PatientsFile",
    "ProvidersFile",
    "Rejection",
    "SkippedFile",
    "SyntheaExport",
    "SyntheaFormatError",
    "ValueWarning",
    "in_columns",
]

MRN_SYSTEM = SYNTHEA_SYSTEM
F = TypeVar("F", PatientsFile, ProvidersFile, OrganizationsFile, EncountersFile)
_READ = (PATIENTS_CSV, PROVIDERS_CSV, ORGANIZATIONS_CSV, ENCOUNTERS_CSV)


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of the export that is not imported, and why. ``unreadable`` means it is there but
    could not be read (empty, an unknown column layout, ...): its rows are missing from PRM."""

    name: str
    reason: str
    unreadable: bool = False

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


class SyntheaExport:
    """The files PRM reads from one Synthea CSV export folder (Synthea writes it to ``output/csv``).

    ``patients``, ``providers``, ``organizations`` and ``encounters`` are ``None`` when the file
    is absent or cannot be read; ``skipped`` says, for each file of the folder that is not read,
    why (absent, empty, an unknown column layout, or a kind of file PRM does not import).
    Raises :class:`SyntheaFormatError` when the folder does not exist, or when none of
    ``patients.csv``, ``providers.csv`` and ``encounters.csv`` can be read (the message then
    names each and why; encounters alone is fine: the people were imported before).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise SyntheaFormatError(str(self.folder), "no such folder")
        self.skipped: list[SkippedFile] = []
        self.patients = self._open(PATIENTS_CSV, PatientsFile, "no patients imported")
        self.providers = self._open(PROVIDERS_CSV, ProvidersFile, "no practitioners imported")
        if self.providers is not None:
            self.organizations = self._open(
                ORGANIZATIONS_CSV, OrganizationsFile, "practitioners imported without their organization"
            )
        else:
            self.organizations = None
            if (self.folder / ORGANIZATIONS_CSV).exists():
                self.skipped.append(SkippedFile(ORGANIZATIONS_CSV, f"not read: it only serves {PROVIDERS_CSV}"))
        self.encounters = self._open(ENCOUNTERS_CSV, EncountersFile, "no appointments imported")
        if self.patients is None and self.providers is None and self.encounters is None:
            missing = all(not s.unreadable for s in self.skipped if s.name != ORGANIZATIONS_CSV)
            if missing:
                reason = (
                    f"holds neither {PATIENTS_CSV} nor {PROVIDERS_CSV} (nor {ENCOUNTERS_CSV}) "
                    "(give the folder of a Synthea CSV export, such as output/csv)"
                )
            else:
                reason = "nothing PRM can import: " + "; ".join(str(s) for s in self.skipped)
            raise SyntheaFormatError(str(self.folder), reason)
        others = sorted(p.name for p in self.folder.glob("*.csv") if p.name not in _READ)
        self.skipped.extend(SkippedFile(name, "not imported (PRM does not read this kind of file)") for name in others)

    def _open(self, name: str, kind: Callable[[Path], F], consequence: str) -> F | None:
        path = self.folder / name
        if not path.exists():
            self.skipped.append(SkippedFile(name, f"not in the folder: {consequence}"))
            return None
        try:
            return kind(path)
        except SyntheaFormatError as exc:
            self.skipped.append(SkippedFile(name, f"{exc.reason}: {consequence}", unreadable=True))
            return None
