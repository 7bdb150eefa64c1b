"""Audit wiring: the trail every context's use cases write to (same transaction as the change),
and the audit log's readers."""

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.sql.audit import SqlAuditLog, SqlAuditTrail
from prm.application.audit.export_audit_events import ExportAuditEvents
from prm.application.audit.list_audit_events import ListAuditEvents
from prm.application.audit.ports import AuditLog
from prm.application.shared.audit import AuditTrail


class AuditProvider(Provider):
    scope = Scope.REQUEST
    trail = provide(SqlAuditTrail, provides=AuditTrail)
    log = provide(SqlAuditLog, provides=AuditLog)
    use_cases = provide_all(ListAuditEvents, ExportAuditEvents)
