"""The PID segment (HL7 v2.5.1 3.4.2) as the patients context's registration data: PID-3
identifiers with their assigning authority, PID-5 name, PID-7 birth date, PID-8 sex as FHIR
AdministrativeGender, PID-11 addresses, PID-13/14 phones in E.164, PID-15 language. What cannot
be read is left out with a warning (an ERR of the ACK), never guessed."""

import re
from datetime import date
from typing import Any
from urllib.parse import quote

from prm.adapters.hl7.segments import repetitions, value_at
from prm.application.hl7.ports import PatientData, PatientIdentifierData, PhoneData
from prm.domain.hl7.model import Hl7Error, Hl7ErrorCode
from prm.domain.patients.model import DEFAULT_MRN_SYSTEM
from prm.domain.shared.contact import Address, AddressUse, ContactPoint, ContactPointSystem, ContactPointUse
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender, HumanName

AUTHORITY_SYSTEM = "urn:prm:hl7:aa:"
"""Prefix of the system of an identifier whose assigning authority (CX-4) is a namespace id only."""

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_GENDERS = {
    "M": AdministrativeGender.MALE,
    "F": AdministrativeGender.FEMALE,
    "O": AdministrativeGender.OTHER,
    "U": AdministrativeGender.UNKNOWN,
    "A": AdministrativeGender.UNKNOWN,
    "N": AdministrativeGender.UNKNOWN,
}
"""HL7 table 0001 to FHIR AdministrativeGender as issue 14 asks: M male, F female, O other, and
U (unknown), A (ambiguous), N (not applicable) unknown; any other code is unknown too."""
_ADDRESS_USES = {"H": AddressUse.HOME, "B": AddressUse.WORK, "O": AddressUse.WORK, "C": AddressUse.TEMP}


def _system(segment: Any, field: int, repetition: int, is_mrn: bool) -> str:
    namespace = value_at(segment, field, repetition, 4, 1)
    universal, kind = value_at(segment, field, repetition, 4, 2), value_at(segment, field, repetition, 4, 3)
    if universal and kind.upper() == "ISO":
        return f"urn:oid:{universal}"
    if namespace:
        return AUTHORITY_SYSTEM + quote(namespace, safe="")
    return DEFAULT_MRN_SYSTEM if is_mrn else AUTHORITY_SYSTEM + "unknown"


def _identifiers(segment: Any, field: int) -> list[PatientIdentifierData]:
    found = []
    for repetition in range(1, repetitions(segment, field) + 1):
        value = value_at(segment, field, repetition, 1)
        if value:
            kind = value_at(segment, field, repetition, 5) or None
            found.append((repetition, value, kind))
    mrn = next((f for f in found if f[2] == "MR"), found[0] if found else None)
    result: list[PatientIdentifierData] = []
    seen: set[tuple[str, str]] = set()
    for repetition, value, kind in sorted(found, key=lambda f: f is not mrn):
        is_mrn = (repetition, value, kind) == mrn
        system = _system(segment, field, repetition, is_mrn)
        if (system, value) in seen:
            continue
        seen.add((system, value))
        result.append(PatientIdentifierData(value, system, kind if is_mrn or kind != "MR" else None))
    return result


def first_identifier(segment: Any, field: int) -> PatientIdentifierData | None:
    """The first CX identifier of ``field`` of ``segment`` (MRG-1 names the record merged away),
    with its system from the assigning authority (CX-4); ``None`` when the field is empty."""
    found = _identifiers(segment, field)
    return found[0] if found else None


def _name(pid: Any) -> HumanName | None:
    count = repetitions(pid, 5)
    chosen = next((r for r in range(1, count + 1) if value_at(pid, 5, r, 7) == "L"), 1)
    family = value_at(pid, 5, chosen, 1, 1)
    given = tuple(v for v in (value_at(pid, 5, chosen, 2), value_at(pid, 5, chosen, 3)) if v)
    if not family and not given:
        return None
    suffix = tuple(v for v in (value_at(pid, 5, chosen, 4),) if v)
    prefix = tuple(v for v in (value_at(pid, 5, chosen, 5),) if v)
    return HumanName(given=given, family=family or None, prefix=prefix, suffix=suffix)


