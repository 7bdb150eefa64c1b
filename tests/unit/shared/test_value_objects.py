"""Properties of the shared value objects (Hypothesis)."""

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from prm.application.shared.paging import MAX_PAGE_SIZE, Page, PageRequest
from prm.domain.shared.contact import (
    InvalidEmail,
    InvalidPhoneNumber,
    normalize_email,
    normalize_phone,
    phone_search_digits,
)
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import HumanName
from prm.domain.shared.text import fold, tokens

REGIONS = ["US", "GB", "DE", "FR", "IN", "BR", "AU", "NG", "JP"]


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid example number of some region, formatted as a person might type it."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]))
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    style = draw(
        st.sampled_from(
            [
                phonenumbers.PhoneNumberFormat.NATIONAL,
                phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                phonenumbers.PhoneNumberFormat.E164,
            ]
        )
    )
    return phonenumbers.format_number(example, style), region


@given(valid_numbers())
def test_phone_normalisation_is_idempotent_and_gives_e164(number: tuple[str, str]) -> None:
    typed, region = number
    once = normalize_phone(typed, region)
    assert once.startswith("+")
    assert once[1:].isdigit()
    assert normalize_phone(once, region) == once
    assert normalize_phone(once, "US") == once  # an E.164 number does not depend on the default region


@given(valid_numbers())
def test_a_phone_is_found_whatever_format_was_typed(number: tuple[str, str]) -> None:
    typed, region = number
    stored = normalize_phone(typed, region)
    assert phone_search_digits(typed, region) in stored[1:]
    national = phonenumbers.format_number(phonenumbers.parse(stored), phonenumbers.PhoneNumberFormat.NATIONAL)
    assert phone_search_digits(national, region) in stored[1:]


@pytest.mark.parametrize("typed", ["12", "not a phone", "+1 555 0100", ""])
def test_invalid_phones_are_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone(typed, "US", field="telecom.0.value")
    assert caught.value.field == "telecom.0.value"


def test_a_phone_fragment_searches_by_its_digits() -> None:
    assert phone_search_digits("492-35", "US") == "49235"
    assert phone_search_digits("07700 900", "GB") == "7700900"


def test_emails_are_normalised_and_checked() -> None:
    assert normalize_email("  Ada@Example.COM ") == "Ada@example.com"
    with pytest.raises(InvalidEmail):
        normalize_email("ada@", field="email")


@given(st.text(min_size=1, max_size=30))
def test_folding_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(
    st.lists(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12), min_size=1, max_size=3),
    st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12),
    st.data(),
)
def test_every_prefix_of_a_name_part_matches_it_in_any_case_or_accent(
    given_names: list[str], family: str, data: st.DataObject
) -> None:
    name = HumanName(given=tuple(given_names), family=family)
    name_tokens = name.search_tokens()
    assume(name_tokens)
    target = data.draw(st.sampled_from(name_tokens))
    prefix = target[: data.draw(st.integers(1, len(target)))]
    typed = data.draw(st.sampled_from([prefix, prefix.upper(), prefix.title()]))
    assert all(any(t.startswith(q) for t in name_tokens) for q in tokens(typed))


def test_accents_and_case_do_not_matter() -> None:
    name = HumanName(given=("José",), family="Ávila-García")
    assert name.search_tokens() == ["jose", "avila", "garcia"]
    assert tokens("AVILA garc") == ["avila", "garc"]


@given(st.integers(1, 1000), st.integers(1, MAX_PAGE_SIZE), st.integers(0, 100_000))
def test_pagination_arithmetic(page: int, page_size: int, total: int) -> None:
    request = PageRequest(page, page_size)
    shown = max(0, min(page_size, total - request.offset))
    result: Page[int] = Page(list(range(shown)), total, page, page_size)
    assert request.offset == (page - 1) * page_size
    assert result.has_previous == (page > 1)
    assert result.has_next == (request.offset + shown < total)
    pages = -(-total // page_size)
    assert result.has_next == (page < pages)


@pytest.mark.parametrize(("page", "page_size", "field"), [(0, 20, "page"), (1, 0, "page_size"), (1, 101, "page_size")])
def test_out_of_range_pages_are_refused(page: int, page_size: int, field: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        PageRequest(page, page_size)
    assert caught.value.field == field
