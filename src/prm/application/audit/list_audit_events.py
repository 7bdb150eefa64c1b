"""Read the audit trail (``GET /audit/events``, permission ``audit:read``)."""

from dataclasses import dataclass, field

from prm.application.audit.ports import AuditCriteria, AuditEvent, AuditLog
from prm.application.shared.paging import Page, PageRequest
from prm.domain.shared.errors import RuleViolated


@dataclass(frozen=True, slots=True, kw_only=True)
class ListAuditEventsQuery:
    criteria: AuditCriteria = field(default_factory=AuditCriteria)
    page: PageRequest = field(default_factory=PageRequest)


class ListAuditEvents:
    """A page of the tenant's audit events, newest first. Raises ``RuleViolated`` (422 on
    ``until``) when the time range is empty."""

    def __init__(self, log: AuditLog) -> None:
        self._log = log

    async def __call__(self, query: ListAuditEventsQuery) -> Page[AuditEvent]:
        c = query.criteria
        if c.since is not None and c.until is not None and c.until <= c.since:
            raise RuleViolated("until must be after since", field="until")
        return await self._log.find(c, query.page)
