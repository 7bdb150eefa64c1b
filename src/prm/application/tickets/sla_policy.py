"""The tenant's SLA policy (``GET|PUT /tickets/sla-policy``)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time, timedelta

import structlog

from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.tickets.ports import SlaPolicies, TenantTimeZone
from prm.domain.tickets.codes import TicketPriority
from prm.domain.tickets.errors import InvalidSlaPolicy, InvalidTicket
from prm.domain.tickets.model import check_code
from prm.domain.tickets.sla import (
    DEFAULT_POLICY,
    WEEKDAYS,
    BusinessHours,
    Escalation,
    EscalationAction,
    SlaPolicy,
    SlaTarget,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessHoursInput:
    """``weekdays``: codes ``mon`` ... ``sun``; ``time_zone``: IANA name, the tenant's when ``None``."""

    weekdays: Sequence[str]
    opens: time
    closes: time
    time_zone: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaPolicyInput:
    """``targets``: per priority code, ``(first response, resolution)`` in minutes; every
    priority is required. ``escalation``: ``raise_priority`` (default), ``reassign`` (with
    ``escalation_team``, a team code) or ``none``."""

    targets: Mapping[str, tuple[int, int]]
    business_hours: BusinessHoursInput | None = None
    escalation: str = EscalationAction.RAISE_PRIORITY.value
    escalation_team: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CurrentSlaPolicy:
    policy: SlaPolicy
    is_default: bool = field(default=False)


class GetSlaPolicy:
    """The tenant's policy, or the default (``is_default``) when it has set none."""

    def __init__(self, policies: SlaPolicies) -> None:
        self._policies = policies

    async def __call__(self) -> CurrentSlaPolicy:
        policy = await self._policies.get()
        return CurrentSlaPolicy(policy=policy) if policy else CurrentSlaPolicy(policy=DEFAULT_POLICY, is_default=True)


class SetSlaPolicy:
    """Replace the tenant's policy. It applies to tickets created, or given a new priority, from
    then on; due times already computed stay. Raises ``InvalidSlaPolicy`` (422, naming the field)."""

    def __init__(self, policies: SlaPolicies, zone: TenantTimeZone, uow: UnitOfWork, clock: Clock) -> None:
        self._policies = policies
        self._zone = zone
        self._uow = uow
        self._clock = clock

    async def __call__(self, given: SlaPolicyInput) -> CurrentSlaPolicy:
        policy = SlaPolicy(
            targets=_targets(given.targets),
            business_hours=await self._hours(given.business_hours),
            escalation=_escalation(given.escalation, given.escalation_team),
        )
        await self._policies.put(policy, self._clock.now())
        await self._uow.commit()
        log.info("ticket_sla_policy.set", business_hours=policy.business_hours is not None)
        return CurrentSlaPolicy(policy=policy)

    async def _hours(self, given: BusinessHoursInput | None) -> BusinessHours | None:
        if given is None:
            return None
        unknown = sorted({d.lower() for d in given.weekdays} - set(WEEKDAYS))
        if unknown:
            raise InvalidSlaPolicy(
                f"unknown weekday {unknown[0]!r}; known: {', '.join(WEEKDAYS)}", field="business_hours.weekdays"
            )
        return BusinessHours(
            time_zone=given.time_zone or await self._zone.time_zone(),
            weekdays=frozenset(WEEKDAYS.index(d.lower()) for d in given.weekdays),
            opens=given.opens,
            closes=given.closes,
        )


def _targets(given: Mapping[str, tuple[int, int]]) -> dict[TicketPriority, SlaTarget]:
    targets: dict[TicketPriority, SlaTarget] = {}
    for code, (first, resolution) in given.items():
        try:
            priority = TicketPriority(code)
        except ValueError as exc:
            raise InvalidSlaPolicy(f"unknown priority {code!r}", field=f"targets.{code}") from exc
        try:
            targets[priority] = SlaTarget(timedelta(minutes=first), timedelta(minutes=resolution))
        except InvalidSlaPolicy as exc:
            raise InvalidSlaPolicy(exc.detail, field=f"targets.{code}.{exc.field}_minutes") from exc
    return targets


def _escalation(action: str, team: str | None) -> Escalation:
    try:
        chosen = EscalationAction(action)
    except ValueError as exc:
        known = ", ".join(a.value for a in EscalationAction)
        raise InvalidSlaPolicy(f"escalation must be one of {known}", field="escalation") from exc
    try:
        code = check_code("assigned_team", team)
    except InvalidTicket as exc:  # the team-code rule, under the policy's field name
        raise InvalidSlaPolicy(exc.detail, field="escalation_team") from exc
    try:
        return Escalation(chosen, code)
    except InvalidSlaPolicy as exc:
        raise InvalidSlaPolicy(exc.detail, field="escalation_team") from exc
