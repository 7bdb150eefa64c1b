"""Read one tag (``GET /tags/{id}``)."""

from prm.application.tags.ports import TagRepository
from prm.domain.tags.errors import TagNotFound
from prm.domain.tags.ids import TagId
from prm.domain.tags.model import Tag


async def existing(tags: TagRepository, tag_id: TagId) -> Tag:
    """The tenant's tag; raises ``TagNotFound`` (404), also for another tenant's id."""
    tag = await tags.get(tag_id)
    if tag is None:
        raise TagNotFound(f"tag {tag_id} not found")
    return tag


class GetTag:
    """One tag of the tenant; raises ``TagNotFound`` (404). No audit event: a tag is no PHI."""

    def __init__(self, tags: TagRepository) -> None:
        self._tags = tags

    async def __call__(self, tag_id: TagId) -> Tag:
        return await existing(self._tags, tag_id)
