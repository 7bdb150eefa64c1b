"""The sync cursor and which records an event changes (no I/O)."""

from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.adapters.sync.feed_outbox import changed_records
from prm.domain.appointments.events import AppointmentDeleted
from prm.domain.patients.events import PatientMerged, PatientUpdated
from prm.domain.shared.ids import PatientId
from prm.domain.sync.errors import InvalidCursor
from prm.domain.sync.model import FeedPosition, SyncEntity


@given(st.integers(min_value=0, max_value=2**63 - 1), st.uuids())
def test_a_cursor_names_its_position_back(sequence: int, entry: UUID) -> None:
    position = FeedPosition(sequence, entry)
    assert FeedPosition.parse(position.token()) == position


@given(st.integers(min_value=0, max_value=10**6), st.uuids(), st.integers(min_value=0, max_value=10**6), st.uuids())
def test_cursors_order_as_the_feed_does(a: int, x: UUID, b: int, y: UUID) -> None:
    assert (FeedPosition(a, x) < FeedPosition(b, y)) == ((a, x.hex) < (b, y.hex))


@pytest.mark.parametrize("token", ["", "nonsense", "MTIz", "LTEuMDA", "MS4=" * 3, "💥"])
def test_a_cursor_not_handed_out_is_refused_naming_since(token: str) -> None:
    with pytest.raises(InvalidCursor) as raised:
        FeedPosition.parse(token)
    assert raised.value.field == "since"


def test_events_name_the_records_they_changed_once_each() -> None:
    source, survivor, appointment = PatientId(uuid4()), PatientId(uuid4()), uuid4()
    events = [
        PatientUpdated(source, ("gender",)),
        PatientMerged(source, survivor, uuid4(), ()),
        AppointmentDeleted(appointment),
    ]
    assert changed_records(events) == [
        (SyncEntity.PATIENT, source),
        (SyncEntity.PATIENT, survivor),
        (SyncEntity.APPOINTMENT, appointment),
    ]
