"""Errors of the tickets context (codes ``tickets.*``)."""

from prm.domain.shared.errors import Conflict, NotFound, RuleViolated


class TicketNotFound(NotFound):
    """No ticket with this id in the caller's tenant (HTTP 404)."""

    code = "tickets.not_found"


class InvalidTicket(RuleViolated):
    """The ticket's details break a rule of :mod:`prm.domain.tickets.model` (HTTP 422, naming the field)."""

    code = "tickets.invalid"


class InvalidSlaPolicy(RuleViolated):
    """The SLA policy breaks a rule of :mod:`prm.domain.tickets.sla` (HTTP 422, naming the field)."""

    code = "tickets.invalid_sla_policy"


class TransitionNotAllowed(Conflict):
    """The ticket's ``status`` cannot go from its current value to the one asked for
    (:data:`prm.domain.tickets.model.TRANSITIONS`) (HTTP 409). ``field`` is always ``status``."""

    code = "tickets.transition_not_allowed"
    field = "status"


class TicketClosed(Conflict):
    """The ticket is closed: it takes no more comments or changes (HTTP 409)."""

    code = "tickets.closed"
