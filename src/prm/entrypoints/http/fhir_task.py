"""FHIR R4 Task (PRM's tickets) read and search under ``/api/v1/prm/fhir`` (issue 14), with the
REST API's ``tickets:read`` permission; reads and searches are audited as the REST ones are.

- ``GET /fhir/Task/{id}``: 404 OperationOutcome for an unknown id or another tenant's;
- ``GET /fhir/Task?patient=&status=&business-status=&priority=&_count=&_offset=``: newest first.
  ``patient``: ``Patient/<id>`` or an id; ``status``: FHIR task-status codes, comma-separated
  (``ready``, ``in-progress``, ``completed``; the others find nothing); ``business-status``: the
  ticket's own statuses (``open``, ``in_progress``, ``resolved``, ``closed``), comma-separated;
  ``priority``: one request-priority code (``routine``, ``urgent``, ``asap``, ``stat``). 422
  OperationOutcome naming the parameter otherwise.
"""

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter

from prm.adapters.fhir.search_params import reference_id, token_codes
from prm.adapters.fhir.task import TASK_PRIORITY, TASK_STATUS, TICKET_STATUS_SYSTEM, task_resource
from prm.application.shared.paging import Page
from prm.application.shared.ports import Clock
from prm.application.tickets.find_ticket_records import FindTicketRecords, FindTicketRecordsQuery
from prm.application.tickets.get_ticket import GetTicket
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.codes import TicketStatus
from prm.domain.tickets.ids import TicketId
from prm.entrypoints.http.fhir_appointment import REFERENCE_MAX, Reference
from prm.entrypoints.http.fhir_common import (
    FHIR_EXCEPTION_HANDLERS,
    FHIR_PATH,
    Count,
    Offset,
    fhir_response,
    page_request,
    searchset_response,
)
from prm.entrypoints.http.fhir_schemas import FHIR_JSON, fhir_responses

READ = {"permission": "tickets:read"}
TASK_STATUS_SYSTEM = "http://hl7.org/fhir/task-status"
PRIORITY_SYSTEM = "http://hl7.org/fhir/request-priority"


class TaskStatus(StrEnum):
    """FHIR R4 TaskStatus (http://hl7.org/fhir/task-status)."""

    DRAFT = "draft"
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    READY = "ready"
    CANCELLED = "cancelled"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    FAILED = "failed"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"


class RequestPriority(StrEnum):
    """FHIR R4 RequestPriority (http://hl7.org/fhir/request-priority)."""

    ROUTINE = "routine"
    URGENT = "urgent"
    ASAP = "asap"
    STAT = "stat"


Codes = Annotated[str | None, QueryParameter(max_length=REFERENCE_MAX, description="codes, comma-separated")]


class FhirTaskController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/Task/{task_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Task read",
    )
    @inject
    async def fhir_read_task(
        self, task_id: FromPath[UUID], get_ticket: FromDishka[GetTicket]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Task of a ticket; 404 (OperationOutcome) for an unknown id or another tenant's."""
        return fhir_response(task_resource(await get_ticket(TicketId(task_id))))

    @get(
        "/Task",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Task search",
    )
    @inject
    async def fhir_search_tasks(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindTicketRecords],
        clock: FromDishka[Clock],
        patient: Reference = None,
        status: Codes = None,
        business_status: Annotated[
            str | None,
            QueryParameter(name="business-status", max_length=REFERENCE_MAX, description="ticket statuses"),
        ] = None,
        priority: Annotated[str | None, QueryParameter(max_length=REFERENCE_MAX, description="one code")] = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the tickets matching every parameter given (none: all of the
        tenant's), newest first (see the module docstring for the parameters)."""
        patient_id = PatientId(reference_id(patient, "Patient", "patient")) if patient is not None else None
        statuses = frozenset(TicketStatus)
        if status:
            wanted = token_codes([status], TaskStatus, "status", TASK_STATUS_SYSTEM)
            statuses = frozenset(s for s, code in TASK_STATUS.items() if code in wanted)
        if business_status:
            statuses &= token_codes([business_status], TicketStatus, "business-status", TICKET_STATUS_SYSTEM)
        priorities = token_codes([priority] if priority else [], RequestPriority, "priority", PRIORITY_SYSTEM)
        by_code = {code: p for p, code in TASK_PRIORITY.items()}
        if len(priorities) > 1:
            raise RuleViolated("priority takes one code", field="priority")
        paging = page_request(count, offset)
        if not statuses:
            empty: Page[Any] = Page([], 0, paging.page, paging.page_size)
            return searchset_response(request, "Task", empty, [], clock.now())
        query = FindTicketRecordsQuery(
            page=paging,
            patient_id=patient_id,
            statuses=frozenset() if statuses == frozenset(TicketStatus) else statuses,
            priority=by_code[next(iter(priorities))] if priorities else None,
        )
        page = await find(query)
        return searchset_response(request, "Task", page, [task_resource(t) for t in page.items], clock.now())
