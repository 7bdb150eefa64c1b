"""An in-memory :class:`TemplateRepository` for the templates part's unit tests."""

import copy
from collections.abc import Sequence

from prm.application.communications.template_ports import TemplateFilter, TemplateRepository
from prm.domain.communications.channels import Channel
from prm.domain.communications.template_errors import DuplicateTemplate
from prm.domain.communications.templates import Template, TemplateId
from prm.domain.shared.errors import StaleVersion


class InMemoryTemplates(TemplateRepository):
    def __init__(self) -> None:
        self.rows: dict[TemplateId, Template] = {}

    def _key_taken(self, t: Template) -> bool:
        return any((o.name, o.channel, o.language) == (t.name, t.channel, t.language) for o in self.rows.values())

    async def add(self, template: Template) -> None:
        if self._key_taken(template):
            raise DuplicateTemplate("taken")
        self.rows[template.id] = copy.deepcopy(template)

    async def add_missing(self, templates: Sequence[Template]) -> None:
        for template in templates:
            if not self._key_taken(template):
                self.rows[template.id] = copy.deepcopy(template)

    async def count_builtin(self) -> int:
        return sum(t.is_builtin for t in self.rows.values())

    async def get(self, template_id: TemplateId) -> Template | None:
        found = self.rows.get(template_id)
        return copy.deepcopy(found) if found else None

    async def save(self, template: Template, *, expected_version: int) -> None:
        if self.rows[template.id].version != expected_version:
            raise StaleVersion("changed")
        self.rows[template.id] = copy.deepcopy(template)

    async def remove(self, template_id: TemplateId) -> None:
        del self.rows[template_id]

    async def matching(self, where: TemplateFilter) -> Sequence[Template]:
        found = [
            t
            for t in self.rows.values()
            if (where.channel is None or t.channel == where.channel)
            and (where.category is None or t.category == where.category)
            and (where.language is None or t.language == where.language)
            and (where.is_active is None or t.is_active == where.is_active)
        ]
        return sorted(found, key=lambda t: (t.name, t.channel.value, t.language))

    async def categories(self) -> Sequence[str]:
        return sorted({t.category for t in self.rows.values()})

    async def variants(self, name: str, channel: Channel) -> Sequence[Template]:
        return sorted(
            (t for t in self.rows.values() if t.name == name and t.channel == channel), key=lambda t: t.language
        )
