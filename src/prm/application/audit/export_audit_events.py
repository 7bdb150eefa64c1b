"""Export the audit trail (``prm audit export``)."""

from collections.abc import AsyncIterator

from prm.application.audit.ports import AuditCriteria, AuditEvent, AuditLog
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.errors import RuleViolated


class ExportAuditEvents:
    """Every event of the tenant matching ``criteria``, oldest first, streamed (constant memory).

    Once the last event is out, records an ``export`` event of ``audit_event`` (so that the next
    export shows this one) and commits. Raises ``RuleViolated`` (on ``until``) for an empty time
    range, when iteration starts.
    """

    def __init__(self, log: AuditLog, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._log = log
        self._audit = audit
        self._uow = uow

    async def __call__(self, criteria: AuditCriteria) -> AsyncIterator[AuditEvent]:
        if criteria.since is not None and criteria.until is not None and criteria.until <= criteria.since:
            raise RuleViolated("until must be after since", field="until")
        async for event in self._log.stream(criteria):
            yield event
        await self._audit.record(AuditAction.EXPORT, "audit_event")
        await self._uow.commit()
