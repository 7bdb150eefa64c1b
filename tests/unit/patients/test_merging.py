"""The merge rules: who may be merged into whom, what the survivor takes and keeps, the links."""

from datetime import date, timedelta
from uuid import uuid4

import pytest

from prm.application.patients.inputs import build_details
from prm.domain.patients.errors import InvalidPatient
from prm.domain.patients.links import LinkType, PatientLink
from prm.domain.patients.merging import MergeRefused, kept_identifiers, merge_into, survivor_of
from prm.domain.patients.model import MRN_TYPE, Identifier, Patient, PatientStatus
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.shared.person import HumanName
from tests.fakes import NOW
from tests.unit.patients.builders import patient_input

TENANT = TenantId(uuid4())


def patient(mrn: str, tenant: TenantId = TENANT, **overrides: object) -> Patient:
    details = build_details(patient_input(mrn=mrn, **overrides), mrn=mrn, region="US")
    return Patient.register(tenant_id=tenant, details=details, now=NOW, patient_id=PatientId(uuid4()))


def test_the_survivor_takes_the_chosen_fields_keeps_its_mrn_and_gains_the_source_identifiers() -> None:
    ssn = Identifier(system="http://hl7.org/fhir/sid/us-ssn", value="999-00-1111", type="SS")
    source = patient("S-1", name=HumanName(given=("Jose",), family="Avila"), identifiers=(ssn,))
    target = patient("T-1", name=HumanName(given=("José",), family="Ávila"), birth_date=date(1984, 5, 18))
    merge_into(source, target, ("birth_date",), NOW + timedelta(minutes=1))
    assert target.details.birth_date == source.details.birth_date
    assert target.details.name == HumanName(given=("José",), family="Ávila")  # not chosen: the survivor's
    assert target.mrn == "T-1"
    kept = {(i.system, i.value): i.type for i in target.details.identifiers}
    assert kept[(ssn.system, ssn.value)] == "SS"
    assert ("urn:prm:mrn", "S-1") in kept
    assert kept[("urn:prm:mrn", "S-1")] is None
    assert [i.value for i in target.details.identifiers if i.type == MRN_TYPE] == ["T-1"]
    assert source.status is PatientStatus.MERGED
    assert source.links == (PatientLink(target.id, LinkType.REPLACED_BY),)
    assert target.links == (PatientLink(source.id, LinkType.REPLACES),)
    assert (source.version, target.version) == (2, 2)
    assert survivor_of(source) == target.id
    assert survivor_of(target) is None


def test_identifiers_both_have_are_not_repeated() -> None:
    shared = Identifier(system="urn:x", value="1", type="PI")
    source, target = patient("S-2", identifiers=(shared,)), patient("T-2", identifiers=(shared,))
    assert [i for i in kept_identifiers(source, target) if i.system == "urn:x"] == [shared]


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("self", "target_patient_id"),
        ("source merged", "source_patient_id"),
        ("target merged", "target_patient_id"),
        ("other tenant", "target_patient_id"),
        ("unknown field", "fields"),
    ],
)
def test_refused_merges_name_the_field_and_change_nothing(case: str, field: str) -> None:
    source, target, third = patient("S-3"), patient("T-3"), patient("X-3")
    fields: tuple[str, ...] = ()
    if case == "self":
        target = source
    elif case == "source merged":
        merge_into(source, third, (), NOW)
    elif case == "target merged":
        merge_into(target, third, (), NOW)
    elif case == "other tenant":
        target = patient("T-3", tenant=TenantId(uuid4()))
    else:
        fields = ("mrn",)
    versions = (source.version, target.version)
    with pytest.raises(MergeRefused) as refused:
        merge_into(source, target, fields, NOW)
    assert refused.value.field == field
    assert (source.version, target.version) == versions


def test_taken_fields_must_still_make_a_valid_survivor() -> None:
    source = patient("S-4", birth_date=date(1990, 1, 1), deceased_date=date(1995, 1, 1))
    target = patient("T-4", birth_date=date(2000, 1, 1))
    with pytest.raises(InvalidPatient):
        merge_into(source, target, ("deceased_date",), NOW)  # died before the survivor's birth date
    assert source.status is PatientStatus.DECEASED
    assert target.links == ()
    merge_into(source, target, ("birth_date", "deceased_date"), NOW)
    assert target.status is PatientStatus.DECEASED
