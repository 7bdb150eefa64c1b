"""Duplicate patients: how alike two records are, field by field, and the keys that block them.

The score follows the Fellegi–Sunter model of record linkage: every field both records have
gives an *agreement weight* (about ``log2(m/u)``: how much likelier the outcome is for two records
of one person than for two people), the weights add up, and the sum becomes a score in 0..1 with
a logistic curve (:func:`score_of`). A field either record lacks weighs nothing.

Fields and outcomes (:class:`MatchKind`):

- ``given`` and ``family`` name: ``exact``; ``folded`` (equal once case and accents are folded,
  see ``prm.domain.shared.text.fold``); ``fuzzy`` (Jaro–Winkler ≥ 0.88 on folded names, with the
  similarity); ``phonetic`` (same Metaphone key); ``transposed`` (given and family swapped);
  ``differs``. Digits are not part of a name (Synthea appends them to its names). A family name
  that differs weighs little against (a married surname), a given name that differs weighs a lot;
- ``birth_date``: ``exact``, ``transposed`` (day and month swapped), ``typo`` (one digit of
  YYYYMMDD differs), ``differs`` (strong evidence against);
- ``gender`` (FHIR AdministrativeGender; ``unknown`` counts as missing): ``exact`` or ``differs``;
- ``phone`` (E.164) and ``email`` (case-folded): ``exact`` when the records share one, else
  ``differs`` (weak: people change numbers);
- ``address``: ``exact`` (postal code and first line agree), ``fuzzy`` (postal code, line
  similar), ``partial`` (postal code only), ``differs``;
- ``identifier`` (other than the MRN, which is unique per tenant anyway): ``exact`` when both
  hold the same system and value (strong evidence), ``differs`` when they hold the same system
  with different values (strong evidence against).

Family members share a phone, an email or an address: when the given names differ those count
half (twins are not one person). ``weigh`` gives the total alone, for a scan that keeps few pairs.

Blocking (:func:`blocking_keys`): two records are compared only when they share a key: birth date
(day and month unordered, so a swapped date shares it), Metaphone of the family name with that
of the first given name, a phone, an email, an identifier value. Merged records have no keys.
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import jellyfish
from rapidfuzz.distance import JaroWinkler

from prm.domain.patients.model import MRN_TYPE, PatientDetails
from prm.domain.shared.text import fold, tokens

DEFAULT_MIN_SCORE = 0.8
"""Pairs scoring at least this are proposed as duplicates (chosen on the labelled Synthea set of
``tests/unit/patients/test_duplicates_labelled.py``: precision and recall both above 0.95)."""

FUZZY_NAME = 0.88
"""The lowest Jaro–Winkler similarity of two folded names counted as a fuzzy match."""

_MIDPOINT = 6.0
_SLOPE = 1.0
"""``score = 1 / (1 + exp(-(weight - _MIDPOINT) / _SLOPE))``: a total weight of 6 scores 0.5,
about 7.4 scores 0.8, 10 scores 0.98."""

_LETTER_RUNS = re.compile(r"[^\W\d_]+")  # runs of letters (Unicode-aware), no digits


class MatchKind(StrEnum):
    """How one field of two records compared."""

    EXACT = "exact"
    FOLDED = "folded"
    FUZZY = "fuzzy"
    PHONETIC = "phonetic"
    TRANSPOSED = "transposed"
    TYPO = "typo"
    PARTIAL = "partial"
    DIFFERS = "differs"


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """One field's outcome: ``similarity`` 0..1 for a fuzzy comparison (else ``None``) and the
    ``weight`` it added to the total (negative: evidence against)."""

    field: str
    kind: MatchKind
    weight: float
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class MatchResult:
    """``score`` 0..1 (see :func:`score_of`) and the reasons, one per field both records have."""

    score: float
    reasons: tuple[FieldMatch, ...]


# Agreement weights (log2 odds, rounded). Given names discriminate more than family names, which
# change at marriage; a birth date is the strongest single field short of an identifier.
_W_GIVEN = {MatchKind.EXACT: 4.0, MatchKind.FOLDED: 4.0, MatchKind.FUZZY: 2.5, MatchKind.PHONETIC: 2.0}
_W_GIVEN_DIFFERS = -6.0
_W_FAMILY = {MatchKind.EXACT: 3.5, MatchKind.FOLDED: 3.5, MatchKind.FUZZY: 2.5, MatchKind.PHONETIC: 2.0}
_W_FAMILY_DIFFERS = -1.5
_W_NAME_TRANSPOSED = 6.0
_W_BIRTH = {MatchKind.EXACT: 5.0, MatchKind.TRANSPOSED: 3.5, MatchKind.TYPO: 2.5, MatchKind.DIFFERS: -6.0}
_W_GENDER = {MatchKind.EXACT: 0.5, MatchKind.DIFFERS: -3.0}
_W_CONTACT = {MatchKind.EXACT: 3.0, MatchKind.DIFFERS: -0.5}
_W_ADDRESS = {MatchKind.EXACT: 2.5, MatchKind.FUZZY: 2.0, MatchKind.PARTIAL: 1.0, MatchKind.DIFFERS: -0.5}
_W_IDENTIFIER = {MatchKind.EXACT: 7.0, MatchKind.DIFFERS: -5.0}


def name_form(text: str) -> str:
    """A name as compared: folded, letters and single spaces only (``"José-María2" → "jose maria"``)."""
    folded = fold(text)
    return folded if folded.isalpha() else " ".join(_LETTER_RUNS.findall(folded))


def phonetic(form: str) -> str:
    """The Metaphone key of a :func:`name_form` (``""`` for none)."""
    return jellyfish.metaphone(form).replace(" ", "") if form else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchProfile:
    """What of a patient the comparison reads, prepared once (see :meth:`of`)."""

    given: str
    """The given names, :func:`name_form`; ``""`` when none."""
    first_given: str
    family: str
    given_raw: str
    family_raw: str
    given_key: str
    family_key: str
    birth_date: date | None
    birth_digits: str
    """The birth date as ``YYYYMMDD``; ``""`` when unknown."""
    gender: str | None
    """AdministrativeGender value, ``None`` for ``unknown``."""
    phones: frozenset[str]
    emails: frozenset[str]
    postal_codes: frozenset[str]
    lines: tuple[str, ...]
    identifiers: frozenset[tuple[str, str]]
    """(system, value) pairs other than the MRN."""

    @classmethod
    def of(
        cls,
        *,
        given: Sequence[str],
        family: str | None,
        birth_date: date | None,
        gender: str,
        phones: Iterable[str] = (),
        emails: Iterable[str] = (),
        addresses: Iterable[tuple[str | None, Sequence[str]]] = (),
        identifiers: Iterable[tuple[str, str]] = (),
    ) -> "MatchProfile":
        """``addresses`` as (postal code, lines) pairs; ``identifiers`` without the MRN."""
        given_raw = " ".join(given)
        given_form = name_form(given_raw)
        family_form = name_form(family) if family else ""
        first_given = given_form.split(" ", 1)[0]
        postal: set[str] = set()
        lines: list[str] = []
        for code, address_lines in addresses:
            if code:
                postal.add(code.replace(" ", "").upper())
            if address_lines:
                lines.append(" ".join(tokens(address_lines[0])))
        return cls(
            given=given_form,
            first_given=first_given,
            family=family_form,
            given_raw=given_raw,
            family_raw=family or "",
            given_key=phonetic(first_given),
            family_key=phonetic(family_form),
            birth_date=birth_date,
            birth_digits=f"{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}" if birth_date else "",
            gender=None if gender == "unknown" else gender,
            phones=frozenset(phones),
            emails=frozenset(fold(e) for e in emails),
            postal_codes=frozenset(postal),
            lines=tuple(lines),
            identifiers=frozenset(identifiers),
        )


def birth_date_key(day: date) -> str:
    """The blocking key of a birth date: year, then month and day in increasing order, so that a
    date and its day/month transposition share it (``1980-05-03`` and ``1980-03-05`` → ``1980-03-05``)."""
    low, high = sorted((day.month, day.day))
    return f"{day.year:04d}-{low:02d}-{high:02d}"


def blocking_keys(profile: MatchProfile) -> set[str]:
    """The keys two records must share one of to be compared (prefixed by kind: ``b:`` birth date,
    ``n:`` family and first given name Metaphones, ``p:`` phone, ``e:`` email, ``i:`` identifier value)."""
    keys: set[str] = set()
    if profile.birth_date is not None:
        keys.add("b:" + birth_date_key(profile.birth_date))
    if profile.family_key:
        keys.add(f"n:{profile.family_key}:{profile.given_key}")
    keys.update("p:" + p for p in profile.phones)
    keys.update("e:" + e for e in profile.emails)
    keys.update("i:" + v for _, v in profile.identifiers)
    return {k[:200] for k in keys}


def _name_kind(raw_a: str, raw_b: str, a: str, b: str, key_a: str, key_b: str) -> tuple[MatchKind, float]:
    if raw_a == raw_b:
        return MatchKind.EXACT, 1.0
    if a == b:
        return MatchKind.FOLDED, 1.0
    similarity = JaroWinkler.similarity(a, b)
    if similarity >= FUZZY_NAME:
        return MatchKind.FUZZY, similarity
    if key_a and key_a == key_b:
        return MatchKind.PHONETIC, similarity
    return MatchKind.DIFFERS, similarity


Outcome = tuple[str, MatchKind, float, float | None]
"""(field, kind, weight, similarity): a :class:`FieldMatch` before it is one (cheaper to make)."""


def _names(a: MatchProfile, b: MatchProfile, out: list[Outcome]) -> None:
    if (
        a.given
        and b.given
        and a.family
        and b.family
        and a.given[0] == b.family[0]
        and a.family[0] == b.given[0]
        and a.given != b.given
    ):
        swapped = min(JaroWinkler.similarity(a.given, b.family), JaroWinkler.similarity(a.family, b.given))
        if swapped >= FUZZY_NAME:
            out.append(("name", MatchKind.TRANSPOSED, _W_NAME_TRANSPOSED, round(swapped, 3)))
            return
    if a.given and b.given:
        kind, similarity = _name_kind(a.given_raw, b.given_raw, a.given, b.given, a.given_key, b.given_key)
        if kind is MatchKind.DIFFERS and a.first_given == b.first_given:  # "Ana" and "Ana Maria"
            kind, similarity = MatchKind.FUZZY, max(similarity, FUZZY_NAME)
        out.append(("given_name", kind, _W_GIVEN.get(kind, _W_GIVEN_DIFFERS), _similarity(kind, similarity)))
    if a.family and b.family:
        kind, similarity = _name_kind(a.family_raw, b.family_raw, a.family, b.family, a.family_key, b.family_key)
        out.append(("family_name", kind, _W_FAMILY.get(kind, _W_FAMILY_DIFFERS), _similarity(kind, similarity)))


def _similarity(kind: MatchKind, similarity: float) -> float | None:
    return None if kind is MatchKind.EXACT or kind is MatchKind.FOLDED else round(similarity, 3)


def _birth_date(a: MatchProfile, b: MatchProfile) -> MatchKind:
    x, y = a.birth_digits, b.birth_digits
    if x == y:
        return MatchKind.EXACT
    if x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]:
        return MatchKind.TRANSPOSED
    if sum(c != d for c, d in zip(x, y, strict=True)) == 1:
        return MatchKind.TYPO
    return MatchKind.DIFFERS


def _address(a: MatchProfile, b: MatchProfile, out: list[Outcome]) -> None:
    if not (a.postal_codes or a.lines) or not (b.postal_codes or b.lines):
        return
    same_code = not a.postal_codes.isdisjoint(b.postal_codes)
    line = max((JaroWinkler.similarity(x, y) for x in a.lines for y in b.lines), default=0.0)
    if line >= 0.97 and (same_code or not (a.postal_codes and b.postal_codes)):
        kind = MatchKind.EXACT
    elif line >= 0.85 and same_code:
        kind = MatchKind.FUZZY
    elif same_code:
        kind = MatchKind.PARTIAL
    else:
        kind = MatchKind.DIFFERS
    out.append(("address", kind, _W_ADDRESS[kind], round(line, 3) if kind is MatchKind.FUZZY else None))


def _identifiers(a: MatchProfile, b: MatchProfile, out: list[Outcome]) -> None:
    if not a.identifiers or not b.identifiers:
        return
    if not a.identifiers.isdisjoint(b.identifiers):
        out.append(("identifier", MatchKind.EXACT, _W_IDENTIFIER[MatchKind.EXACT], None))
        return
    systems_b = {s for s, _ in b.identifiers}
    if any(s in systems_b for s, _ in a.identifiers):
        out.append(("identifier", MatchKind.DIFFERS, _W_IDENTIFIER[MatchKind.DIFFERS], None))


def outcomes(a: MatchProfile, b: MatchProfile) -> list[Outcome]:
    """Each field both records have, compared (see the module docstring); :func:`compare` makes
    them reasons, :func:`weigh` adds them up."""
    out: list[Outcome] = []
    _names(a, b, out)
    if a.birth_digits and b.birth_digits:
        kind = _birth_date(a, b)
        out.append(("birth_date", kind, _W_BIRTH[kind], None))
    if a.gender is not None and b.gender is not None:
        kind = MatchKind.EXACT if a.gender == b.gender else MatchKind.DIFFERS
        out.append(("gender", kind, _W_GENDER[kind], None))
    if a.phones and b.phones:
        kind = MatchKind.DIFFERS if a.phones.isdisjoint(b.phones) else MatchKind.EXACT
        out.append(("phone", kind, _W_CONTACT[kind], None))
    if a.emails and b.emails:
        kind = MatchKind.DIFFERS if a.emails.isdisjoint(b.emails) else MatchKind.EXACT
        out.append(("email", kind, _W_CONTACT[kind], None))
    _address(a, b, out)
    _identifiers(a, b, out)
    if any(o[0] == "given_name" and o[1] is MatchKind.DIFFERS for o in out):
        # A shared phone, email or address counts half for two different given names: family
        # members share them (twins, a parent and child), so they say little about one person.
        out = [(f, k, w / 2, s) if f in _HOUSEHOLD and w > 0 else (f, k, w, s) for f, k, w, s in out]
    return out


_HOUSEHOLD = frozenset({"phone", "address", "email"})


def weigh(a: MatchProfile, b: MatchProfile) -> float:
    """The total agreement weight of ``a`` and ``b`` (``score_of`` makes it the score)."""
    return sum(o[2] for o in outcomes(a, b))


def compare(a: MatchProfile, b: MatchProfile) -> MatchResult:
    """How alike ``a`` and ``b`` are: the score and one reason per field both have (see the
    module docstring). Symmetric: ``compare(a, b)`` and ``compare(b, a)`` score the same."""
    found = outcomes(a, b)
    return MatchResult(score_of(sum(o[2] for o in found)), tuple(FieldMatch(*o) for o in found))


def score_of(weight: float) -> float:
    """A total agreement weight as a score in 0..1 (logistic; rounded to 3 decimals)."""
    return round(1.0 / (1.0 + math.exp(-(weight - _MIDPOINT) / _SLOPE)), 3)


def profile_of(details: PatientDetails) -> MatchProfile:
    """The comparison profile of a patient's details (the MRN left out of the identifiers)."""
    return MatchProfile.of(
        given=details.name.given,
        family=details.name.family,
        birth_date=details.birth_date,
        gender=details.gender.value,
        phones=details.phones,
        emails=details.emails,
        addresses=[(a.postal_code, a.line) for a in details.addresses],
        identifiers=[(i.system, i.value) for i in details.identifiers if i.type != MRN_TYPE],
    )
