"""The read ports other parts use to show an entity's tags (the patient 360 view, lists)."""

from collections.abc import Collection, Mapping, Sequence
from uuid import UUID

from prm.application.tags.ports import TagLinks
from prm.domain.tags.model import Tag, TaggedKind


class TagsOfEntity:
    """``await tags_of_entity(TaggedKind.PATIENTS, patient_id)``: the tags one entity of the tenant
    carries, ordered by folded name, in one query (empty for an unknown entity). Each
    :class:`~prm.domain.tags.model.Tag` has ``id``, ``version`` and ``details`` (``name``,
    ``colour`` as ``#RRGGBB``, ``description`` or ``None``). Runs in the caller's unit of work:
    no commit, no audit event (tags are no PHI; the caller records its own read)."""

    def __init__(self, links: TagLinks) -> None:
        self._links = links

    async def __call__(self, kind: TaggedKind, entity_id: UUID) -> Sequence[Tag]:
        return (await self._links.tags_of(kind, [entity_id])).get(entity_id, ())


class TagsOfEntities:
    """``await tags_of_entities(TaggedKind.APPOINTMENTS, ids)``: each entity's tags (ordered by
    folded name) in one query whatever the number of ids; entities without tags are left out of
    the mapping. As :class:`TagsOfEntity`: caller's unit of work, no audit event."""

    def __init__(self, links: TagLinks) -> None:
        self._links = links

    async def __call__(self, kind: TaggedKind, entity_ids: Collection[UUID]) -> Mapping[UUID, Sequence[Tag]]:
        if not entity_ids:
            return {}
        return await self._links.tags_of(kind, entity_ids)
