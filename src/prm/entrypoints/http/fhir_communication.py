"""FHIR R4 Communication (PRM's messages) read and search under ``/api/v1/prm/fhir`` (issue 14),
with the REST API's ``communications:read`` permission; reads and searches are audited as the
REST ones are (message bodies are PHI). The mapping: :mod:`prm.adapters.fhir.communication`.

- ``GET /fhir/Communication/{id}``: 404 OperationOutcome for an unknown id or another tenant's;
- ``GET /fhir/Communication?patient=&status=&medium=&category=&sent=&received=&_count=&_offset=``:
  newest first. ``patient``: ``Patient/<id>`` or an id (the subject); ``status``: EventStatus
  codes, comma-separated (``preparation``, ``in-progress``, ``completed``, ``stopped``,
  ``not-done``; the others find nothing); ``medium``: ``SMSWRIT``, ``EMAILWRIT``, ``MSGWRIT``
  or ``urn:prm:channel|sms|whatsapp|email``, comma-separated; ``category``: message categories,
  comma-separated; ``sent``, ``received``: dates with the prefixes ``eq``, ``ge``, ``gt``,
  ``le``, ``lt``, repeatable (all must hold). 422 OperationOutcome naming the parameter otherwise.
"""

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.adapters.fhir.communication import (
    CATEGORY_SYSTEM,
    COMMUNICATION_STATUS,
    EVENT_STATUS_SYSTEM,
    communication_resource,
    medium_channels,
)
from prm.adapters.fhir.search_params import date_range, reference_id, token_codes
from prm.application.communications.fhir_communications import (
    FindCommunicationRecords,
    FindCommunicationRecordsQuery,
)
from prm.application.communications.messages_ports import MessageRecordFilter
from prm.application.communications.messages_read import GetCommunication
from prm.application.shared.paging import Page
from prm.application.shared.ports import Clock
from prm.domain.communications.messages import MessageId
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId
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

READ = {"permission": "communications:read"}
CATEGORY_MAX = 64
"""Longest message category (``communication_messages.category``)."""


class EventStatus(StrEnum):
    """FHIR R4 EventStatus (http://hl7.org/fhir/event-status)."""

    PREPARATION = "preparation"
    IN_PROGRESS = "in-progress"
    NOT_DONE = "not-done"
    ON_HOLD = "on-hold"
    STOPPED = "stopped"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"
    UNKNOWN = "unknown"


Codes = Annotated[str | None, QueryParameter(max_length=REFERENCE_MAX, description="codes, comma-separated")]
SentValues = Annotated[
    list[str] | None,
    QueryParameter(name="sent", max_items=4, description="[eq|ge|gt|le|lt]YYYY[-MM[-DD[Thh:mm[:ss]zone]]], repeatable"),
]
ReceivedValues = Annotated[
    list[str] | None,
    QueryParameter(
        name="received", max_items=4, description="[eq|ge|gt|le|lt]YYYY[-MM[-DD[Thh:mm[:ss]zone]]], repeatable"
    ),
]


def _categories(value: str | None) -> frozenset[str]:
    """The codes of a ``category`` token (comma-separated; ``urn:prm:communication-category|``
    allowed); 422 naming ``category`` for another system or a code that cannot be a category."""
    found: set[str] = set()
    for part in value.split(",") if value else ():
        system, _, code = part.strip().rpartition("|")
        if system and system != CATEGORY_SYSTEM:
            raise RuleViolated(f"category: the code system must be {CATEGORY_SYSTEM}", field="category")
        if not code or len(code) > CATEGORY_MAX:
            raise RuleViolated(f"category codes are 1 to {CATEGORY_MAX} characters", field="category")
        found.add(code)
    return frozenset(found)


class FhirCommunicationController(Controller):
    path = FHIR_PATH
    tags = ("fhir",)
    exception_handlers = FHIR_EXCEPTION_HANDLERS

    @get(
        "/Communication/{communication_id:uuid}",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 404, 422),
        summary="FHIR Communication read",
    )
    @inject
    async def fhir_read_communication(
        self, communication_id: FromPath[UUID], get_communication: FromDishka[GetCommunication]
    ) -> Response[dict[str, Any]]:
        """The FHIR R4 Communication of a message; 404 (OperationOutcome) for an unknown id or
        another tenant's. Audited (``read``)."""
        return fhir_response(communication_resource(await get_communication(MessageId(communication_id))))

    @get(
        "/Communication",
        opt=READ,
        media_type=FHIR_JSON,
        responses=fhir_responses(400, 401, 403, 422),
        summary="FHIR Communication search",
    )
    @inject
    async def fhir_search_communications(
        self,
        request: Request[Any, Any, Any],
        find: FromDishka[FindCommunicationRecords],
        clock: FromDishka[Clock],
        patient: Reference = None,
        status: Codes = None,
        medium: Codes = None,
        category: Codes = None,
        sent: SentValues = None,
        received: ReceivedValues = None,
        count: Count = 20,
        offset: Offset = 0,
    ) -> Response[dict[str, Any]]:
        """A searchset Bundle of the messages matching every parameter given (none: all of the
        tenant's), newest first (see the module docstring for the parameters). Audited (``search``)."""
        patient_id = PatientId(reference_id(patient, "Patient", "patient")) if patient is not None else None
        wanted = token_codes([status] if status else [], EventStatus, "status", EVENT_STATUS_SYSTEM)
        statuses = frozenset(s for s, code in COMMUNICATION_STATUS.items() if code in wanted)
        channels = medium_channels([medium] if medium else [])
        categories = _categories(category)
        sent_range = date_range(sent or (), "sent")
        received_range = date_range(received or (), "received")
        paging = page_request(count, offset)
        if (wanted and not statuses) or sent_range.is_empty() or received_range.is_empty():
            empty: Page[Any] = Page([], 0, paging.page, paging.page_size)
            return searchset_response(request, "Communication", empty, [], clock.now())
        where = MessageRecordFilter(
            patient_id=patient_id,
            statuses=statuses,
            channels=channels,
            categories=categories,
            sent_from=sent_range.starts_from,
            sent_before=sent_range.starts_before,
            arrived_from=received_range.starts_from,
            arrived_before=received_range.starts_before,
        )
        page = await find(FindCommunicationRecordsQuery(where=where, page=paging))
        resources = [communication_resource(m) for m in page.items]
        return searchset_response(request, "Communication", page, resources, clock.now())


ROUTES: list[ControllerRouterHandler] = [FhirCommunicationController]
"""This module's controllers, spread into ``fhir.ROUTES``."""
