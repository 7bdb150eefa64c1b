"""FHIR R4 Patient → PRM input (adapters/fhir/patient_in.py): the inverse of patient.py."""

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fhir.resources.R4B.patient import Patient as FhirPatientModel

from prm.adapters.fhir.patient import patient_resource
from prm.adapters.fhir.patient_in import fhir_expression, identifier_token, patient_input
from prm.application.fhir.errors import InvalidResource
from prm.application.patients.inputs import ContactPointInput, PatientInput, build_details
from prm.domain.patients.model import Identifier, MaritalStatus, Patient
from prm.domain.shared.contact import Address, AddressUse, ContactPointSystem, ContactPointUse
from prm.domain.shared.ids import TenantId
from prm.domain.shared.person import AdministrativeGender, HumanName

DATA = Path(__file__).parents[2] / "data" / "fhir"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _registered(given: PatientInput) -> Patient:
    details = build_details(given, mrn=given.mrn or "MRN-1", region="US").checked(NOW.date())
    return Patient.register(tenant_id=TenantId(uuid4()), details=details, now=NOW)


def _full() -> PatientInput:
    return PatientInput(
        name=HumanName(given=("Zoë", "Anne"), family="Ågren", prefix=("Dr",), suffix=("PhD",)),
        mrn="MRN-42",
        mrn_system="urn:test:mrn",
        identifiers=(Identifier(system="http://hl7.org/fhir/sid/us-ssn", value="999-11-2222", type="SS"),),
        gender=AdministrativeGender.FEMALE,
        birth_date=date(1970, 3, 4),
        deceased_date=date(2020, 5, 6),
        telecom=(
            ContactPointInput(
                system=ContactPointSystem.PHONE, value="+16174923500", use=ContactPointUse.MOBILE, rank=1
            ),
            ContactPointInput(system=ContactPointSystem.EMAIL, value="zoe@example.org", use=ContactPointUse.HOME),
        ),
        addresses=(
            Address(use=AddressUse.HOME, line=("1 Main St",), city="Boston", postal_code="02110", country="US"),
        ),
        preferred_language="sv",
        marital_status=MaritalStatus.MARRIED,
    )


def test_every_element_patient_py_emits_reads_back_the_same() -> None:
    patient = _registered(_full())
    resource = patient_resource(patient)
    FhirPatientModel.model_validate(resource)
    read = patient_input(json.loads(json.dumps(resource)))
    assert read.id == str(patient.id)
    again = _registered(read.patient)
    assert again.details == patient.details
    assert {k: v for k, v in patient_resource(again).items() if k not in {"id", "meta"}} == {
        k: v for k, v in resource.items() if k not in {"id", "meta"}
    }


@pytest.mark.parametrize("line", (DATA / "Patient.000.ndjson").read_text().splitlines())
def test_reads_every_synthea_patient(line: str) -> None:
    resource = json.loads(line)
    read = patient_input(resource)
    assert read.patient.mrn == resource["id"]
    assert read.patient.birth_date == date.fromisoformat(resource["birthDate"])
    assert len(read.patient.identifiers) == len(resource["identifier"]) - 1


@pytest.mark.parametrize(
    ("changes", "expression"),
    [
        ({"birthDate": "1990"}, "Patient.birthDate"),
        ({"gender": 3}, "Patient.gender"),
        ({"telecom": {"value": "x"}}, "Patient.telecom"),
        ({"telecom": [{"system": "phone"}]}, "Patient.telecom[0].value"),
        ({"identifier": [{"system": "urn:x"}]}, "Patient.identifier[0].value"),
        ({"name": [{"given": [" "]}]}, "Patient.name[0]"),
        ({"maritalStatus": {"coding": [{"code": "Z"}]}}, "Patient.maritalStatus"),
        ({"active": "yes"}, "Patient.active"),
    ],
)
def test_bad_elements_are_named(changes: dict[str, Any], expression: str) -> None:
    resource = {"resourceType": "Patient", "name": [{"family": "Doe"}], **changes}
    with pytest.raises(InvalidResource) as raised:
        patient_input(resource)
    assert raised.value.field == expression


def test_fhir_expressions_and_tokens() -> None:
    assert fhir_expression("telecom.1.value") == "Patient.telecom[1].value"
    assert fhir_expression("birth_date") == "Patient.birthDate"
    assert fhir_expression("Patient.gender") == "Patient.gender"
    assert identifier_token("identifier=urn:x|a%7Cb") == "urn:x|a|b"
    with pytest.raises(InvalidResource):
        identifier_token("name=Doe")
