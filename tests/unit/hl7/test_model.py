"""The HL7 message aggregate: the status and ACK code a received message starts with, and its
one-way life cycle."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from prm.domain.hl7.model import (
    AckCode,
    Hl7Change,
    Hl7Error,
    Hl7ErrorCode,
    Hl7Header,
    Hl7Message,
    Hl7NotApplicable,
    Hl7Status,
)
from prm.domain.shared.ids import TenantId

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HEADER = Hl7Header(sending_facility="CITY", message_type="ADT^A04", control_id="C1", version="2.5")


def received(**overrides: object) -> Hl7Message:
    arguments: dict[str, object] = {"errors": (), "supported": True} | overrides
    return Hl7Message.receive(tenant_id=TenantId(uuid4()), header=HEADER, raw="MSH|", now=NOW, **arguments)  # type: ignore[arg-type]


def test_a_well_formed_supported_message_is_received_aa() -> None:
    message = received()
    assert (message.status, message.ack_code, message.dedup_key, message.processed_at) == (
        Hl7Status.RECEIVED,
        AckCode.AA,
        "C1",
        None,
    )


def test_an_unsupported_type_is_failed_ae_naming_msh_9() -> None:
    message = received(supported=False)
    assert (message.status, message.ack_code) == (Hl7Status.FAILED, AckCode.AE)
    assert (message.errors[0].segment, message.errors[0].field) == ("MSH", 9)


def test_a_malformed_message_is_rejected_ar_outside_the_unique_key() -> None:
    error = Hl7Error("MSH", 10, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-10 is empty")
    message = received(errors=(error,))
    assert (message.status, message.ack_code, message.dedup_key) == (Hl7Status.REJECTED, AckCode.AR, None)


def test_a_received_message_is_applied_once() -> None:
    message = received()
    change = Hl7Change("patient", uuid4(), "created")
    message.mark_processed((change,), (), NOW)
    assert (message.status, message.changes, message.version) == (Hl7Status.PROCESSED, (change,), 2)
    with pytest.raises(Hl7NotApplicable):
        message.mark_failed((), (), NOW)


def test_error_texts_are_cut_to_500_characters() -> None:
    assert len(Hl7Error("PID", 5, Hl7ErrorCode.DATA_TYPE, "x" * 900).text) == 500
