"""Communications context wiring: the templates part.

``JOBS`` (task name to job handler class), ``EVENTS`` (event type to handler classes) and
``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`.
"""

from collections.abc import Mapping

from dishka import Provider, Scope

from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.ioc.periodic import Periodic

JOBS: Mapping[str, type[JobHandler]] = {}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {}
PERIODIC: tuple[Periodic, ...] = ()


class CommunicationsTemplatesProvider(Provider):
    scope = Scope.REQUEST
