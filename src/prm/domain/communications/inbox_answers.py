"""The answers PRM sends on its own to a reply to an appointment reminder, per language (the
patient's, else English). Keyword confirmations are the consent part's
(:func:`prm.domain.communications.keywords.confirmation`).

Plain words, as the NHS's guidance on messages asks (short, say what happened, say what to do
next). The appointment's time reads in the clinic's zone. No answer carries anything clinical.
"""

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from prm.domain.communications.inbox import DEFAULT_LANGUAGE, ReminderAnswer, primary_language
from prm.domain.communications.reminders import ReplyOutcome, local_date_text, local_time_text

_REPLY_ANSWERS: Mapping[str, Mapping[tuple[ReminderAnswer, ReplyOutcome], str]] = {
    "en": {
        (ReminderAnswer.CONFIRM, ReplyOutcome.CONFIRMED): "Thank you, your appointment on {when} is confirmed.",
        (ReminderAnswer.CONFIRM, ReplyOutcome.ALREADY_DONE): "Thank you, your appointment on {when} "
        "is already confirmed.",
        (ReminderAnswer.CANCEL, ReplyOutcome.CANCELLED): "Your appointment on {when} is cancelled. Call us to rebook.",
        (ReminderAnswer.CANCEL, ReplyOutcome.ALREADY_DONE): "Your appointment on {when} was already cancelled. "
        "Call us to rebook.",
    },
    "es": {
        (ReminderAnswer.CONFIRM, ReplyOutcome.CONFIRMED): "Gracias, su cita del {when} está confirmada.",
        (ReminderAnswer.CONFIRM, ReplyOutcome.ALREADY_DONE): "Gracias, su cita del {when} ya estaba confirmada.",
        (ReminderAnswer.CANCEL, ReplyOutcome.CANCELLED): "Su cita del {when} está cancelada. Llámenos para pedir otra.",
        (ReminderAnswer.CANCEL, ReplyOutcome.ALREADY_DONE): "Su cita del {when} ya estaba cancelada. Llámenos "
        "para pedir otra.",
    },
}

_UNCHANGED: Mapping[str, str] = {
    "en": "We could not change your appointment on {when}: it has passed or was cancelled. Please call us.",
    "es": "No pudimos cambiar su cita del {when}: ya pasó o fue cancelada. Por favor, llámenos.",
}
_UNKNOWN: Mapping[str, str] = {
    "en": "We could not find that appointment. Please call us.",
    "es": "No encontramos esa cita. Por favor, llámenos.",
}


def _language(tag: str | None, table: Mapping[str, object]) -> str:
    lang = primary_language(tag)
    return lang if lang in table else DEFAULT_LANGUAGE


def appointment_when(starts_at: datetime, time_zone: str, language: str | None) -> str:
    """``Tuesday 8 December at 14:30`` (English), ``08/12 a las 14:30`` (Spanish): the start in the
    clinic's zone."""
    zone = ZoneInfo(time_zone)
    if _language(language, _REPLY_ANSWERS) == "es":
        local = starts_at.astimezone(zone)
        return f"{local:%d/%m} a las {local_time_text(starts_at, zone)}"
    return f"{local_date_text(starts_at, zone)} at {local_time_text(starts_at, zone)}"


def reply_answer(answer: ReminderAnswer, outcome: ReplyOutcome, when: str | None, language: str | None) -> str:
    """What the patient is told after answering a reminder with ``answer``: the change made, that
    it was made before, or (too late, not found: nothing changed) to call the clinic."""
    lang = _language(language, _REPLY_ANSWERS)
    if outcome is ReplyOutcome.NOT_FOUND or when is None:
        return _UNKNOWN[lang]
    text = _REPLY_ANSWERS[lang].get((answer, outcome))
    if text is None:  # TOO_LATE, or an outcome that does not fit the answer
        text = _UNCHANGED[lang]
    return text.format(when=when)
