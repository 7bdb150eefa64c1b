"""Consent keywords of inbound SMS and WhatsApp messages, and the confirmations PRM replies.

A keyword is the *whole* message, trimmed, case-folded and without closing punctuation
(``" Stop! "`` is ``STOP``; ``"please stop"`` is not a keyword). The words are the CTIA's and
Twilio Advanced Opt-Out's defaults (https://help.twilio.com/articles/223134027):

- ``STOP``, ``STOPALL``, ``UNSUBSCRIBE``, ``CANCEL``, ``END``, ``QUIT``: opt out of the channel;
- ``START``, ``UNSTOP``: opt back in (Twilio also takes ``YES``; PRM leaves ``YES``, ``C`` and
  ``1`` to reminder confirmations, which the inbox handles);
- ``HELP``, ``INFO``: ask for help.

One confirmation goes out per change (:func:`confirmation`); a second STOP changes nothing and is
not answered again. The texts are English defaults, to become configurable per tenant.
"""

from enum import StrEnum


class KeywordAction(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


KEYWORDS: dict[str, KeywordAction] = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "cancel", "end", "quit"), KeywordAction.OPT_OUT),
    **dict.fromkeys(("start", "unstop"), KeywordAction.OPT_IN),
    **dict.fromkeys(("help", "info"), KeywordAction.HELP),
}

_PUNCTUATION = ".!?,;:¡¿\"'()[]{}*~ \u00a0"

CONFIRMATIONS: dict[KeywordAction, str] = {
    KeywordAction.OPT_OUT: "You will not receive more messages from {clinic} on this number. Reply START to undo.",
    KeywordAction.OPT_IN: "You will receive messages from {clinic} on this number again. Reply STOP to stop them.",
    KeywordAction.HELP: "{clinic}: reply STOP to stop messages on this number, START to get them again.",
}
"""The reply to each keyword; ``{clinic}`` is the tenant's name."""


def keyword_action(text: str) -> KeywordAction | None:
    """The action the whole message ``text`` asks for, or ``None`` when it is not a keyword."""
    word = " ".join(text.split()).strip(_PUNCTUATION).casefold()
    return KEYWORDS.get(word)


def confirmation(action: KeywordAction, *, clinic: str) -> str:
    """The text to reply once ``action`` changed something (or, for ``HELP``, every time)."""
    return CONFIRMATIONS[action].format(clinic=clinic)
