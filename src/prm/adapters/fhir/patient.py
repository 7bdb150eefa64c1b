"""PRM patient → FHIR R4 ``Patient`` resource (JSON, as a dict ready to encode).

Source of the shapes: FHIR R4 4.0.1, https://hl7.org/fhir/R4/patient.html.

- ``id`` is the PRM patient id; ``meta.versionId`` the record's version, ``meta.lastUpdated``
  its last change (an instant, UTC when the stored time has no zone);
- ``identifier[]``: ``system``, ``value``, and ``type`` coded in HL7 v2 table 0203
  (``MR`` for the MRN, whose ``use`` is ``usual``);
- ``active``: true for active and deceased records, false for inactive and merged ones;
- ``name[0]``: the ``official`` HumanName (``family``, ``given``, ``prefix``, ``suffix``, ``text``);
- ``telecom[]``: ContactPoint ``system``/``value``/``use``/``rank`` (phones in E.164);
- ``gender`` (AdministrativeGender), ``birthDate``, ``deceasedDateTime`` (a date), or
  ``deceasedBoolean: true`` for a deceased record without a date;
- ``address[]``; ``maritalStatus`` coded in v3-MaritalStatus (``UNK`` in v3-NullFlavor);
- ``communication[0]``: the preferred language, a BCP 47 code (``urn:ietf:bcp:47``);
- ``link[]``: ``replaced-by`` on a merged record, ``replaces`` on its survivor
  (``other.reference`` is ``Patient/{id}``).
"""

from datetime import UTC, datetime
from typing import Any

from prm.domain.patients.model import IDENTIFIER_TYPE_SYSTEM, MRN_TYPE, MaritalStatus, Patient, PatientStatus
from prm.domain.shared.contact import Address, ContactPoint
from prm.domain.shared.person import HumanName

MARITAL_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"
NULL_FLAVOR_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"

_IDENTIFIER_TYPE_DISPLAY = {
    "MR": "Medical record number",
    "SS": "Social Security number",
    "DL": "Driver's license number",
    "PPN": "Passport number",
    "NI": "National unique individual identifier",
}


def instant(moment: datetime) -> str:
    """A FHIR ``instant``: seconds (and fractions) with a zone; a naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def patient_resource(patient: Patient) -> dict[str, Any]:
    """The FHIR R4 Patient for ``patient`` (see the module docstring); empty elements are left out."""
    d = patient.details
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.id),
        "meta": {"versionId": str(patient.version), "lastUpdated": instant(patient.updated_at)},
        "identifier": [_identifier(i.system, i.value, i.type) for i in d.identifiers],
        "active": patient.status in (PatientStatus.ACTIVE, PatientStatus.DECEASED),
        "name": [human_name(d.name, "official")],
    }
    if d.telecom:
        resource["telecom"] = [contact_point(c) for c in d.telecom]
    resource["gender"] = d.gender.value
    if d.birth_date:
        resource["birthDate"] = d.birth_date.isoformat()
    if d.deceased_date:
        resource["deceasedDateTime"] = d.deceased_date.isoformat()
    elif patient.status is PatientStatus.DECEASED:
        resource["deceasedBoolean"] = True
    addresses = [address_element(a) for a in d.addresses if not a.is_empty()]
    if addresses:
        resource["address"] = addresses
    if d.marital_status:
        resource["maritalStatus"] = _marital_status(d.marital_status)
    if d.preferred_language:
        resource["communication"] = [
            {"language": {"coding": [{"system": LANGUAGE_SYSTEM, "code": d.preferred_language}]}, "preferred": True}
        ]
    if patient.links:
        resource["link"] = [
            {"other": {"reference": f"Patient/{link.other}"}, "type": link.type.value} for link in patient.links
        ]
    return resource


def _identifier(system: str, value: str, type_code: str | None) -> dict[str, Any]:
    identifier: dict[str, Any] = {}
    if type_code == MRN_TYPE:
        identifier["use"] = "usual"
    if type_code:
        coding: dict[str, Any] = {"system": IDENTIFIER_TYPE_SYSTEM, "code": type_code}
        if type_code in _IDENTIFIER_TYPE_DISPLAY:
            coding["display"] = _IDENTIFIER_TYPE_DISPLAY[type_code]
        identifier["type"] = {"coding": [coding]}
    identifier["system"] = system
    identifier["value"] = value
    return identifier


def human_name(name: HumanName, use: str | None = None) -> dict[str, Any]:
    """A FHIR R4 HumanName with ``text`` and the parts that are known; ``use`` (name-use) if given."""
    rendered: dict[str, Any] = ({"use": use} if use else {}) | {"text": name.text}
    if name.family:
        rendered["family"] = name.family
    for part in ("given", "prefix", "suffix"):
        if values := getattr(name, part):
            rendered[part] = list(values)
    return rendered


def contact_point(contact: ContactPoint) -> dict[str, Any]:
    """A FHIR R4 ContactPoint: system, value (E.164 for a phone), and use and rank when known."""
    rendered: dict[str, Any] = {"system": contact.system.value, "value": contact.value}
    if contact.use:
        rendered["use"] = contact.use.value
    if contact.rank is not None:
        rendered["rank"] = contact.rank
    return rendered


def address_element(address: Address) -> dict[str, Any]:
    """A FHIR R4 Address with only the parts that are known."""
    rendered: dict[str, Any] = {}
    if address.use:
        rendered["use"] = address.use.value
    if address.line:
        rendered["line"] = list(address.line)
    for key, value in (
        ("city", address.city),
        ("district", address.district),
        ("state", address.state),
        ("postalCode", address.postal_code),
        ("country", address.country),
    ):
        if value:
            rendered[key] = value
    return rendered


def _marital_status(status: MaritalStatus) -> dict[str, Any]:
    system = NULL_FLAVOR_SYSTEM if status is MaritalStatus.UNKNOWN else MARITAL_STATUS_SYSTEM
    return {"coding": [{"system": system, "code": status.value}]}
