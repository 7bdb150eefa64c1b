"""The ``tickets.detect_breaches`` job: mark the tickets that missed an SLA target and escalate them."""

from collections.abc import Mapping
from typing import Any

import structlog

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobHandler
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.application.tickets.open_ticket import ENTITY, actor_of
from prm.application.tickets.ports import SlaPolicies, TicketRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.tickets.sla import DEFAULT_POLICY

log = structlog.get_logger(__name__)

BATCH = 500
"""Tickets marked per run at most (the job runs every minute: the rest wait for the next run)."""


class DetectBreaches(JobHandler):
    """``tickets.detect_breaches`` (no arguments; every 60 s per tenant).

    Finds the active tickets past a due time whose breach is not marked (an indexed query on
    ``(tenant_id, status, due time)``), marks each breach, escalates as the tenant's policy says
    (raise the priority one step, or reassign to the policy's team) and records
    ``ticket.sla_breached`` per breach, the activity and an ``update`` audit event, in one commit.
    A ticket someone changed meanwhile is left for the next run.
    """

    def __init__(
        self,
        tickets: TicketRepository,
        policies: SlaPolicies,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._tickets = tickets
        self._policies = policies
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, args: Mapping[str, Any]) -> None:
        now = self._clock.now()
        candidates = await self._tickets.breach_candidates(now, BATCH)
        if not candidates:
            return
        policy = await self._policies.get() or DEFAULT_POLICY
        actor = actor_of(self._context)
        marked = 0
        for ticket in candidates:
            version = ticket.version
            kinds = ticket.breach(now, policy, actor=actor)
            if not kinds:
                continue
            try:
                await self._tickets.save(ticket, expected_version=version)
            except StaleVersion:  # changed since it was read (nothing written): the next run sees it again
                continue
            await self._outbox.add(ticket.events)
            await self._audit.record(AuditAction.UPDATE, ENTITY, [ticket.id], [f"{k.value}_breached_at" for k in kinds])
            marked += 1
            log.info("ticket.sla_breached", ticket_id=str(ticket.id), kinds=[k.value for k in kinds])
        await self._uow.commit()
        log.info("tickets.breaches_detected", marked=marked)
