from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest

from prm.domain.patients.errors import InvalidPatient, PatientIsDeceased
from prm.domain.patients.events import PatientDeactivated, PatientReactivated, PatientRegistered, PatientUpdated
from prm.domain.patients.model import MRN_TYPE, Identifier, Patient, PatientDetails, PatientStatus
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import TenantId
from prm.domain.shared.person import AdministrativeGender, HumanName
from tests.fakes import NOW

TENANT = TenantId(uuid4())
MRN = Identifier(system="urn:prm:mrn", value="M1", type=MRN_TYPE)


def details(**overrides: object) -> PatientDetails:
    base = PatientDetails(
        identifiers=(MRN,), name=HumanName(given=("Ada",), family="Lovelace"), birth_date=date(1990, 1, 1)
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def register(**overrides: object) -> Patient:
    return Patient.register(tenant_id=TENANT, details=details(**overrides), now=NOW)


def test_a_new_patient_is_active_at_version_1_and_says_so() -> None:
    patient = register()
    assert (patient.status, patient.version, patient.mrn) == (PatientStatus.ACTIVE, 1, "M1")
    assert patient.events == [PatientRegistered(patient.id)]


def test_a_patient_registered_with_a_deceased_date_is_deceased() -> None:
    assert register(deceased_date=date(2020, 1, 1)).status is PatientStatus.DECEASED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"identifiers": ()}, "identifiers"),
        ({"identifiers": (MRN, Identifier(system="x", value="M2", type=MRN_TYPE))}, "identifiers"),
        ({"identifiers": (MRN, Identifier(system="urn:prm:mrn", value="M1"))}, "identifiers"),
        ({"birth_date": NOW.date() + timedelta(days=1)}, "birth_date"),
        ({"deceased_date": date(1980, 1, 1)}, "deceased_date"),
        ({"deceased_date": NOW.date() + timedelta(days=1)}, "deceased_date"),
        ({"preferred_language": "english please"}, "preferred_language"),
        ({"identifiers": (Identifier(system="urn:prm:mrn", value="M" * 65, type=MRN_TYPE),)}, "mrn"),
        ({"identifiers": (MRN, Identifier(system="s", value="v" * 256))}, "identifiers"),
        ({"name": HumanName(family="F" * 201)}, "name"),
    ],
)
def test_broken_rules_name_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidPatient) as caught:
        register(**overrides)
    assert caught.value.field == field


def test_a_name_needs_a_given_or_family_part() -> None:
    with pytest.raises(RuleViolated) as caught:
        HumanName()
    assert caught.value.field == "name"


def test_revise_reports_only_the_fields_that_changed_and_bumps_the_version() -> None:
    patient = register()
    changed = patient.revise(NOW, gender=AdministrativeGender.OTHER, birth_date=date(1990, 1, 1))
    assert changed == ("gender",)
    assert patient.version == 2
    assert patient.events[-1] == PatientUpdated(patient.id, ("gender",))


def test_revise_with_nothing_new_changes_nothing() -> None:
    patient = register()
    assert patient.revise(NOW, birth_date=date(1990, 1, 1)) == ()
    assert patient.version == 1


def test_a_failed_revision_leaves_the_patient_untouched() -> None:
    patient = register()
    with pytest.raises(InvalidPatient):
        patient.revise(NOW, gender=AdministrativeGender.MALE, birth_date=NOW.date() + timedelta(days=3))
    assert patient.details.gender is AdministrativeGender.UNKNOWN
    assert patient.version == 1


def test_recording_a_death_makes_the_patient_deceased_and_they_cannot_be_reactivated() -> None:
    patient = register()
    patient.revise(NOW, deceased_date=date(2025, 12, 1))
    assert patient.status is PatientStatus.DECEASED
    with pytest.raises(PatientIsDeceased):
        patient.activate(NOW)


def test_deactivate_then_activate_round_trips_and_is_idempotent() -> None:
    patient = register()
    patient.deactivate(NOW)
    patient.deactivate(NOW)
    assert (patient.status, patient.version) == (PatientStatus.INACTIVE, 2)
    patient.activate(NOW)
    patient.activate(NOW)
    assert (patient.status, patient.version) == (PatientStatus.ACTIVE, 3)
    assert [type(e) for e in patient.events] == [PatientRegistered, PatientDeactivated, PatientReactivated]
