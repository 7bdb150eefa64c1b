"""What an inbound message is for, decided without I/O: who sent it, and what PRM does with it.

Two pure steps, the use case (``application/communications/inbox_receive.py``) acting on their
result:

1. :func:`match_sender`: the patients whose contact points hold the sender's address (E.164
   phone or email), narrowed to one when the message answers one of them;
2. :func:`decide`: the :class:`Route` for the text: a consent keyword (the CTIA / Twilio
   Advanced Opt-Out words of the consent part, :mod:`prm.domain.communications.keywords`), a reply to an
   appointment reminder (:data:`REMINDER_REPLIES`), or a message for staff.

Replies are matched on the whole text, trimmed, case-folded, accents and closing punctuation
ignored (``" c "``, ``"Yes!"``, ``"sí"``): a sentence that contains "yes" is for staff, not a
confirmation.
"""

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from prm.domain.communications.keywords import KeywordAction, keyword_action
from prm.domain.shared.ids import PatientId

REPLY_WINDOW = timedelta(days=7)
"""How far back an inbound message may answer an outbound one (a reminder, or the message that
tells patients sharing a phone apart)."""

REMINDER_CATEGORY = "reminder"
"""The ``category`` of reminder messages (``TemplateCategory.REMINDER``)."""


class ReminderAnswer(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"


REMINDER_REPLIES: Mapping[str, Mapping[str, ReminderAnswer]] = {
    "en": {
        "c": ReminderAnswer.CONFIRM,
        "yes": ReminderAnswer.CONFIRM,
        "1": ReminderAnswer.CONFIRM,
        "x": ReminderAnswer.CANCEL,
        "no": ReminderAnswer.CANCEL,
        "2": ReminderAnswer.CANCEL,
    },
    "es": {
        "c": ReminderAnswer.CONFIRM,
        "si": ReminderAnswer.CONFIRM,  # "sí" once accents are dropped
        "s": ReminderAnswer.CONFIRM,
        "1": ReminderAnswer.CONFIRM,
        "x": ReminderAnswer.CANCEL,
        "no": ReminderAnswer.CANCEL,
        "2": ReminderAnswer.CANCEL,
    },
}
"""Answers to a reminder per language (ISO 639-1, the BCP 47 tag's primary subtag), normalised
(:func:`normalise`). A patient's own language is tried first, then English (``YES`` from a
Spanish speaker still confirms)."""

DEFAULT_LANGUAGE = "en"

MAX_INBOUND_BODY = 100_000
"""Longest inbound text kept, in characters (an email reply may quote a long thread)."""

_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
_CONTROL[0x7F] = None


def storable(text: str) -> str:
    """``text`` as it is stored: without C0 control characters other than tab and line breaks
    (PostgreSQL refuses NUL in text; SQLite would keep it) and at most :data:`MAX_INBOUND_BODY`
    characters."""
    return text.translate(_CONTROL)[:MAX_INBOUND_BODY]


_CLOSING = ".!?,;:¡¿\"'()[]"


def normalise(text: str) -> str:
    """``text`` as replies are compared: trimmed, inner runs of spaces as one, case-folded,
    accents dropped (NFKD without combining marks), surrounding punctuation removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split()).strip(_CLOSING + " ")


def primary_language(tag: str | None) -> str:
    """``es`` of ``es-MX``; :data:`DEFAULT_LANGUAGE` for ``None`` or an empty tag."""
    if not tag or not tag.strip():
        return DEFAULT_LANGUAGE
    return tag.strip().replace("_", "-").split("-", 1)[0].lower()


def reminder_answer(text: str, language: str | None = None) -> ReminderAnswer | None:
    """The answer ``text`` gives to a reminder in ``language`` (BCP 47; falling back to English),
    or ``None`` when it is not one."""
    word = normalise(text)
    for lang in dict.fromkeys((primary_language(language), DEFAULT_LANGUAGE)):
        answer = REMINDER_REPLIES.get(lang, {}).get(word)
        if answer is not None:
            return answer
    return None


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class SenderMatch:
    """``patient_id`` when one patient is meant; ``candidates`` every patient with the address
    (noted on an unmatched thread when several share it and none is meant)."""

    patient_id: PatientId | None
    candidates: tuple[PatientId, ...]

    @property
    def shared(self) -> bool:
        return len(self.candidates) > 1


def match_sender(candidates: Sequence[PatientId], answered: PatientId | None) -> SenderMatch:
    """One candidate: that patient. Several (a family's phone): the one whose message this
    answers (``answered``: by ``in_reply_to``, else the most recent outbound to the address within
    :data:`REPLY_WINDOW`), if it is one of them; else nobody. None: nobody."""
    unique = tuple(dict.fromkeys(candidates))
    if len(unique) == 1:
        return SenderMatch(unique[0], unique)
    if answered is not None and answered in unique:
        return SenderMatch(answered, unique)
    return SenderMatch(None, unique)


# --------------------------------------------------------------------------- routing


@dataclass(frozen=True, slots=True)
class RecentOutbound:
    """The latest message sent to the patient on the channel within :data:`REPLY_WINDOW`."""

    message_id: UUID
    category: str
    appointment_id: UUID | None
    sent_at: datetime


class Action(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    CONFIRM_APPOINTMENT = "confirm_appointment"
    CANCEL_APPOINTMENT = "cancel_appointment"
    FOR_STAFF = "for_staff"


@dataclass(frozen=True, slots=True)
class Route:
    """What to do: ``patients`` whose consent changes (opt out / in: every patient with the
    phone), ``appointment_id`` to confirm or cancel, ``answers`` the outbound message replied to."""

    action: Action
    patients: tuple[PatientId, ...] = ()
    appointment_id: UUID | None = None
    answers: UUID | None = None

    @property
    def for_staff(self) -> bool:
        return self.action is Action.FOR_STAFF


_KEYWORD_ACTIONS = {
    KeywordAction.OPT_OUT: Action.OPT_OUT,
    KeywordAction.OPT_IN: Action.OPT_IN,
    KeywordAction.HELP: Action.HELP,
}


def decide(
    text: str,
    match: SenderMatch,
    *,
    language: str | None = None,
    last_outbound: RecentOutbound | None = None,
    now: datetime,
) -> Route:
    """The route of an inbound ``text`` from a sender matched as ``match``:

    - a STOP-family word: opt every candidate out (the phone's owner asked; a shared phone stops
      for all); START/UNSTOP: back in; HELP: the help answer;
    - with one patient matched whose ``last_outbound`` (within :data:`REPLY_WINDOW` of ``now``)
      was a reminder of an appointment: ``C``/``YES``/``1`` confirm, ``X``/``NO``/``2`` cancel
      (:data:`REMINDER_REPLIES`, in ``language`` then English);
    - anything else: for staff.
    """
    keyword = keyword_action(text)
    if keyword is not None:
        return Route(_KEYWORD_ACTIONS[keyword], patients=match.candidates)
    if match.patient_id is None or last_outbound is None:
        return Route(Action.FOR_STAFF)
    if (
        last_outbound.category != REMINDER_CATEGORY
        or last_outbound.appointment_id is None
        or now - last_outbound.sent_at > REPLY_WINDOW
    ):
        return Route(Action.FOR_STAFF)
    answer = reminder_answer(text, language)
    if answer is None:
        return Route(Action.FOR_STAFF)
    action = Action.CONFIRM_APPOINTMENT if answer is ReminderAnswer.CONFIRM else Action.CANCEL_APPOINTMENT
    return Route(
        action,
        patients=(match.patient_id,),
        appointment_id=last_outbound.appointment_id,
        answers=last_outbound.message_id,
    )
