"""The tag's rules: names unique in any case or accent, ``#RRGGBB`` colours, descriptions."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from prm.domain.shared.ids import TenantId
from prm.domain.tags.errors import InvalidTag
from prm.domain.tags.events import TagCreated, TagDeleted, TagUpdated
from prm.domain.tags.model import DEFAULT_COLOUR, Tag, TagDetails, TaggedKind, name_key

NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)


def test_details_are_cleaned() -> None:
    details = TagDetails.of(name="  Très   urgent ", colour="#ff00aa", description="  ")
    assert (details.name, details.colour, details.description) == ("Très urgent", "#FF00AA", None)
    assert details.name_key == "tres urgent" == name_key("TRES  Urgent")
    assert TagDetails.of(name="VIP").colour == DEFAULT_COLOUR


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "ok", "colour": "red"}, "colour"),
        ({"name": "ok", "colour": "#12345"}, "colour"),
        ({"name": "ok", "description": "d" * 501}, "description"),
    ],
)
def test_rules_name_the_field(fields: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidTag) as refused:
        TagDetails.of(**fields)
    assert refused.value.field == field


def test_revise() -> None:
    tag = Tag.create(tenant_id=TenantId(uuid4()), details=TagDetails.of(name="VIP", description="Top"), now=NOW)
    assert tag.revise(NOW, {"name": " VIP "}) == ()
    assert tag.revise(NOW, {"colour": "#000000", "description": None}) == ("colour", "description")
    assert (tag.version, tag.details.description) == (2, None)
    with pytest.raises(InvalidTag):
        tag.revise(NOW, {"name": 3})
    with pytest.raises(InvalidTag):
        tag.revise(NOW, {"owner": "me"})


def test_each_kind_is_its_permission_resource() -> None:
    assert [k.resource for k in TaggedKind] == ["patients", "appointments", "tickets", "journeys"]


def test_changes_are_events() -> None:
    tag = Tag.create(tenant_id=TenantId(uuid4()), details=TagDetails.of(name="VIP"), now=NOW)
    tag.revise(NOW, {"colour": "#112233"})
    tag.delete()
    assert tag.events == [TagCreated(tag.id), TagUpdated(tag.id, ("colour",)), TagDeleted(tag.id)]


def test_a_name_that_folds_longer_keeps_a_bounded_key() -> None:
    details = TagDetails.of(name="ß" * 64)
    assert len(details.name) == 64
    assert details.name_key == "s" * 128
    assert len(TagDetails.of(name="\ufdfa" * 64).name_key) == 255  # one character NFKD-expands to 18
