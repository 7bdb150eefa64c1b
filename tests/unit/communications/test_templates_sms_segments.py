"""SMS encoding and segment counting (3GPP TS 23.038 / 23.040): known examples, the boundaries,
and properties over arbitrary text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.communications.sms_segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsEncoding,
    count_segments,
    is_gsm7,
)

GSM = GSM7_BASIC.replace("\x1b", "")
gsm_text = st.text(alphabet=GSM + GSM7_EXTENSION, max_size=1000)
any_text = st.text(max_size=600)


def test_the_default_alphabet_has_128_codes_and_the_extension_ten_characters() -> None:
    assert len(GSM7_BASIC) == len(set(GSM7_BASIC)) == 128
    assert set(GSM7_EXTENSION) == set("\x0c^{}\\[~]|€")


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "units"),
    [
        ("", SmsEncoding.GSM_7, 0, 0),
        ("a" * 160, SmsEncoding.GSM_7, 1, 160),
        ("a" * 161, SmsEncoding.GSM_7, 2, 161),
        ("a" * 306, SmsEncoding.GSM_7, 2, 306),
        ("a" * 307, SmsEncoding.GSM_7, 3, 307),
        ("€" * 80, SmsEncoding.GSM_7, 1, 160),  # extension characters count twice
        ("a" * 159 + "€", SmsEncoding.GSM_7, 2, 161),
        ("a" * 152 + "€" + "a" * 152, SmsEncoding.GSM_7, 3, 306),  # the escape pair is never split
        ("Café à Zürich, 10:30 £5", SmsEncoding.GSM_7, 1, 23),
        ("Hi 😀", SmsEncoding.UCS_2, 1, 5),  # one emoji: UCS-2, two UTF-16 units
        ("a" * 70, SmsEncoding.GSM_7, 1, 70),
        ("ç" * 70, SmsEncoding.UCS_2, 1, 70),  # ç is not GSM-7 (only Ç is)
        ("ç" * 71, SmsEncoding.UCS_2, 2, 71),
        ("ç" * 134, SmsEncoding.UCS_2, 2, 134),
        ("ç" * 135, SmsEncoding.UCS_2, 3, 135),
        ("ç" * 66 + "😀" + "ç" * 66, SmsEncoding.UCS_2, 3, 134),  # a surrogate pair is never split
        ("Привет", SmsEncoding.UCS_2, 1, 6),
        ("a" * 1000 + "😀", SmsEncoding.UCS_2, 15, 1002),
    ],
)
def test_known_examples(text: str, encoding: SmsEncoding, segments: int, units: int) -> None:
    counted = count_segments(text)
    assert (counted.encoding, counted.segments, counted.units, counted.characters) == (
        encoding,
        segments,
        units,
        len(text),
    )


def test_the_escape_character_itself_is_not_gsm_text() -> None:
    assert not is_gsm7("\x1b")
    assert count_segments("\x1b").encoding is SmsEncoding.UCS_2


@given(gsm_text)
def test_gsm_text_is_gsm7_and_extension_characters_count_twice(text: str) -> None:
    counted = count_segments(text)
    assert counted.encoding is SmsEncoding.GSM_7
    assert counted.units == len(text) + sum(c in GSM7_EXTENSION for c in text)


@given(any_text)
def test_segments_hold_the_units(text: str) -> None:
    counted = count_segments(text)
    single, part = (160, 153) if counted.encoding is SmsEncoding.GSM_7 else (70, 67)
    if counted.units == 0:
        assert counted.segments == 0
    elif counted.units <= single:
        assert counted.segments == 1
    else:
        # at least enough parts for the units; at most one more per part for a pair kept whole
        assert -(-counted.units // part) <= counted.segments <= -(-counted.units // (part - 1))


@given(any_text, any_text)
def test_more_text_never_takes_fewer_segments(text: str, more: str) -> None:
    assert count_segments(text + more).segments >= count_segments(text).segments


@given(gsm_text, st.characters(codec="utf-8", blacklist_characters=GSM + GSM7_EXTENSION))
def test_one_character_outside_the_alphabet_makes_it_ucs2(text: str, other: str) -> None:
    counted = count_segments(text + other)
    assert counted.encoding is SmsEncoding.UCS_2
    assert counted.units == len((text + other).encode("utf-16-le")) // 2
