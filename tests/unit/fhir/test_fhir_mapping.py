"""PRM → FHIR R4 mappings (adapters/fhir): shapes checked with the official R4B models."""

from datetime import datetime
from uuid import uuid4

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient

from prm.adapters.fhir.bundle import searchset
from prm.adapters.fhir.outcome import operation_outcome
from prm.adapters.fhir.patient import instant, patient_resource
from prm.domain.patients.links import LinkType, PatientLink
from prm.domain.patients.model import MRN_TYPE, Identifier, Patient, PatientDetails, PatientStatus
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.shared.person import HumanName
from tests.fakes import NOW


def _patient(**changes: object) -> Patient:
    details = PatientDetails(
        identifiers=(Identifier(system="urn:prm:mrn", value="M1", type=MRN_TYPE), Identifier("urn:x", "X1")),
        name=HumanName(given=("Ada",)),
    )
    patient = Patient.register(tenant_id=TenantId(uuid4()), details=details, now=NOW)
    for name, value in changes.items():
        setattr(patient, name, value)
    return patient


def test_a_minimal_patient_validates_and_leaves_empty_elements_out() -> None:
    resource = patient_resource(_patient())
    FhirPatient.model_validate(resource)
    assert resource["gender"] == "unknown"
    assert resource["name"] == [{"use": "official", "text": "Ada", "given": ["Ada"]}]
    assert resource["identifier"][1] == {"system": "urn:x", "value": "X1"}
    for absent in ("telecom", "address", "birthDate", "deceasedDateTime", "link", "communication"):
        assert absent not in resource


def test_a_deceased_record_without_date_is_deceased_boolean_and_links_are_references() -> None:
    other = PatientId(uuid4())
    resource = patient_resource(_patient(status=PatientStatus.DECEASED, links=(PatientLink(other, LinkType.REPLACES),)))
    FhirPatient.model_validate(resource)
    assert resource["deceasedBoolean"] is True
    assert resource["link"] == [{"other": {"reference": f"Patient/{other}"}, "type": "replaces"}]


def test_instants_always_carry_a_zone() -> None:
    assert instant(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05+00:00"


def test_bundle_and_outcome_validate() -> None:
    resource = patient_resource(_patient())
    bundle = searchset(
        [resource],
        base_url="http://x/fhir",
        self_url="http://x/fhir/Patient",
        next_url=None,
        previous_url=None,
        total=None,
        timestamp=NOW,
    )
    Bundle.model_validate(bundle)
    assert "total" not in bundle
    assert bundle["entry"][0]["fullUrl"] == f"http://x/fhir/Patient/{resource['id']}"
    outcome = operation_outcome(500, "boom", code="http.internal_error")
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"][0]["severity"] == "fatal"
    assert outcome["issue"][0]["code"] == "exception"
