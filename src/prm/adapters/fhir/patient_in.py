"""FHIR R4 ``Patient`` resource (JSON, decoded) → what PRM's patient use cases take.

The inverse of :mod:`prm.adapters.fhir.patient` (FHIR R4 4.0.1, https://hl7.org/fhir/R4/patient.html):

- ``identifier[]``: the one whose ``type`` is v2-0203 ``MR`` becomes the MRN (with its
  ``system``); the others keep ``system``, ``value`` and their v2-0203 type code. An identifier
  without ``system`` gets ``urn:prm:fhir-identifier``;
- ``name[]``: the ``official`` (or ``usual``, else the first) HumanName: ``family``, ``given``,
  ``prefix``, ``suffix`` (``text`` is derived, so not read);
- ``telecom[]``: ``system``/``value``/``use``/``rank`` (phones are normalised by the use case);
- ``gender``, ``birthDate`` (a full date; a year or year-month is refused), ``deceasedDateTime``
  (its date part), ``address[]``, ``maritalStatus`` (v3-MaritalStatus or ``UNK``),
  ``communication[]``: the ``preferred`` language (else the first), its BCP 47 code;
- ``active``: read as :attr:`FhirPatient.active`; ``deceasedBoolean`` and ``link`` are read-only
  in PRM (set by the merge and deceased workflows) and ignored, as are extensions, ``text``,
  ``meta`` and elements PRM does not keep.

A resource that breaks FHIR's structure or PRM's rules raises :class:`InvalidResource` (422)
naming the element as a FHIRPath (``Patient.birthDate``, ``Patient.telecom[1].value``).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote

from prm.application.fhir.errors import InvalidResource
from prm.application.patients.inputs import ContactPointInput, PatientInput
from prm.domain.patients.model import DEFAULT_MRN_SYSTEM, IDENTIFIER_TYPE_SYSTEM, MRN_TYPE, Identifier, MaritalStatus
from prm.domain.shared.contact import Address, AddressUse, ContactPointSystem, ContactPointUse
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender, HumanName

UNSYSTEMED_IDENTIFIER = "urn:prm:fhir-identifier"
"""The system given to an identifier that arrives without one."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_PRM_TO_FHIR = {
    "name": "name",
    "mrn": "identifier",
    "identifiers": "identifier",
    "gender": "gender",
    "birth_date": "birthDate",
    "deceased_date": "deceasedDateTime",
    "telecom": "telecom",
    "phone": "telecom",
    "email": "telecom",
    "addresses": "address",
    "preferred_language": "communication",
    "marital_status": "maritalStatus",
    "start_time": "start",
    "end_time": "end",
    "appointment_type": "appointmentType",
    "reason_text": "reasonCode",
    "patient_id": "participant",
    "practitioner_id": "participant",
    "location_id": "participant",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FhirPatient:
    """A decoded Patient: its ``id`` (``None`` when absent), the PRM input, and ``active``
    (``None`` when absent)."""

    id: str | None
    patient: PatientInput
    active: bool | None


def fhir_expression(prm_field: str | None, resource_type: str = "Patient") -> str | None:
    """The FHIRPath of a PRM field path (a patient's, or an appointment's: ``start_time`` →
    ``Appointment.start``): ``birth_date`` → ``Patient.birthDate``,
    ``telecom.1.value`` → ``Patient.telecom[1].value``; ``None`` stays ``None``; a path already
    in FHIR form is kept."""
    if prm_field is None:
        return None
    if prm_field.startswith((f"{resource_type}.", "Bundle.")):
        return prm_field
    head, *rest = prm_field.split(".")
    path = f"{resource_type}.{_PRM_TO_FHIR.get(head, head)}"
    for part in rest:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


