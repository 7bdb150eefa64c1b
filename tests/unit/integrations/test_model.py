"""The inbound event and configuration rules of ``prm.domain.integrations``."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.integrations.config import IntegrationConfig
from prm.domain.integrations.errors import (
    InvalidIntegrationConfig,
    InvalidIntegrationEvent,
    NotReprocessable,
    PayloadTooLarge,
)
from prm.domain.integrations.events import IntegrationEventFailed, IntegrationEventProcessed
from prm.domain.integrations.model import (
    MAX_PAYLOAD_BYTES,
    FailureReason,
    IntegrationEvent,
    IntegrationEventStatus,
    PatientIdentifier,
    payload_size,
)
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId, TenantId
from tests.fakes import NOW

TENANT = TenantId(uuid4())
WORD = st.from_regex(r"[A-Z][A-Z0-9]{0,6}", fullmatch=True)


def receive(**overrides: Any) -> IntegrationEvent:
    fields: dict[str, Any] = {
        "tenant_id": TENANT,
        "source_system": "his",
        "event_code": "OPD_VISIT_COMPLETED",
        "external_id": "E-1",
        "patient_identifier": "MRN1",
        "occurred_at": NOW - timedelta(minutes=5),
        "payload": {"a": 1},
        "now": NOW,
    }
    fields.update(overrides)
    return IntegrationEvent.receive(**fields)


@given(st.lists(WORD, min_size=1, max_size=5))
def test_upper_snake_case_codes_are_accepted(words: list[str]) -> None:
    code = "_".join(words)
    if len(code) <= 64:
        assert receive(event_code=code).event_code == code


@pytest.mark.parametrize("code", ["opd", "Opd_Visit", "OPD-VISIT", "OPD VISIT", "_OPD", "OPD_", "OPD__X", "1OPD", ""])
def test_other_codes_are_refused_naming_event_code(code: str) -> None:
    with pytest.raises(InvalidIntegrationEvent) as refused:
        receive(event_code=code)
    assert refused.value.field == "event_code"


def test_a_received_event_is_pending_in_utc_with_the_source_in_lower_case() -> None:
    event = receive(
        source_system=" HIS ", occurred_at=datetime(2026, 3, 10, 13, 0, tzinfo=timezone(timedelta(hours=3)))
    )
    assert (event.status, event.source_system, event.attempts, event.version) == (
        IntegrationEventStatus.PENDING,
        "his",
        0,
        1,
    )
    assert event.occurred_at == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    assert event.key == ("his", "E-1")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_at": datetime(2026, 3, 10, 10, 0)}, "occurred_at"),  # naive on purpose
        ({"occurred_at": datetime(1800, 1, 1, tzinfo=UTC)}, "occurred_at"),
        ({"external_id": "  "}, "external_id"),
        ({"source_system": "his system"}, "source_system"),
        ({"patient_identifier": "|value"}, "patient_identifier"),
        ({"patient_identifier": "urn:x|"}, "patient_identifier"),
        ({"payload": ["not", "an", "object"]}, "payload"),
    ],
)
def test_bad_fields_are_named(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(RuleViolated) as refused:
        receive(**overrides)
    assert refused.value.field == field


def test_the_payload_may_be_64_kib_and_no_more() -> None:
    fits = {"blob": "x" * (MAX_PAYLOAD_BYTES - len('{"blob":""}'))}
    assert payload_size(fits) == MAX_PAYLOAD_BYTES
    receive(payload=fits)
    with pytest.raises(PayloadTooLarge) as refused:
        receive(payload={"blob": fits["blob"] + "é"})  # two bytes in UTF-8
    assert refused.value.field == "payload"


def test_patient_identifiers_are_an_mrn_or_system_and_value() -> None:
    assert PatientIdentifier.parse(" MRN123 ") == PatientIdentifier(None, "MRN123")
    token = PatientIdentifier.parse("http://hl7.org/fhir/sid/us-ssn|999-12-3456")
    assert (token.system, token.value, str(token)) == (
        "http://hl7.org/fhir/sid/us-ssn",
        "999-12-3456",
        "http://hl7.org/fhir/sid/us-ssn|999-12-3456",
    )


def test_the_life_cycle_records_its_events_and_only_failed_or_ignored_ones_reprocess() -> None:
    patient = PatientId(uuid4())
    event = receive()
    with pytest.raises(NotReprocessable):
        event.reprocess()
    event.mark_failed(FailureReason.UNKNOWN_PATIENT, "nobody", NOW)
    assert event.events == [IntegrationEventFailed(event.id, "his", "OPD_VISIT_COMPLETED", "unknown_patient")]
    event.reprocess()
    assert (event.status, event.failure_reason, event.version) == (IntegrationEventStatus.PENDING, None, 3)
    event.mark_processed(patient, 2, NOW)
    assert event.events[-1] == IntegrationEventProcessed(event.id, "his", "OPD_VISIT_COMPLETED", patient, 2)
    assert (event.attempts, event.patient_id) == (2, patient)
    with pytest.raises(NotReprocessable):
        event.reprocess()


def config(**overrides: Any) -> IntegrationConfig:
    fields: dict[str, Any] = {"tenant_id": TENANT, "name": "HIS", "source_system": "HIS", "now": NOW}
    fields.update(overrides)
    return IntegrationConfig.create(**fields)


def test_a_configuration_keeps_its_secrets_to_itself_and_reports_changed_fields() -> None:
    created = config(secrets={"api_key": "k"}, api_url="https://his.example/api")
    assert (created.source_system, created.secret_names, created.rate_limit_per_hour) == ("his", ("api_key",), 1000)
    later = NOW + timedelta(hours=1)
    changed = created.revise(later, {"name": "HIS", "rate_limit_per_hour": 5}, {"api_key": None, "token": "t"})
    assert changed == ("rate_limit_per_hour", "secrets")
    assert (created.secret_names, created.version, created.updated_at) == (("token",), 2, later)
    assert created.revise(later, {"rate_limit_per_hour": 5}) == ()
    assert created.version == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"api_url": "ftp://x.example"}, "api_url"),
        ({"api_url": "https://"}, "api_url"),
        ({"rate_limit_per_hour": 0}, "rate_limit_per_hour"),
        ({"secrets": {"bad name": "x"}}, "secrets.bad name"),
        ({"secrets": {"k": ""}}, "secrets.k"),
        ({"settings": {"x": "y" * 20_000}}, "settings"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_configurations_are_refused_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidIntegrationConfig) as refused:
        config(**overrides)
    assert refused.value.field == field
