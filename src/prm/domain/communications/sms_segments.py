"""How an SMS body travels: its encoding and how many segments (billable messages) it takes.

From 3GPP TS 23.038 section 6.2.1 (the GSM 7-bit default alphabet and its extension table) and
3GPP TS 23.040 section 9.2.3.24.1 (concatenated messages, whose user data header takes 6 of the
140 octets of each part):

- a body made only of characters of the default alphabet and of its extension table is sent in
  **GSM-7**: a character of the default alphabet is one septet, a character of the extension table
  (``^ { } \\ [ ~ ] | €`` and form feed) two (the escape ``0x1B`` and the character). One
  segment holds 160 septets; a longer body is split into parts of 153 septets, and an escaped
  pair is never split between two parts;
- any other character (an emoji, ``ç``, Cyrillic, Chinese ...) makes the whole body **UCS-2**
  (UTF-16 on today's networks): counted in UTF-16 code units, a character outside the Basic
  Multilingual Plane (most emoji) being two. One segment holds 70 units; a longer body is split
  into parts of 67 units, and a surrogate pair is never split.

No well-kept library on PyPI does this count (``gsm0338`` is a codec only), so it is written
here from the standard, with property tests.
"""

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The 128 characters of the GSM 7-bit default alphabet, in code order (0x1B is the escape to the
extension table, not a character of the text)."""
GSM7_EXTENSION = "\x0c^{}\\[~]|€"
"""The characters of the default alphabet's extension table: two septets each."""

_BASIC = frozenset(GSM7_BASIC) - {"\x1b"}
_EXTENSION = frozenset(GSM7_EXTENSION)

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class SmsEncoding(StrEnum):
    GSM_7 = "GSM-7"
    UCS_2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class SmsSegments:
    """``characters``: Unicode characters of the body; ``units``: septets (GSM-7) or UTF-16 code
    units (UCS-2), what the segments hold; ``segments``: messages it is sent (and billed) as, 0
    for an empty body."""

    encoding: SmsEncoding
    segments: int
    characters: int
    units: int


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM 7-bit default alphabet or its extension."""
    return all(c in _BASIC or c in _EXTENSION for c in text)


def _pack(sizes: list[int], single: int, part: int) -> int:
    total = sum(sizes)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:  # a character (an escaped pair, a surrogate pair) never straddles two parts
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


def count_segments(text: str) -> SmsSegments:
    """The encoding ``text`` is sent in and the number of segments it takes (see the module)."""
    if is_gsm7(text):
        sizes = [2 if c in _EXTENSION else 1 for c in text]
        return SmsSegments(SmsEncoding.GSM_7, _pack(sizes, GSM7_SINGLE, GSM7_PART), len(text), sum(sizes))
    sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SmsSegments(SmsEncoding.UCS_2, _pack(sizes, UCS2_SINGLE, UCS2_PART), len(text), sum(sizes))
