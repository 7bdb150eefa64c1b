"""Tags context wiring (issue 13): SQL adapters and the taggable contexts' view behind the
ports, and the use cases (including the read ports other parts use: ``TagsOfEntity`` and
``TagsOfEntities``)."""

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.sql.tags import SqlTagFinder, SqlTagLinks, SqlTagRepository
from prm.adapters.tags.entities import TaggableEntitiesFromContexts
from prm.application.tags.attach_tag import AttachTag
from prm.application.tags.create_tag import CreateTag
from prm.application.tags.delete_tag import DeleteTag
from prm.application.tags.detach_tag import DetachTag
from prm.application.tags.entity_tags import TagsOfEntities, TagsOfEntity
from prm.application.tags.get_tag import GetTag
from prm.application.tags.list_tags import ListEntityTags, ListTags
from prm.application.tags.ports import TagFinder, TaggableEntities, TagLinks, TagRepository
from prm.application.tags.tagged_entities import ListTaggedEntities
from prm.application.tags.update_tag import UpdateTag


class TagsProvider(Provider):
    scope = Scope.REQUEST

    repository = provide(SqlTagRepository, provides=TagRepository)
    finder = provide(SqlTagFinder, provides=TagFinder)
    links = provide(SqlTagLinks, provides=TagLinks)
    entities = provide(TaggableEntitiesFromContexts, provides=TaggableEntities)
    use_cases = provide_all(
        CreateTag,
        GetTag,
        ListTags,
        ListEntityTags,
        UpdateTag,
        DeleteTag,
        AttachTag,
        DetachTag,
        ListTaggedEntities,
        TagsOfEntity,
        TagsOfEntities,
    )
