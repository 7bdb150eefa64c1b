"""The inbox's pure decisions: which patient a sender is, and what an inbound text asks for."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.communications.inbox import (
    REPLY_WINDOW,
    Action,
    RecentOutbound,
    ReminderAnswer,
    SenderMatch,
    decide,
    match_sender,
    normalise,
    reminder_answer,
    storable,
)
from prm.domain.communications.keywords import KeywordAction, keyword_action
from prm.domain.shared.ids import PatientId

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ADA, BOB, CY = (PatientId(uuid4()) for _ in range(3))
APPOINTMENT = uuid4()
REMINDER = RecentOutbound(uuid4(), "reminder", APPOINTMENT, NOW - timedelta(hours=3))

spaces = st.text(alphabet=" \t\n", max_size=3)


def cased(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word)).map("".join)


def padded(word: str) -> st.SearchStrategy[str]:
    return st.tuples(spaces, cased(word), spaces, st.sampled_from(["", ".", "!"])).map(
        lambda p: p[0] + p[1] + p[3] + p[2]
    )


ONE = SenderMatch(ADA, (ADA,))


@pytest.mark.parametrize(
    ("word", "language", "answer"),
    [
        ("c", None, ReminderAnswer.CONFIRM),
        ("yes", "en-GB", ReminderAnswer.CONFIRM),
        ("1", None, ReminderAnswer.CONFIRM),
        ("x", None, ReminderAnswer.CANCEL),
        ("no", None, ReminderAnswer.CANCEL),
        ("2", None, ReminderAnswer.CANCEL),
        ("sí", "es-MX", ReminderAnswer.CONFIRM),
        ("SI", "es", ReminderAnswer.CONFIRM),
        ("s", "es", ReminderAnswer.CONFIRM),
        ("yes", "es", ReminderAnswer.CONFIRM),  # English still counts for a Spanish speaker
        ("si", None, None),  # not English
        ("yes please, see you then", None, None),
    ],
)
def test_reminder_replies_per_language(word: str, language: str | None, answer: ReminderAnswer | None) -> None:
    assert reminder_answer(word, language) is answer


@given(padded("c") | padded("yes") | padded("1"))
def test_confirmations_are_read_whatever_the_spacing_and_case(text: str) -> None:
    route = decide(text, ONE, last_outbound=REMINDER, now=NOW)
    assert (route.action, route.appointment_id, route.patients, route.answers) == (
        Action.CONFIRM_APPOINTMENT,
        APPOINTMENT,
        (ADA,),
        REMINDER.message_id,
    )


@given(padded("x") | padded("no") | padded("2"))
def test_cancellations_are_read_whatever_the_spacing_and_case(text: str) -> None:
    assert decide(text, ONE, last_outbound=REMINDER, now=NOW).action is Action.CANCEL_APPOINTMENT


@given(st.sampled_from(["stop", "stopall", "unsubscribe", "cancel", "end", "quit"]).flatmap(padded))
def test_stop_words_opt_out_every_patient_with_the_phone(text: str) -> None:
    shared = SenderMatch(None, (ADA, BOB))
    route = decide(text, shared, last_outbound=None, now=NOW)
    assert (route.action, route.patients) == (Action.OPT_OUT, (ADA, BOB))
    assert decide(text, ONE, last_outbound=REMINDER, now=NOW).action is Action.OPT_OUT  # before a reminder too


@given(st.sampled_from(["start", "unstop"]).flatmap(padded))
def test_start_words_opt_back_in(text: str) -> None:
    assert decide(text, ONE, now=NOW).action is Action.OPT_IN


def test_help_is_answered() -> None:
    assert decide(" Help ", ONE, now=NOW).action is Action.HELP
    assert keyword_action("help me with my appointment") is None
    assert keyword_action("HELP") is KeywordAction.HELP


@given(st.text(max_size=40))
def test_anything_else_is_for_staff_or_a_known_word(text: str) -> None:
    route = decide(text, ONE, last_outbound=REMINDER, now=NOW)
    if keyword_action(text) is None and reminder_answer(text) is None:
        assert route.action is Action.FOR_STAFF


@pytest.mark.parametrize(
    "last",
    [
        None,
        RecentOutbound(uuid4(), "appointment", APPOINTMENT, NOW),  # a confirmation notice, not a reminder
        RecentOutbound(uuid4(), "reminder", None, NOW),  # a reminder of no appointment
        RecentOutbound(uuid4(), "reminder", APPOINTMENT, NOW - REPLY_WINDOW - timedelta(seconds=1)),
    ],
)
def test_a_c_that_answers_no_recent_reminder_is_for_staff(last: RecentOutbound | None) -> None:
    assert decide("C", ONE, last_outbound=last, now=NOW).action is Action.FOR_STAFF


def test_a_reply_from_an_unmatched_sender_is_for_staff() -> None:
    assert decide("C", SenderMatch(None, (ADA, BOB)), last_outbound=REMINDER, now=NOW).action is Action.FOR_STAFF


def test_one_patient_with_the_phone_is_that_patient() -> None:
    assert match_sender([ADA], None) == SenderMatch(ADA, (ADA,))
    assert match_sender([ADA, ADA], BOB) == SenderMatch(ADA, (ADA,))


def test_a_shared_phone_is_the_patient_whose_message_it_answers() -> None:
    assert match_sender([ADA, BOB, CY], BOB) == SenderMatch(BOB, (ADA, BOB, CY))


def test_a_shared_phone_answering_nobody_known_goes_unmatched_with_the_candidates() -> None:
    assert match_sender([ADA, BOB], None) == SenderMatch(None, (ADA, BOB))
    assert match_sender([ADA, BOB], CY) == SenderMatch(None, (ADA, BOB))
    assert match_sender([], ADA) == SenderMatch(None, ())


@given(st.text(max_size=30))
def test_normalising_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


def test_stored_text_keeps_line_breaks_and_drops_other_control_characters() -> None:
    assert storable("Line one\r\nLine\ttwo\x00\x1b\x7f") == "Line one\r\nLine\ttwo"
    assert len(storable("a" * 200_000)) == 100_000
