"""PRM consent record → FHIR R4 Consent (adapters/fhir/consent): status from whether the record
is in force, the required scope and category, the provision per channel; checked with the
official R4B models."""

from datetime import timedelta
from uuid import uuid4

import pytest
from fhir.resources.R4B.consent import Consent

from prm.adapters.fhir.consent import consent_resource
from prm.application.communications.consent_ports import ConsentEntry
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import ConsentRecord, ConsentSource, ConsentStatus, ProvisionType
from prm.domain.shared.ids import PatientId, TenantId, new_id
from tests.fakes import NOW


def _record(
    status: ConsentStatus = ConsentStatus.ACTIVE,
    provision: ProvisionType = ProvisionType.DENY,
    channel: Channel = Channel.SMS,
) -> ConsentRecord:
    return ConsentRecord(
        id=new_id(),
        tenant_id=TenantId(uuid4()),
        patient_id=PatientId(uuid4()),
        channel=channel,
        status=status,
        provision=provision,
        source=ConsentSource.KEYWORD,
        recorded_at=NOW,
        recorded_by="system",
    )


def test_a_current_opt_out_is_an_active_deny_of_the_channel() -> None:
    record = _record()
    resource = consent_resource(ConsentEntry(record))
    Consent.model_validate(resource)
    assert resource["status"] == "active"
    assert resource["scope"]["coding"][0]["code"] == "patient-privacy"
    assert resource["category"][0]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "59284-0",
        "display": "Patient Consent",
    }
    assert resource["patient"] == {"reference": f"Patient/{record.patient_id}"}
    assert resource["performer"] == [resource["patient"]]
    assert resource["dateTime"].startswith(str(NOW.date()))
    assert resource["policyRule"]["coding"][0]["code"] == "OPTOUT"
    assert resource["provision"]["type"] == "deny"
    assert [c["code"] for c in resource["provision"]["code"][0]["coding"]] == ["SMSWRIT", "sms"]
    assert resource["extension"] == [{"url": "urn:prm:fhir:extension:consent-source", "valueCode": "keyword"}]
    assert resource["meta"]["versionId"] == "1"


def test_a_replaced_record_is_inactive_version_2_updated_when_replaced() -> None:
    later = NOW + timedelta(days=3)
    resource = consent_resource(ConsentEntry(_record(provision=ProvisionType.PERMIT), later))
    Consent.model_validate(resource)
    assert resource["status"] == "inactive"
    assert resource["meta"]["versionId"] == "2"
    assert resource["meta"]["lastUpdated"].startswith(str(later.date()))
    assert resource["policyRule"]["coding"][0]["code"] == "OPTIN"
    assert resource["provision"]["type"] == "permit"


@pytest.mark.parametrize("channel", list(Channel))
def test_a_withdrawn_record_is_inactive_even_when_current(channel: Channel) -> None:
    resource = consent_resource(ConsentEntry(_record(ConsentStatus.INACTIVE, channel=channel)))
    Consent.model_validate(resource)
    assert resource["status"] == "inactive"
    assert resource["provision"]["code"][0]["coding"][1] == {"system": "urn:prm:channel", "code": channel.value}
