"""The practitioner aggregate's rules: names, limits, meta_data, display name, name matching, revisions."""

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.practitioners.errors import InvalidPractitioner
from prm.domain.practitioners.events import PractitionerDeleted, PractitionerRegistered, PractitionerUpdated
from prm.domain.practitioners.model import Organization, Practitioner, PractitionerDetails, display_name
from prm.domain.shared.ids import TenantId, new_id
from prm.domain.shared.text import fold, tokens

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TENANT = TenantId(new_id())

# Latin letters, accented or not. (Beyond Latin, ``fold`` strips marks before case-folding, so a
# few Greek letters with a subscript iota fold differently in upper and lower case.)
LETTERS: tuple[Literal["L"]] = ("L",)
name_part = st.text(alphabet=st.characters(categories=LETTERS, max_codepoint=0x24F), min_size=1, max_size=20).filter(
    lambda s: bool(tokens(s))
)


def details(**changes: object) -> PractitionerDetails:
    values: dict[str, object] = {"first_name": "John", "last_name": "Smith"}
    values.update(changes)
    return PractitionerDetails(**values)  # type: ignore[arg-type]


# --- display name ---------------------------------------------------------------------------------


def test_display_name_is_prefix_first_and_last_name() -> None:
    assert details(prefix="Dr.", middle_name="Adam").display_name == "Dr. John Smith"
    assert details().display_name == "John Smith"


@given(prefix=st.one_of(st.none(), name_part), first=name_part, last=name_part)
def test_display_name_keeps_the_parts_in_order_with_single_spaces(prefix: str | None, first: str, last: str) -> None:
    shown = display_name(prefix, first, last)
    expected = [prefix, first, last] if prefix else [first, last]
    assert shown == " ".join(expected)
    assert shown.startswith(prefix or first)
    assert shown.endswith(last)


# --- name matching --------------------------------------------------------------------------------


@given(first=name_part, middle=st.one_of(st.none(), name_part), last=name_part, data=st.data())
def test_every_prefix_of_a_name_token_matches(first: str, middle: str | None, last: str, data: st.DataObject) -> None:
    practitioner = details(first_name=first, middle_name=middle, last_name=last)
    token = data.draw(st.sampled_from(practitioner.search_tokens()))
    length = data.draw(st.integers(min_value=1, max_value=len(token)))
    assert practitioner.matches_name([token[:length]])


@given(first=name_part, last=name_part)
def test_matching_ignores_case_and_accents(first: str, last: str) -> None:
    practitioner = details(first_name=first, last_name=last)
    typed = unicodedata.normalize("NFD", f"{last.upper()} {first.lower()}")
    assert practitioner.matches_name(tokens(typed))


def test_every_typed_word_must_match_some_name() -> None:
    practitioner = details(first_name="José", last_name="Ávila")
    assert practitioner.matches_name(["avi", "jo"])
    assert practitioner.matches_name([])
    assert not practitioner.matches_name(["avi", "smith"])
    assert not practitioner.matches_name(["vila"])  # a prefix, not any substring


def test_middle_name_is_searchable_and_sort_key_is_last_then_first() -> None:
    practitioner = details(first_name="Ann", middle_name="Marie", last_name="Ñúñez")
    assert practitioner.matches_name(["mar"])
    assert practitioner.sort_key == "nunez ann"
    assert fold("Ñúñez") == "nunez"


# --- rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_names_must_not_be_blank(field: str) -> None:
    with pytest.raises(InvalidPractitioner) as caught:
        details(**{field: "  "})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("field", "limit"), [("first_name", 200), ("prefix", 50), ("license_number", 100), ("external_id", 255)]
)
def test_texts_fit_their_limits(field: str, limit: int) -> None:
    assert getattr(details(**{field: "x" * limit}), field) == "x" * limit
    with pytest.raises(InvalidPractitioner) as caught:
        details(**{field: "x" * (limit + 1)})
    assert caught.value.field == field


def test_optional_texts_are_absent_rather_than_blank() -> None:
    with pytest.raises(InvalidPractitioner) as caught:
        details(speciality=" ")
    assert caught.value.field == "speciality"


@pytest.mark.parametrize("meta_data", [{1: "x"}, {"a": object()}, {"a": float("nan")}, {"a": {"b": {2}}}])
def test_meta_data_must_be_a_json_object(meta_data: dict[object, object]) -> None:
    with pytest.raises(InvalidPractitioner) as caught:
        details(meta_data=meta_data)
    assert caught.value.field == "meta_data"


def test_meta_data_may_nest_json_values() -> None:
    document = {"a": [1, 2.5, None, True, {"b": "c"}]}
    assert details(meta_data=document).meta_data == document


def test_the_organization_needs_a_name() -> None:
    with pytest.raises(InvalidPractitioner) as caught:
        details(organization=Organization(name=" "))
    assert caught.value.field == "organization.name"


# --- lifecycle ------------------------------------------------------------------------------------


def registered(**changes: object) -> Practitioner:
    return Practitioner.register(tenant_id=TENANT, details=details(**changes), now=NOW)


def test_registration_starts_at_version_one_and_records_an_event() -> None:
    practitioner = registered()
    assert (practitioner.version, practitioner.created_at, practitioner.updated_at) == (1, NOW, NOW)
    assert practitioner.events == [PractitionerRegistered(practitioner.id)]


def test_a_revision_bumps_the_version_and_names_the_changed_fields() -> None:
    practitioner = registered(speciality="Cardiology")
    later = NOW + timedelta(hours=1)
    changed = practitioner.revise(later, speciality="Neurology", last_name="Smith", is_active=False)
    assert changed == ("speciality", "is_active")
    assert (practitioner.version, practitioner.updated_at, practitioner.created_at) == (2, later, NOW)
    assert practitioner.events[-1] == PractitionerUpdated(practitioner.id, ("speciality", "is_active"))
    assert not practitioner.is_active


def test_a_revision_that_changes_nothing_leaves_the_version() -> None:
    practitioner = registered(speciality="Cardiology")
    assert practitioner.revise(NOW + timedelta(hours=1), speciality="Cardiology") == ()
    assert (practitioner.version, practitioner.updated_at, len(practitioner.events)) == (1, NOW, 1)


def test_an_invalid_revision_leaves_the_practitioner_untouched() -> None:
    practitioner = registered()
    with pytest.raises(InvalidPractitioner):
        practitioner.revise(NOW, first_name="", speciality="Neurology")
    assert (practitioner.details, practitioner.version) == (details(), 1)


def test_unknown_fields_cannot_be_revised() -> None:
    with pytest.raises(InvalidPractitioner) as caught:
        registered().revise(NOW, tenant_id=TENANT)
    assert caught.value.field == "tenant_id"


def test_deletion_records_an_event() -> None:
    practitioner = registered()
    practitioner.delete()
    assert practitioner.events[-1] == PractitionerDeleted(practitioner.id)
