"""The tenant's message templates, as the reference API's ``GET /communications/templates`` lists them."""

from collections.abc import Sequence
from dataclasses import dataclass

from prm.application.communications.template_ports import TemplateFilter, TemplateRepository
from prm.application.communications.templates_builtin import BuiltinTemplates
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.communications.templates import Template, check_category, check_language


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateList:
    """``templates`` matching the filter (by name, channel, language) and their ``total``;
    ``channels`` and ``categories`` are the values a client may filter on: every channel, every
    standard category, then the tenant's own categories in use."""

    templates: Sequence[Template]
    total: int
    channels: Sequence[str]
    categories: Sequence[str]


class ListTemplates:
    """Every template of the tenant's matching the filter, built-ins included (a tenant has a few
    dozen: no pages). Raises ``InvalidTemplate`` (422) for a malformed ``language`` or ``category``."""

    def __init__(self, templates: TemplateRepository, builtins: BuiltinTemplates, uow: UnitOfWork) -> None:
        self._templates = templates
        self._builtins = builtins
        self._uow = uow

    async def __call__(self, where: TemplateFilter) -> TemplateList:
        where = TemplateFilter(
            channel=where.channel,
            category=check_category(where.category) if where.category is not None else None,
            language=check_language(where.language) if where.language is not None else None,
            is_active=where.is_active,
        )
        materialized = await self._builtins.ensure()
        found = await self._templates.matching(where)
        standard = [c.value for c in TemplateCategory]
        own = [c for c in await self._templates.categories() if c not in standard]
        if materialized:
            await self._uow.commit()
        return TemplateList(
            templates=found, total=len(found), channels=[c.value for c in Channel], categories=standard + own
        )
