"""FHIR R4 files → import records (``prm import fhir PATH``).

A PATH is a file or a folder (its ``*.json`` and ``*.ndjson`` files, not recursive, by name):

- ``*.json``: a Bundle (any type: the Synthea per-patient ``transaction`` Bundles, the
  ``batch`` Bundles of hospitals and practitioners, a ``searchset``) whose entries' resources are
  read, or a single resource. A record's source is ``file:entry:<index>`` (0-based, as
  ``Bundle.entry[index]``).
- ``*.ndjson``: FHIR Bulk Data, one resource per line; a record's source is ``file:<line>``
  (1-based).

Patients become :class:`PatientRecord` upserted by MRN: the value of the identifier of type
``MR`` (Synthea's is the resource id), else the resource ``id`` (in system
:data:`FHIR_ID_SYSTEM`). Practitioners become :class:`PractitionerRecord` upserted by external id:
the ``urn:prm:external-id`` identifier PRM itself emits, else the resource ``id``; the NPI
(``http://hl7.org/fhir/sid/us-npi``, or ``urn:prm:registration``) is the registration number and
``urn:prm:license`` the license number. Other resource types are counted, not imported.
"""

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import msgspec

from prm.adapters.fhir.patient_in import fhir_expression, patient_input
from prm.application.fhir.errors import InvalidResource
from prm.application.patients.import_patients import OPTIONAL_FIELDS as PATIENT_OPTIONAL
from prm.application.patients.import_patients import PatientRecord
from prm.application.practitioners.find_practitioner_records import EXTERNAL_ID_SYSTEM, LICENSE_SYSTEM
from prm.application.practitioners.import_practitioners import OPTIONAL_FIELDS as PRACTITIONER_OPTIONAL
from prm.application.practitioners.import_practitioners import PractitionerRecord
from prm.application.practitioners.inputs import PractitionerInput
from prm.application.shared.imports import Rejection, SourceRef
from prm.domain.shared.contact import Address
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender

FHIR_ID_SYSTEM = "urn:prm:fhir-id"
"""The MRN system of a patient whose resource has no identifier of type MR (its ``id`` is the MRN)."""
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
REGISTRATION_SYSTEM = "urn:prm:registration"
SUFFIXES = (".json", ".ndjson")
_PRACTITIONER_PROVIDED = frozenset(
    {"first_name", "last_name", "middle_name", "prefix", "gender", "phone_primary", "email_primary", "address"}
    | {"is_active", "registration_number", "license_number", "external_id", "qualification"}
)


class FhirPathError(Exception):
    """PATH is neither a FHIR file nor a folder holding some."""


@dataclass(slots=True)
class FhirFile:
    """What one file holds: its records (or rejections) by kind, in file order, and the count
    of each resource type read but not imported. ``unreadable``: why the file itself could not
    be read (not JSON), else ``None``."""

    name: str
    patients: list[PatientRecord | Rejection] = field(default_factory=list)
    practitioners: list[PractitionerRecord | Rejection] = field(default_factory=list)
    others: Counter[str] = field(default_factory=Counter)
    unreadable: str | None = None
    not_fhir: bool = False
    """JSON, but neither a resource nor a Bundle (a generator's run metadata, say): skipped."""


