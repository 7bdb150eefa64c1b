"""Which messages the patient's caregivers get a copy of (issue 13), and the copy's dedup key."""

from uuid import uuid4

import pytest

from prm.application.communications.contracts import MessageRequest
from prm.application.communications.messages_queue import caregiver_dedup_key, copies_to_caregivers
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import CONSENT_CONFIRMATION, DIRECT_REPLY
from prm.domain.shared.ids import PatientId

PATIENT = PatientId(uuid4())


def test_a_message_to_the_patients_own_address_is_copied() -> None:
    assert copies_to_caregivers(MessageRequest(patient_id=PATIENT, channel=Channel.SMS, body="Hi"))
    assert copies_to_caregivers(
        MessageRequest(
            patient_id=PATIENT, channel=Channel.EMAIL, template_name="reminder", event_type="appointment.booked"
        )
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"patient_id": None},
        {"recipient": "+16175550100"},
        {"thread_id": uuid4()},
        {"reply_to_id": uuid4()},
        {"campaign_id": uuid4()},
        {"event_type": CONSENT_CONFIRMATION},
        {"event_type": DIRECT_REPLY},
    ],
)
def test_replies_campaigns_and_explicit_recipients_are_not(fields: dict[str, object]) -> None:
    values: dict[str, object] = {"patient_id": PATIENT, "channel": Channel.SMS, "body": "Hi", **fields}
    assert not copies_to_caregivers(MessageRequest(**values))  # type: ignore[arg-type]


def test_the_copys_dedup_key_is_derived_and_bounded() -> None:
    caregiver = uuid4()
    key = caregiver_dedup_key("reminder:" + "x" * 190, caregiver)
    assert key is not None
    assert key == caregiver_dedup_key("reminder:" + "x" * 190, caregiver)
    assert key != caregiver_dedup_key("reminder:" + "x" * 190, uuid4())
    assert len(key) <= 200
    assert caregiver_dedup_key(None, caregiver) is None
