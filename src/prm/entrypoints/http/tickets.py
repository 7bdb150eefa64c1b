"""The tickets API under ``/api/v1/prm/tickets``: tickets, their comments and history, and the
tenant's SLA policy (the reference API's "Tickets API")."""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import UNSET

from prm.application.shared.context import RequestContext
from prm.application.shared.paging import PageRequest
from prm.application.tickets.comments import AddComment, AddCommentCommand, ListActivity, ListComments, TicketPageQuery
from prm.application.tickets.create_ticket import CreateTicket
from prm.application.tickets.get_ticket import GetTicket
from prm.application.tickets.list_tickets import ListTickets, ListTicketsQuery
from prm.application.tickets.sla_policy import GetSlaPolicy, SetSlaPolicy
from prm.application.tickets.update_ticket import UpdateTicket, UpdateTicketCommand
from prm.domain.shared.ids import PatientId
from prm.domain.tickets.codes import TicketPriority, TicketStatus
from prm.domain.tickets.ids import TicketId, UserId
from prm.domain.tickets.model import Ticket
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses
from prm.entrypoints.http.tickets_schemas import (
    ActivityResponse,
    AddCommentRequest,
    CommentResponse,
    CreateTicketRequest,
    SlaPolicyRequest,
    SlaPolicyResponse,
    TicketResponse,
    UpdateTicketRequest,
    activity_response,
    comment_response,
    policy_response,
    ticket_response,
    to_changes,
    to_open_command,
    to_policy_input,
)

TenantQuery = Annotated[UUID | None, QueryParameter(description="Must be the caller's own tenant if given")]
CodeQuery = Annotated[str | None, QueryParameter(max_length=64, description="A code, any case")]
OverdueQuery = Annotated[
    bool | None,
    QueryParameter(description="true: active tickets past a due time they have not met; false: all the others"),
]


def _with_etag(ticket: Ticket, status_code: int = 200) -> Response[TicketResponse]:
    return Response(ticket_response(ticket), status_code=status_code, headers={"ETag": etag(ticket.version)})


