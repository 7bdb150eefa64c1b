"""The edge's text policy (``entrypoints/http/input_policy.py``), without a server."""

import string

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.exceptions import ValidationException

from prm.entrypoints.http.input_policy import (
    MAX_JSON_DEPTH,
    RejectedInput,
    check_body_types,
    check_json_body,
    check_parameter,
    check_query,
    printable,
)

CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f"]
TEXT_CONTROLS = [c for c in CONTROLS if c not in "\t\n\r\x7f"]
clean_text = st.text(st.characters(blacklist_categories=["Cc", "Cs"]))


@given(clean_text)
def test_text_without_controls_passes_everywhere(text: str) -> None:
    check_parameter("query", "q", text)
    check_json_body(msgspec.json.encode({"name": text, "list": [text], "nested": {text: text}}))


@pytest.mark.parametrize("char", CONTROLS)
def test_a_parameter_holding_any_control_character_is_a_422_naming_it(char: str) -> None:
    with pytest.raises(RejectedInput) as refused:
        check_parameter("query", "search", f"ab{char}c")
    assert (refused.value.status, refused.value.loc) == (422, ["query", "search"])
    assert f"U+{ord(char):04X}" in refused.value.detail


@pytest.mark.parametrize("char", TEXT_CONTROLS)
def test_body_text_holding_a_control_character_is_a_422_naming_the_field(char: str) -> None:
    body = msgspec.json.encode({"name": {"given": ["Ann", f"Bo{char}b"]}})
    with pytest.raises(RejectedInput) as refused:
        check_json_body(body)
    assert refused.value.loc == ["body", "name", "given", 1]


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_free_text_may_hold_tabs_and_new_lines(char: str) -> None:
    check_json_body(msgspec.json.encode({"notes": f"line one{char}line two"}))


def test_a_key_holding_a_control_character_is_refused_and_quoted_escaped() -> None:
    with pytest.raises(RejectedInput) as refused:
        check_json_body(msgspec.json.encode({"meta_data": {"a\x00b": 1}}))
    assert refused.value.loc == ["body", "meta_data", "a\\u0000b"]
    assert "\x00" not in refused.value.detail


def test_the_query_string_is_checked_after_percent_decoding() -> None:
    with pytest.raises(RejectedInput) as refused:
        check_query(b"page=1&search=al%00ice")
    assert refused.value.loc == ["query", "search"]
    check_query(b"search=al%20ice&page=2")


def test_an_escaped_query_that_is_not_utf8_is_a_400() -> None:
    with pytest.raises(RejectedInput) as refused:
        check_query(b"search=%ff%fe")
    assert refused.value.status == 400


def test_a_body_that_is_not_utf8_is_a_400() -> None:
    with pytest.raises(RejectedInput) as refused:
        check_json_body(b'{"name": "\xff"}')
    assert (refused.value.status, refused.value.code) == (400, "http.invalid_encoding")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 10_000])
def test_a_body_nested_too_deeply_is_a_400(depth: int) -> None:
    with pytest.raises(RejectedInput) as refused:
        check_json_body(b"[" * depth + b"]" * depth)
    assert (refused.value.status, refused.value.code) == (400, "http.json_too_deep")


def test_nesting_up_to_the_limit_passes() -> None:
    check_json_body(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)


def test_malformed_json_is_left_to_the_decoder() -> None:
    check_json_body(b'{"name": ')


class Body(msgspec.Struct, forbid_unknown_fields=True):
    count: int
    active: bool = True


@pytest.mark.parametrize(("body", "field"), [(b'{"count": "3"}', "count"), (b'{"count": 3, "active": 0}', "active")])
def test_bodies_are_typed_strictly(body: bytes, field: str) -> None:
    with pytest.raises(ValidationException) as refused:
        check_body_types(msgspec.json.Decoder(Body, strict=True), body)
    extra = refused.value.extra
    assert isinstance(extra, list)
    assert [(e["key"], e["source"]) for e in extra] == [(field, "body")]


def test_an_integer_written_with_a_zero_fraction_is_an_integer() -> None:
    check_body_types(msgspec.json.Decoder(Body, strict=True), b'{"count": 4.0}')


def test_printable_escapes_only_controls() -> None:
    assert printable("a\x00b\x1fc" + string.ascii_letters) == "a\\u0000b\\u001fc" + string.ascii_letters
