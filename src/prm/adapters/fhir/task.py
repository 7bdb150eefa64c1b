"""PRM ticket → FHIR R4 ``Task`` resource (https://hl7.org/fhir/R4/task.html).

- ``status`` (http://hl7.org/fhir/task-status): ``open`` → ``ready``, ``in_progress`` →
  ``in-progress``, ``resolved`` and ``closed`` → ``completed``; ``businessStatus`` keeps the
  ticket's own status (system ``urn:prm:ticket-status``); ``intent`` ``order``;
- ``priority`` (http://hl7.org/fhir/request-priority): ``low`` → ``routine``, ``medium`` →
  ``urgent``, ``high`` → ``asap``, ``urgent`` → ``stat``;
- ``code``: the category (system ``urn:prm:ticket-category``); ``description``: the title;
  ``note[0].text``: the description; ``for``: ``Patient/{id}``;
- ``authoredOn`` (created), ``lastModified``; ``executionPeriod``: created to resolved (or
  closed); ``restriction.period.end``: the resolution due time (the SLA);
- ``owner``: the assigned user (an identifier in ``urn:prm:user``: users are not FHIR
  resources), else the team as ``display``.
"""

from typing import Any

from prm.adapters.fhir.patient import instant
from prm.domain.tickets.codes import TicketPriority, TicketStatus
from prm.domain.tickets.model import Ticket

TASK_STATUS = {
    TicketStatus.OPEN: "ready",
    TicketStatus.IN_PROGRESS: "in-progress",
    TicketStatus.RESOLVED: "completed",
    TicketStatus.CLOSED: "completed",
}
TASK_PRIORITY = {
    TicketPriority.LOW: "routine",
    TicketPriority.MEDIUM: "urgent",
    TicketPriority.HIGH: "asap",
    TicketPriority.URGENT: "stat",
}
TICKET_STATUS_SYSTEM = "urn:prm:ticket-status"
TICKET_CATEGORY_SYSTEM = "urn:prm:ticket-category"
USER_SYSTEM = "urn:prm:user"


def task_resource(ticket: Ticket) -> dict[str, Any]:
    """The FHIR R4 Task for ``ticket`` (see the module docstring); empty elements are left out."""
    t = ticket
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(t.id),
        "meta": {"versionId": str(t.version), "lastUpdated": instant(t.updated_at)},
        "status": TASK_STATUS[t.status],
        "businessStatus": {"coding": [{"system": TICKET_STATUS_SYSTEM, "code": t.status.value}]},
        "intent": "order",
        "priority": TASK_PRIORITY[t.priority],
        "code": {"coding": [{"system": TICKET_CATEGORY_SYSTEM, "code": t.category}], "text": t.category},
        "description": t.title,
        "for": {"reference": f"Patient/{t.patient_id}"},
    }
    ended = (t.closed_at or t.resolved_at) if t.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) else None
    period: dict[str, str] = {"start": instant(t.created_at)}
    if ended:
        period["end"] = instant(ended)
    resource["executionPeriod"] = period
    resource["authoredOn"] = instant(t.created_at)
    resource["lastModified"] = instant(t.updated_at)
    if t.assigned_to:
        resource["owner"] = {"identifier": {"system": USER_SYSTEM, "value": str(t.assigned_to)}}
    elif t.assigned_team:
        resource["owner"] = {"display": t.assigned_team}
    resource["restriction"] = {"period": {"end": instant(t.resolution_due_at)}}
    if t.description:
        resource["note"] = [{"text": t.description}]
    return resource
