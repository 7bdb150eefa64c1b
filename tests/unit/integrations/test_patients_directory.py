"""Resolving inbound events' patient identifiers through the patients context's public use case."""

from uuid import uuid4

from prm.adapters.integrations.patients_directory import PatientDirectoryFromPatients
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.resolve_patient_identifiers import ResolvePatientIdentifiers
from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.patients.model import Identifier
from prm.domain.shared.ids import TenantId
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryAuditTrail, InMemoryOutbox, InMemoryPatients
from tests.unit.patients.builders import patient_input

CONTEXT = RequestContext(tenant_id=TenantId(uuid4()), principal=SYSTEM)
SSN = "http://hl7.org/fhir/sid/us-ssn"


async def test_mrns_and_system_value_tokens_resolve_and_ambiguity_shows() -> None:
    patients = InMemoryPatients()
    audit = InMemoryAuditTrail()
    register = RegisterPatient(patients, InMemoryOutbox(), FakeUnitOfWork(), FixedClock(), CONTEXT, audit)
    shared = Identifier(system="urn:old-his", value="42")
    one = await register(patient_input(mrn="M-1", identifiers=(Identifier(system=SSN, value="999"), shared)))
    two = await register(patient_input(mrn="M-2", identifiers=(shared,)))
    directory = PatientDirectoryFromPatients(ResolvePatientIdentifiers(patients, patients))
    found = await directory.resolve(["M-1", f"{SSN}|999", "urn:old-his|42", "M-404", f"{SSN}|404"])
    assert found == {
        "M-1": (one.id,),
        f"{SSN}|999": (one.id,),
        "urn:old-his|42": tuple(sorted((one.id, two.id))),
        "M-404": (),
        f"{SSN}|404": (),
    }
    assert [action for action, *_ in audit.events] == ["create", "create"]  # a look-up of ids: no read audited
