"""Search across patients, practitioners, appointments, tickets and communications (``GET /search``)."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from uuid import UUID

from prm.application.search.ports import (
    AUDIT_ENTITY,
    DEFAULT_PER_KIND,
    MAX_PER_KIND,
    MAX_QUERY_LENGTH,
    MIN_QUERY_LENGTH,
    SearchHit,
    SearchKind,
    SearchSource,
    SearchText,
)
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.errors import RuleViolated


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchGroup:
    """The hits of one kind; ``truncated``: there may be more than ``limit``."""

    kind: SearchKind
    hits: Sequence[SearchHit]
    truncated: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchQuery:
    """``text`` of 2 to 200 characters; ``kinds`` to look through (empty: all); ``limit`` hits per
    kind, 1 to :data:`~prm.application.search.ports.MAX_PER_KIND`. Raises ``RuleViolated``
    naming ``q`` or ``limit``."""

    text: str
    kinds: Collection[SearchKind] = ()
    limit: int = DEFAULT_PER_KIND

    def __post_init__(self) -> None:
        if not MIN_QUERY_LENGTH <= len(self.text.strip()) <= MAX_QUERY_LENGTH:
            raise RuleViolated(f"q needs {MIN_QUERY_LENGTH} to {MAX_QUERY_LENGTH} characters", field="q")
        if not 1 <= self.limit <= MAX_PER_KIND:
            raise RuleViolated(f"limit must be between 1 and {MAX_PER_KIND}", field="limit")


def _as_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


class SearchEverything:
    """One group per kind asked for (all by default) that the caller may read (``<kind>:read``;
    the others are left out, not refused), in :class:`SearchKind` order, tenant-scoped.

    Each source is asked for ``limit + 1`` hits to tell whether its group is truncated: a fixed
    number of queries whatever the tenant's size. Records one ``search`` audit event per kind with
    hits, naming what was found (the patients group is a PHI read), and commits.
    """

    def __init__(
        self, sources: Sequence[SearchSource], context: RequestContext, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._sources = sources
        self._context = context
        self._audit = audit
        self._uow = uow

    async def __call__(self, query: SearchQuery) -> Sequence[SearchGroup]:
        text = query.text.strip()
        typed = SearchText(text=text, as_id=_as_id(text), region=self._context.phone_region)
        wanted = set(query.kinds) or set(SearchKind)
        allowed = {k for k in wanted if f"{k.value}:read" in self._context.principal.permissions}
        by_kind = {source.kind: source for source in self._sources}
        groups: list[SearchGroup] = []
        for kind in SearchKind:
            source = by_kind.get(kind)
            if kind not in allowed or source is None:
                continue
            hits = list(await source.search(typed, query.limit + 1))
            groups.append(SearchGroup(kind=kind, hits=hits[: query.limit], truncated=len(hits) > query.limit))
        for group in groups:
            if group.hits:
                await self._audit.record(AuditAction.SEARCH, AUDIT_ENTITY[group.kind], [h.id for h in group.hits])
        await self._uow.commit()
        return groups