def patient_input(resource: object) -> FhirPatient:
    """Read a FHIR R4 Patient (see the module docstring); raises :class:`InvalidResource`."""
    if not isinstance(resource, Mapping):
        raise InvalidResource("the body is not a FHIR resource (a JSON object)", field="Patient")
    if resource.get("resourceType") != "Patient":
        raise InvalidResource(
            f"resourceType must be Patient, not {str(resource.get('resourceType'))[:40]!r}",
            field="Patient.resourceType",
        )
    resource_id = _optional_str(resource, "id")
    mrn, mrn_system, identifiers = _identifiers(_list(resource, "identifier"))
    try:
        patient = PatientInput(
            name=_name(_list(resource, "name")),
            mrn=mrn,
            mrn_system=mrn_system,
            identifiers=identifiers,
            gender=_enum(AdministrativeGender, resource.get("gender"), "gender") or AdministrativeGender.UNKNOWN,
            birth_date=_date(resource.get("birthDate"), "birthDate"),
            deceased_date=_date(resource.get("deceasedDateTime"), "deceasedDateTime"),
            telecom=tuple(_contact_point(c, i) for i, c in enumerate(_list(resource, "telecom"))),
            addresses=tuple(_address(a, i) for i, a in enumerate(_list(resource, "address"))),
            preferred_language=_language(_list(resource, "communication")),
            marital_status=_marital_status(resource.get("maritalStatus")),
        )
    except InvalidResource:
        raise
    except RuleViolated as exc:
        raise InvalidResource(exc.detail, field=fhir_expression(exc.field)) from exc
    active = resource.get("active")
    if active is not None and not isinstance(active, bool):
        raise InvalidResource("active must be true or false", field="Patient.active")
    return FhirPatient(id=resource_id, patient=patient, active=active)


def identifier_token(if_none_exist: str, resource_type: str = "Patient") -> str:
    """The ``system|value`` (or ``value``) token of an ``If-None-Exist`` / ``ifNoneExist`` query
    (FHIR R4 http.html#ccreate); only ``identifier=`` is supported. Raises :class:`InvalidResource`."""
    query = if_none_exist.strip().removeprefix("?")
    name, sep, value = query.partition("=")
    if name.strip() != "identifier" or not sep or not value.strip() or "&" in value:
        raise InvalidResource(
            f"If-None-Exist must be identifier=system|value, not {if_none_exist[:80]!r}", field="If-None-Exist"
        )
    return unquote(value.strip())


def _list(resource: Mapping[str, Any], key: str, base: str = "Patient") -> list[Any]:
    value = resource.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidResource(f"{key} must be an array", field=f"{base}.{key}")
    return value


def _optional_str(element: Mapping[str, Any], key: str, path: str = "Patient") -> str | None:
    value = element.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidResource(f"{key} must be a string", field=f"{path}.{key}")
    return value.strip() or None


