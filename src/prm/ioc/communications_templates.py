"""Communications context wiring: the templates part (the SQL repository, the Jinja2 sandbox, the
built-ins, the use cases, and ``RenderTemplate`` as the context's ``TemplateRenderer``).

``JOBS`` (task name to job handler class), ``EVENTS`` (event type to handler classes) and
``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`.
"""

from collections.abc import Mapping

from dishka import Provider, Scope, alias, provide, provide_all

from prm.adapters.communications.jinja_templates import JinjaTemplateEngine
from prm.adapters.sql.communications_templates import SqlTemplateRepository
from prm.application.communications.contracts import TemplateRenderer
from prm.application.communications.template_ports import TemplateEngine, TemplateRepository
from prm.application.communications.templates_builtin import BuiltinTemplates
from prm.application.communications.templates_create import CreateTemplate
from prm.application.communications.templates_delete import DeleteTemplate
from prm.application.communications.templates_get import GetTemplate
from prm.application.communications.templates_list import ListTemplates
from prm.application.communications.templates_preview import PreviewTemplate
from prm.application.communications.templates_render import RenderTemplate
from prm.application.communications.templates_update import UpdateTemplate
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.ioc.periodic import Periodic

JOBS: Mapping[str, type[JobHandler]] = {}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {}
PERIODIC: tuple[Periodic, ...] = ()


class CommunicationsTemplatesProvider(Provider):
    scope = Scope.REQUEST
    repository = provide(SqlTemplateRepository, provides=TemplateRepository)
    engine = provide(JinjaTemplateEngine, provides=TemplateEngine, scope=Scope.APP)
    builtins = provide(BuiltinTemplates)
    use_cases = provide_all(
        CreateTemplate, ListTemplates, GetTemplate, UpdateTemplate, DeleteTemplate, PreviewTemplate, RenderTemplate
    )
    renderer = alias(source=RenderTemplate, provides=TemplateRenderer)
