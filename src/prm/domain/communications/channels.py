"""The communications context's shared vocabulary: channels, directions, message statuses and
template categories.

Statuses follow the life of an outgoing message (issue 11; FHIR Communication.status is coarser:
``preparation`` ~ pending/scheduled/queued, ``in-progress`` ~ sending, ``completed`` ~
sent/delivered/read, ``stopped`` ~ failed/blocked, ``not-done`` ~ cancelled):

- ``pending``: created, not yet handed to the worker;
- ``scheduled``: waits for ``scheduled_for`` (or the end of quiet hours);
- ``queued``: due, a send job is waiting for a worker;
- ``sending``: an attempt is recorded and the provider is being called (a crash leaves it here;
  recovery looks it up at the provider before trying again);
- ``sent``: the provider accepted it (its id is known); ``delivered``, ``read``: its callbacks said so;
- ``failed`` (with the reason), ``blocked`` (no consent, opted out, preference, no address: with
  the reason), ``cancelled``.
"""

from enum import StrEnum


class Channel(StrEnum):
    """The channel a message travels on."""

    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class MessageStatus(StrEnum):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    RECEIVED = "received"
    """An inbound message, stored."""


FINAL_STATUSES = frozenset({MessageStatus.FAILED, MessageStatus.BLOCKED, MessageStatus.CANCELLED})
"""Statuses an outgoing message never leaves (a late ``delivered`` callback after ``failed`` is
recorded on the attempt but does not move it)."""

PROGRESS_ORDER: dict[MessageStatus, int] = {
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}
"""Provider callbacks arrive in any order: a message only moves forward along this order
(``read`` after ``delivered`` after ``sent``), so a late ``sent`` never undoes ``read``."""


class TemplateCategory(StrEnum):
    """Template categories of the reference API (``GET /communications/templates``), plus the
    ones reminders, waitlist offers, surveys and campaigns use."""

    APPOINTMENT = "appointment"
    REMINDER = "reminder"
    WAITLIST = "waitlist"
    SURVEY = "survey"
    CAMPAIGN = "campaign"
    INSTRUCTIONS = "instructions"
    FOLLOW_UP = "follow_up"
    RESULTS = "results"
    PHARMACY = "pharmacy"
    BILLING = "billing"
    GENERAL = "general"
    URGENT = "urgent"
    """Passes quiet hours (still needs consent)."""