class TicketController(Controller):
    path = "/tickets"
    tags = ("tickets",)

    @get(opt={"permission": "tickets:read"}, responses=problem_responses(403, 422), summary="List tickets")
    @inject
    async def list_tickets(
        self,
        list_tickets: FromDishka[ListTickets],
        context: FromDishka[RequestContext],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
        patient_id: FromQuery[UUID | None] = None,
        status: FromQuery[TicketStatus | None] = None,
        priority: FromQuery[TicketPriority | None] = None,
        assigned_to: FromQuery[UUID | None] = None,
        assigned_team: FromQuery[CodeQuery] = None,
        category: FromQuery[CodeQuery] = None,
        journey_instance_id: FromQuery[UUID | None] = None,
        overdue: FromQuery[OverdueQuery] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> PageResponse[TicketResponse]:
        """The tenant's tickets, newest first, filtered by patient, status, priority, assignee
        (user or team), category, journey instance, or being overdue."""
        context.ensure_tenant(tenant_id)
        result = await list_tickets(
            ListTicketsQuery(
                page=PageRequest(page, page_size),
                patient_id=PatientId(patient_id) if patient_id else None,
                status=status,
                priority=priority,
                assigned_to=UserId(assigned_to) if assigned_to else None,
                assigned_team=assigned_team,
                category=category,
                journey_instance_id=journey_instance_id,
                overdue=overdue,
            )
        )
        return page_response(result.map(ticket_response))

    @post(opt={"permission": "tickets:write"}, responses=problem_responses(403, 404, 422), summary="Create a ticket")
    @inject
    async def create_ticket(
        self, data: JSONBody[CreateTicketRequest], create: FromDishka[CreateTicket], context: FromDishka[RequestContext]
    ) -> Response[TicketResponse]:
        """Open a ticket about a patient (404 for a patient the tenant does not have); its SLA due
        times come from the tenant's policy."""
        context.ensure_tenant(data.tenant_id)
        return _with_etag(await create(to_open_command(data)), status_code=201)

    @get(
        "/sla-policy",
        opt={"permission": "tickets:read"},
        responses=problem_responses(403),
        summary="Get the SLA policy",
    )
    @inject
    async def get_ticket_sla_policy(self, get_policy: FromDishka[GetSlaPolicy]) -> SlaPolicyResponse:
        """The tenant's SLA targets per priority, business hours and escalation (the defaults,
        ``is_default``, until it sets its own)."""
        return policy_response(await get_policy())

    @put(
        "/sla-policy",
        opt={"permission": "tickets:write"},
        responses=problem_responses(403, 422),
        summary="Set the SLA policy",
    )
    @inject
    async def set_ticket_sla_policy(
        self, data: JSONBody[SlaPolicyRequest], set_policy: FromDishka[SetSlaPolicy]
    ) -> SlaPolicyResponse:
        """Replace the tenant's SLA policy: every priority needs a target. It applies to tickets
        created, or given a new priority, from now on."""
        return policy_response(await set_policy(to_policy_input(data)))

    @get(
        "/{ticket_id:uuid}",
        opt={"permission": "tickets:read"},
        responses=problem_responses(404),
        summary="Get a ticket",
    )
    @inject
    async def get_ticket(self, ticket_id: FromPath[UUID], get_one: FromDishka[GetTicket]) -> Response[TicketResponse]:
        return _with_etag(await get_one(TicketId(ticket_id)))

    @patch(
        "/{ticket_id:uuid}",
        opt={"permission": "tickets:write"},
        responses=problem_responses(403, 404, 409, 422),
        summary="Update a ticket",
    )
    @inject
    async def update_ticket(
        self,
        ticket_id: FromPath[UUID],
        data: JSONBody[UpdateTicketRequest],
        update: FromDishka[UpdateTicket],
        context: FromDishka[RequestContext],
        if_match: IfMatch = None,
    ) -> Response[TicketResponse]:
        """Change the status (``resolution_notes`` required to resolve), priority (the due times
        are computed again), assignee or category. A move the workflow does not allow is 409
        (``tickets.transition_not_allowed``); send ``If-Match: W/"<version>"`` (or ``version``) to
        have a stale update refused with 409."""
        context.ensure_tenant(data.tenant_id if data.tenant_id is not UNSET else None)
        expected = version_from_if_match(if_match)
        if expected is None and data.version is not UNSET:
            expected = data.version
        ticket = await update(
            UpdateTicketCommand(ticket_id=TicketId(ticket_id), changes=to_changes(data), expected_version=expected)
        )
        return _with_etag(ticket)

    @get(
        "/{ticket_id:uuid}/comments",
        opt={"permission": "tickets:read"},
        responses=problem_responses(404, 422),
        summary="List a ticket's comments",
    )
    @inject
    async def list_ticket_comments(
        self,
        ticket_id: FromPath[UUID],
        list_comments: FromDishka[ListComments],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[CommentResponse]:
        """Oldest first."""
        result = await list_comments(TicketPageQuery(ticket_id=TicketId(ticket_id), page=PageRequest(page, page_size)))
        return page_response(result.map(comment_response))

    @post(
        "/{ticket_id:uuid}/comments",
        opt={"permission": "tickets:write"},
        responses=problem_responses(403, 404, 409, 422),
        summary="Comment on a ticket",
    )
    @inject
    async def add_ticket_comment(
        self, ticket_id: FromPath[UUID], data: JSONBody[AddCommentRequest], add: FromDishka[AddComment]
    ) -> CommentResponse:
        """The author is the caller; a user's first comment is the ticket's first response. A
        closed ticket takes no comments (409)."""
        return comment_response(await add(AddCommentCommand(ticket_id=TicketId(ticket_id), body=data.body)))

    @get(
        "/{ticket_id:uuid}/activity",
        opt={"permission": "tickets:read"},
        responses=problem_responses(404, 422),
        summary="List a ticket's activity",
    )
    @inject
    async def list_ticket_activity(
        self,
        ticket_id: FromPath[UUID],
        list_activity: FromDishka[ListActivity],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 50,
    ) -> PageResponse[ActivityResponse]:
        """Every change, oldest first: who, when, which field from what to what."""
        result = await list_activity(TicketPageQuery(ticket_id=TicketId(ticket_id), page=PageRequest(page, page_size)))
        return page_response(result.map(activity_response))