def _strings(element: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    values = element.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidResource(f"{key} must be an array of strings", field=f"{path}.{key}")
    return tuple(v.strip() for v in values if v.strip())


def _object(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidResource("must be an object", field=path)
    return value


def _enum(kind: Any, value: object, element: str) -> Any:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = " | ".join(m.value for m in kind)
        raise InvalidResource(f"{element} must be one of {allowed}", field=f"Patient.{element}") from None


def _date(value: object, element: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise InvalidResource(f"{element} must be a full date YYYY-MM-DD", field=f"Patient.{element}")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidResource(f"{element} is not a calendar date", field=f"Patient.{element}") from None


def _type_code(identifier: Mapping[str, Any], path: str) -> str | None:
    kind = identifier.get("type")
    if kind is None:
        return None
    codings = _object(kind, f"{path}.type").get("coding") or []
    if not isinstance(codings, list):
        raise InvalidResource("coding must be an array", field=f"{path}.type.coding")
    for coding in codings:
        coding = _object(coding, f"{path}.type.coding")
        if coding.get("system") in (IDENTIFIER_TYPE_SYSTEM, None) and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def _identifiers(given: list[Any]) -> tuple[str | None, str, tuple[Identifier, ...]]:
    mrn: str | None = None
    mrn_system = DEFAULT_MRN_SYSTEM
    others: list[Identifier] = []
    for i, raw in enumerate(given):
        path = f"Patient.identifier[{i}]"
        identifier = _object(raw, path)
        value = _optional_str(identifier, "value", path)
        if value is None:
            raise InvalidResource("an identifier needs a value", field=f"{path}.value")
        system = _optional_str(identifier, "system", path) or UNSYSTEMED_IDENTIFIER
        type_code = _type_code(identifier, path)
        if type_code == MRN_TYPE and mrn is None:
            mrn, mrn_system = value, system
        elif type_code == MRN_TYPE:
            raise InvalidResource("a patient has one identifier of type MR (the MRN)", field=path)
        else:
            try:
                others.append(Identifier(system=system, value=value, type=type_code))
            except RuleViolated as exc:
                raise InvalidResource(exc.detail, field=path) from exc
    return mrn, mrn_system, tuple(others)


def _name(given: list[Any]) -> HumanName:
    if not given:
        raise InvalidResource("a patient needs a name", field="Patient.name")
    names = [_object(n, f"Patient.name[{i}]") for i, n in enumerate(given)]
    index = next(
        (i for use in ("official", "usual") for i, n in enumerate(names) if n.get("use") == use),
        0,
    )
    name, path = names[index], f"Patient.name[{index}]"
    try:
        return HumanName(
            given=_strings(name, "given", path),
            family=_optional_str(name, "family", path),
            prefix=_strings(name, "prefix", path),
            suffix=_strings(name, "suffix", path),
        )
    except InvalidResource:
        raise
    except RuleViolated as exc:
        raise InvalidResource(exc.detail, field=path) from exc


def _contact_point(raw: object, index: int) -> ContactPointInput:
    path = f"Patient.telecom[{index}]"
    contact = _object(raw, path)
    value = _optional_str(contact, "value", path)
    if value is None:
        raise InvalidResource("a contact point needs a value", field=f"{path}.value")
    system = _enum(ContactPointSystem, contact.get("system") or "other", f"telecom[{index}].system")
    rank = contact.get("rank")
    if rank is not None and (not isinstance(rank, int) or isinstance(rank, bool) or rank < 1):
        raise InvalidResource("rank must be a positive integer", field=f"{path}.rank")
    return ContactPointInput(
        system=system,
        value=value,
        use=_enum(ContactPointUse, contact.get("use"), f"telecom[{index}].use"),
        rank=rank,
    )


def _address(raw: object, index: int) -> Address:
    path = f"Patient.address[{index}]"
    address = _object(raw, path)
    return Address(
        use=_enum(AddressUse, address.get("use"), f"address[{index}].use"),
        line=_strings(address, "line", path),
        city=_optional_str(address, "city", path),
        district=_optional_str(address, "district", path),
        state=_optional_str(address, "state", path),
        postal_code=_optional_str(address, "postalCode", path),
        country=_optional_str(address, "country", path),
    )


def _language(given: list[Any]) -> str | None:
    items = [_object(c, f"Patient.communication[{i}]") for i, c in enumerate(given)]
    chosen = next((c for c in items if c.get("preferred") is True), items[0] if items else None)
    if chosen is None:
        return None
    language = _object(chosen.get("language") or {}, "Patient.communication.language")
    for coding in language.get("coding") or []:
        if isinstance(coding, Mapping) and isinstance(coding.get("code"), str) and coding["code"].strip():
            return str(coding["code"]).strip()
    return None


def _marital_status(raw: object) -> MaritalStatus | None:
    if raw is None:
        return None
    concept = _object(raw, "Patient.maritalStatus")
    codes = [str(c.get("code")) for c in concept.get("coding") or [] if isinstance(c, Mapping)]
    for code in codes:
        try:
            return MaritalStatus(code)
        except ValueError:
            continue
    if codes:
        raise InvalidResource(
            "maritalStatus must be coded in v3-MaritalStatus (A, D, I, L, M, P, S, T, U, W) or UNK",
            field="Patient.maritalStatus",
        )
    return None