def fhir_files(path: str | Path) -> list[Path]:
    """The files to read: PATH itself, or the ``*.json`` / ``*.ndjson`` files of the folder PATH,
    by name. Raises :class:`FhirPathError`."""
    given = Path(path)
    if given.is_file():
        return [given]
    if not given.is_dir():
        raise FhirPathError(f"{path}: no such file or folder")
    found = sorted(p for p in given.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    if not found:
        raise FhirPathError(f"{path}: no *.json or *.ndjson file")
    return found


def read_fhir_file(path: Path) -> FhirFile:
    """Read ``path`` (see the module docstring)."""
    result = FhirFile(path.name)
    try:
        read = 0
        for source, resource in _resources(path):
            read += 1
            _add(result, source, resource)
        result.not_fhir = read == 0 and path.suffix == ".json"
    except (msgspec.DecodeError, UnicodeDecodeError, OSError) as exc:
        result.unreadable = f"not FHIR JSON: {str(exc)[:120]}"
    return result


def _resources(path: Path) -> Iterator[tuple[SourceRef, Any]]:
    if path.suffix == ".ndjson":
        decoder = msgspec.json.Decoder()
        with path.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    try:
                        yield SourceRef(path.name, number), decoder.decode(line)
                    except msgspec.DecodeError as exc:
                        yield SourceRef(path.name, number), exc
        return
    document = msgspec.json.decode(path.read_bytes())
    if isinstance(document, Mapping) and document.get("resourceType") == "Bundle":
        entries = document.get("entry") or []
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            yield SourceRef(f"{path.name}:entry", index), resource
    elif isinstance(document, Mapping) and isinstance(document.get("resourceType"), str):
        yield SourceRef(path.name, 1), document


def _add(result: FhirFile, source: SourceRef, resource: Any) -> None:
    if isinstance(resource, msgspec.DecodeError):
        result.patients.append(Rejection(source, None, f"not JSON: {str(resource)[:120]}"))
        return
    kind = resource.get("resourceType") if isinstance(resource, Mapping) else None
    if kind == "Patient":
        result.patients.append(_patient(source, resource))
    elif kind == "Practitioner":
        result.practitioners.append(_practitioner(source, resource))
    else:
        result.others[str(kind or "(no resourceType)")] += 1


def _patient(source: SourceRef, resource: Mapping[str, Any]) -> PatientRecord | Rejection:
    try:
        read = patient_input(resource)
    except InvalidResource as exc:
        return Rejection(source, exc.field, exc.detail)
    given = read.patient
    if not given.mrn:
        if not read.id:
            return Rejection(source, "Patient.identifier", "no identifier of type MR and no id to upsert by")
        given = replace(given, mrn=read.id, mrn_system=FHIR_ID_SYSTEM)
    return PatientRecord(source=source, patient=given, optional=PATIENT_OPTIONAL)


def _practitioner(source: SourceRef, resource: Mapping[str, Any]) -> PractitionerRecord | Rejection:
    try:
        return PractitionerRecord(
            source=source,
            practitioner=_practitioner_input(resource),
            provided=_PRACTITIONER_PROVIDED,
            optional=PRACTITIONER_OPTIONAL,
        )
    except RuleViolated as exc:
        return Rejection(source, fhir_expression(exc.field, "Practitioner"), exc.detail)


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _practitioner_input(resource: Mapping[str, Any]) -> PractitionerInput:
    identifiers: dict[str, str] = {}
    for identifier in resource.get("identifier") or []:
        if isinstance(identifier, Mapping) and _text(identifier.get("value")):
            identifiers.setdefault(str(identifier.get("system")), str(identifier["value"]).strip())
    external_id = identifiers.get(EXTERNAL_ID_SYSTEM) or _text(resource.get("id"))
    if not external_id:
        raise InvalidResource("no id or urn:prm:external-id identifier to upsert by", field="Practitioner.id")
    names = [n for n in resource.get("name") or [] if isinstance(n, Mapping)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = [g.strip() for g in name.get("given") or [] if isinstance(g, str) and g.strip()]
    family = _text(name.get("family"))
    if not given or not family:
        raise InvalidResource("a practitioner needs a given and a family name", field="Practitioner.name")
    prefixes = [p for p in name.get("prefix") or [] if isinstance(p, str) and p.strip()]
    telecom = [t for t in resource.get("telecom") or [] if isinstance(t, Mapping)]
    phone = next((_text(t.get("value")) for t in telecom if t.get("system") == "phone"), None)
    email = next((_text(t.get("value")) for t in telecom if t.get("system") == "email"), None)
    addresses = [a for a in resource.get("address") or [] if isinstance(a, Mapping)]
    address = None
    if addresses:
        a = addresses[0]
        lines = tuple(x.strip() for x in a.get("line") or [] if isinstance(x, str) and x.strip())
        address = Address(
            line=lines,
            city=_text(a.get("city")),
            state=_text(a.get("state")),
            postal_code=_text(a.get("postalCode")),
            country=_text(a.get("country")),
        )
    try:
        gender = AdministrativeGender(resource.get("gender") or "unknown")
    except ValueError:
        raise InvalidResource("gender must be male | female | other | unknown", field="Practitioner.gender") from None
    qualifications = [q for q in resource.get("qualification") or [] if isinstance(q, Mapping)]
    qualification = _text((qualifications[0].get("code") or {}).get("text")) if qualifications else None
    return PractitionerInput(
        first_name=given[0],
        middle_name=" ".join(given[1:]) or None,
        last_name=family,
        prefix=prefixes[0].strip() if prefixes else None,
        gender=gender,
        qualification=qualification,
        license_number=identifiers.get(LICENSE_SYSTEM),
        registration_number=identifiers.get(REGISTRATION_SYSTEM) or identifiers.get(NPI_SYSTEM),
        phone_primary=phone,
        email_primary=email,
        address=address,
        is_active=resource.get("active") is not False,
        external_id=external_id,
    )
