"""Ports of the communications context's templates part. The repository is tenant-scoped: it
only ever sees the rows of the tenant it was built for."""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from prm.domain.communications.channels import Channel
from prm.domain.communications.templates import Template, TemplateId


class TemplateEngine(Protocol):
    """Parses and renders template sources (Jinja2 syntax, sandboxed: no attribute starting with
    ``_``, no Python internals, no file system). Process-wide (APP scope), without state."""

    @abstractmethod
    def variables_used(self, source: str) -> set[str]:
        """The names ``source`` reads from its variables (the ones it does not set itself).
        Raises ``TemplateSyntaxInvalid`` (``field`` unset: the caller names it) for a source
        that does not parse."""

    @abstractmethod
    def render(self, source: str, variables: Mapping[str, object]) -> str:
        """``source`` rendered with ``variables`` as text (no HTML escaping). Raises
        ``TemplateRenderFailed`` naming the missing variables when it reads one ``variables``
        lacks, and without values or internals for anything else (a syntax error, an operation
        the sandbox refuses, an error of the template's own expressions)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateFilter:
    """Which templates a list shows; ``None``: any."""

    channel: Channel | None = None
    category: str | None = None
    language: str | None = None
    is_active: bool | None = None


class TemplateRepository(Protocol):
    """The tenant's message templates."""

    @abstractmethod
    async def add(self, template: Template) -> None:
        """Raises ``DuplicateTemplate`` when the tenant has one with its name, channel and language."""

    @abstractmethod
    async def add_missing(self, templates: Sequence[Template]) -> None:
        """Insert those of ``templates`` whose name, channel and language the tenant has no
        template for; the others are left as they are (one statement, safe to race)."""

    @abstractmethod
    async def count_builtin(self) -> int:
        """How many built-in templates the tenant has."""

    @abstractmethod
    async def get(self, template_id: TemplateId) -> Template | None: ...

    @abstractmethod
    async def save(self, template: Template, *, expected_version: int) -> None:
        """Update the row if it is still at ``expected_version``; raises ``StaleVersion`` otherwise."""

    @abstractmethod
    async def remove(self, template_id: TemplateId) -> None: ...

    @abstractmethod
    async def matching(self, where: TemplateFilter) -> Sequence[Template]:
        """The templates ``where`` selects, by name, channel and language."""

    @abstractmethod
    async def categories(self) -> Sequence[str]:
        """The categories the tenant's templates use, sorted."""

    @abstractmethod
    async def variants(self, name: str, channel: Channel) -> Sequence[Template]:
        """Every language of the template ``name`` on ``channel``, active or not."""
