"""The import use cases leave out an optional value that breaks a rule instead of the whole row,
and an existing record keeps its own value of that field."""

from datetime import UTC, date, datetime

import pytest

from prm.application.patients.import_patients import ImportPatients, PatientRecord
from prm.application.patients.inputs import ContactPointInput, PatientInput
from prm.application.practitioners.import_practitioners import ImportPractitioners, PractitionerRecord
from prm.application.practitioners.inputs import PractitionerInput
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.imports import SourceRef, ValueWarning
from prm.domain.practitioners.model import Organization
from prm.domain.shared.contact import Address, ContactPointSystem
from prm.domain.shared.ids import TenantId, new_id
from prm.domain.shared.person import HumanName
from tests import fakes
from tests.unit.practitioners import fakes as practitioner_fakes

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TENANT = TenantId(new_id())
CONTEXT = RequestContext(tenant_id=TENANT, principal=SYSTEM, phone_region="US")
PRACTICE = Organization(name="Clinic", phone="617-492-3500", address=Address(city="Boston"), external_id="o1")
EVERY_OPTIONAL = frozenset({"organization", "organization.phone", "phone_primary", "speciality", "address"})


@pytest.fixture
def practitioners() -> practitioner_fakes.InMemoryPractitioners:
    return practitioner_fakes.InMemoryPractitioners(TENANT)


@pytest.fixture
def import_practitioners(practitioners: practitioner_fakes.InMemoryPractitioners) -> ImportPractitioners:
    return ImportPractitioners(
        practitioners,
        practitioner_fakes.InMemoryOutbox(),
        practitioner_fakes.FakeUnitOfWork(),
        practitioner_fakes.FixedClock(NOW),
        CONTEXT,
        practitioner_fakes.InMemoryAuditTrail(),
    )


def provider(line: int, optional: frozenset[str] = EVERY_OPTIONAL, **given: object) -> PractitionerRecord:
    fields: dict[str, object] = {"first_name": "Kim", "last_name": "Lee", "external_id": "p1", **given}
    practitioner = PractitionerInput(**fields)  # type: ignore[arg-type]
    return PractitionerRecord(source=SourceRef("providers.csv", line), practitioner=practitioner, optional=optional)


async def test_an_optional_phone_that_does_not_parse_is_left_out_and_the_practitioner_imported(
    import_practitioners: ImportPractitioners, practitioners: practitioner_fakes.InMemoryPractitioners
) -> None:
    bad_practice = Organization(name="Clinic", phone="508-999-6920 Or 508-999-6920", external_id="o1")
    outcome = await import_practitioners([provider(2, organization=bad_practice, phone_primary="12")])
    assert (outcome.created, outcome.rejected) == (1, [])
    assert [(w.source.line, w.field) for w in outcome.warnings] == [(2, "organization.phone"), (2, "phone_primary")]
    assert all(w.reason.endswith(": left out") for w in outcome.warnings)
    stored = (await practitioners.get_many_by_external_id(["p1"]))["p1"].details
    assert (stored.phone_primary, stored.organization) == (None, Organization(name="Clinic", external_id="o1"))


async def test_without_optional_fields_the_row_is_rejected_as_before(import_practitioners: ImportPractitioners) -> None:
    outcome = await import_practitioners([provider(2, optional=frozenset(), phone_primary="12")])
    assert (outcome.created, [(r.source.line, r.field) for r in outcome.rejected], outcome.warnings) == (
        0,
        [(2, "phone_primary")],
        [],
    )


async def test_a_value_left_out_on_update_keeps_the_practitioner_s_own(
    import_practitioners: ImportPractitioners, practitioners: practitioner_fakes.InMemoryPractitioners
) -> None:
    await import_practitioners([provider(2, organization=PRACTICE, speciality="CARDIOLOGY")])
    bad_practice = Organization(name="Moved clinic", phone="nope", external_id="o1")
    outcome = await import_practitioners([provider(2, organization=bad_practice, speciality="DERMATOLOGY")])
    assert (outcome.updated, [w.field for w in outcome.warnings]) == (1, ["organization.phone"])
    stored = (await practitioners.get_many_by_external_id(["p1"]))["p1"].details
    assert stored.speciality == "DERMATOLOGY"
    assert stored.organization is not None
    assert stored.organization.phone == "+16174923500"


