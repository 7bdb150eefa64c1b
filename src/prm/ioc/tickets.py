"""Tickets context wiring: SQL adapters and the other contexts' views behind the ports, the use
cases, the ``tickets.detect_breaches`` job (every 60 s) and the survey handler.

``JOBS``, ``EVENTS`` and ``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`.
"""

from collections.abc import Mapping

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.sql.tickets import SqlSlaPolicies, SqlTicketFinder, SqlTicketRepository
from prm.adapters.tickets.directories import (
    AssigneeDirectoryFromIdentity,
    PatientDirectoryFromPatients,
    TenantTimeZoneFromIdentity,
)
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.application.tickets.comments import AddComment, ListActivity, ListComments
from prm.application.tickets.create_ticket import CreateTicket
from prm.application.tickets.detect_breaches import DetectBreaches
from prm.application.tickets.get_ticket import GetTicket
from prm.application.tickets.list_tickets import ListTickets
from prm.application.tickets.on_survey_response import OpenTicketForLowScore
from prm.application.tickets.open_ticket import OpenTicket
from prm.application.tickets.ports import (
    DETECT_BREACHES_TASK,
    AssigneeDirectory,
    PatientDirectory,
    SlaPolicies,
    TenantTimeZone,
    TicketFinder,
    TicketRepository,
)
from prm.application.tickets.sla_policy import GetSlaPolicy, SetSlaPolicy
from prm.application.tickets.update_ticket import UpdateTicket
from prm.ioc.periodic import Periodic

JOBS: Mapping[str, type[JobHandler]] = {DETECT_BREACHES_TASK: DetectBreaches}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {"survey.response_recorded": (OpenTicketForLowScore,)}
PERIODIC: tuple[Periodic, ...] = (Periodic(DETECT_BREACHES_TASK, 60),)


class TicketsProvider(Provider):
    scope = Scope.REQUEST

    repository = provide(SqlTicketRepository, provides=TicketRepository)
    finder = provide(SqlTicketFinder, provides=TicketFinder)
    policies = provide(SqlSlaPolicies, provides=SlaPolicies)
    patients = provide(PatientDirectoryFromPatients, provides=PatientDirectory)
    assignees = provide(AssigneeDirectoryFromIdentity, provides=AssigneeDirectory)
    zone = provide(TenantTimeZoneFromIdentity, provides=TenantTimeZone)
    use_cases = provide_all(
        OpenTicket,
        CreateTicket,
        GetTicket,
        ListTickets,
        UpdateTicket,
        AddComment,
        ListComments,
        ListActivity,
        GetSlaPolicy,
        SetSlaPolicy,
        DetectBreaches,
        OpenTicketForLowScore,
    )
