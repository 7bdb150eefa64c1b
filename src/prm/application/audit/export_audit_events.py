"""Export the audit trail (``prm audit export``)."""

from collections.abc import AsyncIterator

from prm.application.audit.ports import AuditCriteria, AuditEvent, AuditLog


class ExportAuditEvents:
    """Every event of the tenant matching ``criteria``, oldest first, streamed (constant memory)."""

    def __init__(self, log: AuditLog) -> None:
        self._log = log

    def __call__(self, criteria: AuditCriteria) -> AsyncIterator[AuditEvent]:
        return self._log.stream(criteria)