async def test_a_speciality_over_the_limit_is_left_out(import_practitioners: ImportPractitioners) -> None:
    outcome = await import_practitioners([provider(2, speciality="X" * 201)])
    assert (outcome.created, [str(w) for w in outcome.warnings]) == (
        1,
        ["providers.csv:2: speciality: speciality is longer than 200 characters: left out"],
    )


async def test_a_rule_broken_in_a_required_field_still_rejects(import_practitioners: ImportPractitioners) -> None:
    outcome = await import_practitioners([provider(2, phone_primary="12", last_name=" ")])
    assert [(r.field, r.source.line) for r in outcome.rejected] == [("last_name", 2)]
    assert outcome.warnings == []  # no warning for a row that was not imported


# --- patients -------------------------------------------------------------------------------------


@pytest.fixture
def patients() -> fakes.InMemoryPatients:
    return fakes.InMemoryPatients()


@pytest.fixture
def import_patients(patients: fakes.InMemoryPatients) -> ImportPatients:
    return ImportPatients(
        patients,
        fakes.InMemoryOutbox(),
        fakes.FakeUnitOfWork(),
        fakes.FixedClock(NOW),
        CONTEXT,
        fakes.InMemoryAuditTrail(),
    )


def patient(line: int, **given: object) -> PatientRecord:
    return PatientRecord(
        source=SourceRef("patients.csv", line),
        patient=PatientInput(name=HumanName(given=("Ann",), family="Lee"), mrn="m1", **given),  # type: ignore[arg-type]
        optional=frozenset({"deceased_date", "telecom", "addresses"}),
    )


async def test_a_deceased_date_before_the_birth_date_is_left_out_and_the_patient_imported(
    import_patients: ImportPatients, patients: fakes.InMemoryPatients
) -> None:
    outcome = await import_patients([patient(2, birth_date=date(1990, 1, 1), deceased_date=date(1980, 1, 1))])
    assert (outcome.created, outcome.rejected) == (1, [])
    assert outcome.warnings == [
        ValueWarning(SourceRef("patients.csv", 2), "deceased_date", "deceased date is before the birth date: left out")
    ]
    [stored] = patients.rows.values()
    assert (stored.details.birth_date, stored.details.deceased_date) == (date(1990, 1, 1), None)


async def test_only_the_contact_point_at_fault_is_left_out(
    import_patients: ImportPatients, patients: fakes.InMemoryPatients
) -> None:
    telecom = (
        ContactPointInput(system=ContactPointSystem.PHONE, value="617-492-3500"),
        ContactPointInput(system=ContactPointSystem.EMAIL, value="not an email"),
        ContactPointInput(system=ContactPointSystem.PHONE, value="12", source_field="phone"),
    )
    outcome = await import_patients([patient(2, telecom=telecom)])
    assert [w.field for w in outcome.warnings] == ["telecom.1.value", "phone"]
    [stored] = patients.rows.values()
    assert stored.details.phones == ["+16174923500"]


async def test_an_update_whose_death_date_is_left_out_keeps_the_one_on_record(
    import_patients: ImportPatients, patients: fakes.InMemoryPatients
) -> None:
    await import_patients([patient(2, birth_date=date(1940, 1, 1), deceased_date=date(2020, 5, 1))])
    outcome = await import_patients([patient(2, birth_date=date(1940, 1, 1), deceased_date=date(1930, 1, 1))])
    assert (outcome.unchanged, [w.field for w in outcome.warnings]) == (1, ["deceased_date"])
    [stored] = patients.rows.values()
    assert stored.details.deceased_date == date(2020, 5, 1)