def _birth_date(pid: Any, warnings: list[Hl7Error]) -> date | None:
    value = value_at(pid, 7)
    if not value:
        return None
    digits = value[:8]
    try:
        if len(digits) < 8 or not digits.isdigit():
            raise ValueError(value)
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        warnings.append(Hl7Error("PID", 7, Hl7ErrorCode.DATA_TYPE, "PID-7 is not a full date: birth date left out"))
        return None


def _addresses(pid: Any) -> tuple[Address, ...]:
    found = []
    for r in range(1, repetitions(pid, 11) + 1):
        street = " ".join(v for v in (value_at(pid, 11, r, 1, sub) for sub in (1, 2, 3)) if v)  # SAD.1-3
        line = tuple(v for v in (street, value_at(pid, 11, r, 2)) if v)
        address = Address(
            use=_ADDRESS_USES.get(value_at(pid, 11, r, 7)),
            line=line,
            city=value_at(pid, 11, r, 3) or None,
            state=value_at(pid, 11, r, 4) or None,
            postal_code=value_at(pid, 11, r, 5) or None,
            country=value_at(pid, 11, r, 6) or None,
            district=value_at(pid, 11, r, 9) or None,
        )
        if not address.is_empty() and address not in found:
            found.append(address)
    return tuple(found)


def _phones(pid: Any, region: str, warnings: list[Hl7Error]) -> tuple[PhoneData, ...]:
    found: list[PhoneData] = []
    seen: set[tuple[ContactPointSystem, str]] = set()
    for field, default_use in ((13, ContactPointUse.HOME), (14, ContactPointUse.WORK)):
        for r in range(1, repetitions(pid, field) + 1):
            use_code, equipment = value_at(pid, field, r, 2), value_at(pid, field, r, 3)
            if equipment in ("Internet", "X.400") or use_code == "NET":
                system, value = ContactPointSystem.EMAIL, value_at(pid, field, r, 4) or value_at(pid, field, r, 1)
            else:
                system = {"FX": ContactPointSystem.FAX, "BP": ContactPointSystem.PAGER}.get(
                    equipment, ContactPointSystem.PHONE
                )
                local = value_at(pid, field, r, 7)
                composed = (
                    "".join(v for v in (_country(value_at(pid, field, r, 5)), value_at(pid, field, r, 6), local) if v)
                    if local
                    else ""
                )
                value = value_at(pid, field, r, 12) or value_at(pid, field, r, 1) or composed
            if not value:
                continue
            use = ContactPointUse.MOBILE if equipment == "CP" else default_use
            try:
                point = ContactPoint.create(system=system, value=value, use=use, default_region=region)
            except RuleViolated:
                warnings.append(
                    Hl7Error("PID", field, Hl7ErrorCode.DATA_TYPE, f"a PID-{field} entry is not valid and was left out")
                )
                continue
            if (point.system, point.value) not in seen:
                seen.add((point.system, point.value))
                found.append(PhoneData(point.value, point.system, use))
    return tuple(found)


def _country(code: str) -> str:
    return f"+{code.lstrip('+')}" if code else ""


def _language(pid: Any, warnings: list[Hl7Error]) -> str | None:
    code = value_at(pid, 15, 1, 1)
    if not code:
        return None
    if not _LANGUAGE.match(code):
        warnings.append(Hl7Error("PID", 15, Hl7ErrorCode.DATA_TYPE, "PID-15 is not a language code: left out"))
        return None
    return code.lower()


def patient_of(pid: Any, region: str) -> PatientData:
    """The patient a PID segment describes (see the module docstring; PID-2 stands in for an
    empty PID-3). ``region``: ISO 3166-1 alpha-2, for phones written without ``+country``. Values
    that cannot be read are left out and named in the result's ``warnings``."""
    warnings: list[Hl7Error] = []
    identifiers = _identifiers(pid, 3) or _identifiers(pid, 2)
    try:
        name = _name(pid)
    except RuleViolated:
        name = None
        warnings.append(Hl7Error("PID", 5, Hl7ErrorCode.DATA_TYPE, "PID-5 is not a usable name: left out"))
    sex = value_at(pid, 8)
    gender = _GENDERS.get(sex.upper(), AdministrativeGender.UNKNOWN) if sex else None
    return PatientData(
        identifiers=tuple(identifiers),
        name=name,
        gender=gender,
        birth_date=_birth_date(pid, warnings),
        addresses=_addresses(pid),
        phones=_phones(pid, region, warnings),
        language=_language(pid, warnings),
        warnings=tuple(warnings),
    )
