"""Change a message template: its wording, declared variables, category, or whether it is active."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from prm.application.communications.template_ports import TemplateEngine, TemplateRepository
from prm.application.communications.templates_builtin import BuiltinTemplates
from prm.application.communications.templates_get import check_sources, find_template
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.templates import Template, TemplateId
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateTemplateCommand:
    """``changes`` maps ``display_name``, ``category``, ``subject``, ``body``, ``variables`` and
    ``is_active`` to new values; absent fields stay. ``expected_version`` (from ``If-Match``)
    makes the update conditional."""

    template_id: TemplateId
    changes: Mapping[str, object] = field(default_factory=dict)
    expected_version: int | None = None


class UpdateTemplate:
    """Partial update, built-ins included (their edits are kept: they are materialized once).

    Raises ``TemplateNotFound`` (404), ``StaleVersion`` (409), ``InvalidTemplate`` (422 naming
    the field; also for ``name``, ``channel`` and ``language``, which never change),
    ``TemplateSyntaxInvalid`` and ``UndeclaredTemplateVariable`` (422, ``body`` or ``subject``:
    the sources are checked against the variables as changed). Records an ``update`` audit event
    with the changed field names; a change to nothing does nothing.
    """

    def __init__(
        self,
        templates: TemplateRepository,
        builtins: BuiltinTemplates,
        engine: TemplateEngine,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._templates = templates
        self._builtins = builtins
        self._engine = engine
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: UpdateTemplateCommand) -> Template:
        materialized = await self._builtins.ensure()
        template = await find_template(self._templates, command.template_id)
        if command.expected_version is not None and command.expected_version != template.version:
            raise StaleVersion(
                f"communication template {template.id} is at version {template.version}, "
                f"not {command.expected_version}: reload it and apply the change again"
            )
        version = template.version
        changed = template.revise(self._clock.now(), **command.changes)
        if changed:
            check_sources(self._engine, template)
            await self._templates.save(template, expected_version=version)
            await self._audit.record(AuditAction.UPDATE, "communication_template", [template.id], changed)
        if changed or materialized:
            await self._uow.commit()
        if changed:
            log.info("communication_template.updated", template_id=str(template.id), version=template.version)
        return template
