"""Precision and recall of duplicate detection on a labelled set built from the Synthea samples.

Every patient of the two shipped Synthea sets (``samples/synthea``, ``tests/data/synthea/...``)
gets a phone and an email, and one perturbed copy, the perturbation chosen in turn: a typo in the
given or family name, day and month swapped, a changed phone, a married surname, accents removed
(the original written with accents), a typo and a new phone at once, a given/family swap, a one-digit
birth date typo; half the copies (not the married ones) have no address. Those copies are the
true duplicates. Every other pair that blocking proposes is a true non-duplicate, together with
hard cases written here: twins (same family, birth date, address and phone, another given name),
a parent and child of one name (Jr.), and namesakes (same name, another person's birth date).
The test prints precision and recall at :data:`DEFAULT_MIN_SCORE` and keeps them at precision ≥
0.95, recall ≥ 0.9.
"""

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from itertools import combinations
from pathlib import Path

from prm.domain.patients.duplicates import DEFAULT_MIN_SCORE, MatchProfile, blocking_keys, compare

ROOT = Path(__file__).resolve().parents[3]
SETS = (ROOT / "samples/synthea/patients.csv", ROOT / "tests/data/synthea/set_B_ablack3_107pt/patients.csv")
SSN = "http://hl7.org/fhir/sid/us-ssn"
ACCENTED = str.maketrans({"e": "é", "a": "á", "o": "ö", "n": "ñ", "i": "í", "u": "ü", "c": "ç"})


@dataclass(frozen=True)
class Person:
    given: tuple[str, ...]
    family: str
    birth_date: date
    gender: str
    phone: str
    email: str
    postal_code: str
    line: str
    ssn: str | None

    def profile(self) -> MatchProfile:
        return MatchProfile.of(
            given=self.given,
            family=self.family,
            birth_date=self.birth_date,
            gender=self.gender,
            phones=[self.phone],
            emails=[self.email],
            addresses=[(self.postal_code, [self.line])] if self.line else [],
            identifiers=[(SSN, self.ssn)] if self.ssn else [],
        )


def _people() -> list[Person]:
    people: list[Person] = []
    for path in SETS:
        with path.open(newline="", encoding="utf-8") as file:
            for n, row in enumerate(csv.DictReader(file)):
                given = tuple(row["FIRST"].split())
                people.append(
                    Person(
                        given=given,
                        family=row["LAST"],
                        birth_date=date.fromisoformat(row["BIRTHDATE"]),
                        gender="female" if row["GENDER"] == "F" else "male",
                        phone=f"+1617555{len(people):04d}",
                        email=f"{given[0].lower()}.{row['LAST'].lower()}{n}@example.org",
                        postal_code=row["ZIP"],
                        line=row["ADDRESS"],
                        ssn=row["SSN"] or None,
                    )
                )
    return people


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(text) - 1))
    letter = rng.choice("aeioulnrst")
    operation = rng.choice(("replace", "insert", "delete", "swap"))
    if operation == "replace":
        return text[:i] + letter + text[i + 1 :]
    if operation == "insert":
        return text[:i] + letter + text[i:]
    if operation == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i + 1 :]


def _perturbed(original: Person, kind: str, rng: random.Random, other: Person) -> tuple[Person, Person]:
    """(original as stored, its duplicate): the duplicate typed at another visit, without the SSN."""
    copy = replace(original, ssn=None, email=f"other.{original.email}")  # a second record seldom has both
    if rng.random() < 0.5 and kind != "married_surname":  # typed at the desk: no address
        copy = replace(copy, postal_code="", line="")
    if kind == "name_typo":
        if rng.random() < 0.5:
            return original, replace(copy, family=_typo(original.family, rng))
        return original, replace(copy, given=(_typo(original.given[0], rng), *original.given[1:]))
    if kind == "swapped_day_month":
        day = original.birth_date
        if day.day <= 12 and day.day != day.month:
            return original, replace(copy, birth_date=day.replace(month=day.day, day=day.month))
        return original, replace(copy, birth_date=day.replace(day=day.day - 10 if day.day > 10 else day.day + 10))
    if kind == "changed_phone":
        return original, replace(copy, phone=original.phone[:-4] + "9" + original.phone[-3:])
    if kind == "married_surname":
        return original, replace(copy, family=other.family, email=original.email)
    if kind == "accents_removed":
        accented = replace(original, given=tuple(g.translate(ACCENTED) for g in original.given))
        return accented, copy
    if kind == "typo_and_phone":
        return original, replace(copy, family=_typo(original.family, rng), phone="+16175550999")
    if kind == "given_family_swapped":
        return original, replace(copy, given=(original.family,), family=original.given[0])
    # birth date typo: one digit of the year
    year = original.birth_date.year
    return original, replace(copy, birth_date=original.birth_date.replace(year=year - 1 if year % 10 else year + 1))


KINDS = (
    "name_typo",
    "swapped_day_month",
    "changed_phone",
    "married_surname",
    "accents_removed",
    "typo_and_phone",
    "given_family_swapped",
    "birth_date_typo",
)


def _hard_negatives(people: list[Person]) -> list[tuple[Person, Person]]:
    pairs = []
    for i, person in enumerate(people[:40]):
        sibling = people[(i + 7) % len(people)]
        twin = replace(person, given=sibling.given, email=f"twin.{person.email}", ssn=None)
        junior = replace(
            person,
            birth_date=person.birth_date.replace(year=person.birth_date.year + 28),
            email=f"jr.{person.email}",
            ssn=None,
        )
        namesake = replace(sibling, given=person.given, family=person.family, ssn=sibling.ssn)
        pairs += [(person, twin), (person, junior), (person, namesake)]
    return pairs


def test_precision_and_recall_at_the_default_threshold() -> None:
    rng = random.Random(13)
    people = _people()
    records: list[Person] = []
    duplicates: set[tuple[int, int]] = set()
    kind_of: dict[tuple[int, int], str] = {}
    for i, person in enumerate(people):
        kind = KINDS[i % len(KINDS)]
        stored, copy = _perturbed(person, kind, rng, people[(i + 1) % len(people)])
        records += [stored, copy]
        duplicates.add((len(records) - 2, len(records) - 1))
        kind_of[(len(records) - 2, len(records) - 1)] = kind
    profiles = [r.profile() for r in records]

    blocks: dict[str, list[int]] = defaultdict(list)
    for n, profile in enumerate(profiles):
        for key in blocking_keys(profile):
            blocks[key].append(n)
    candidates = {pair for members in blocks.values() for pair in combinations(sorted(members), 2)}
    found = {pair for pair in candidates if compare(profiles[pair[0]], profiles[pair[1]]).score >= DEFAULT_MIN_SCORE}

    hard = _hard_negatives(people)
    hard_found = sum(compare(a.profile(), b.profile()).score >= DEFAULT_MIN_SCORE for a, b in hard)

    true_positives = len(found & duplicates)
    false_positives = len(found - duplicates) + hard_found
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / len(duplicates)
    missed = sorted({kind_of[p] for p in duplicates - found})
    blocked_recall = len(candidates & duplicates) / len(duplicates)
    print(  # noqa: T201 - the figures the issue asks to report
        f"\nduplicates: {len(records)} records, {len(duplicates)} true pairs, {len(candidates)} blocked pairs "
        f"(blocking recall {blocked_recall:.3f}), {len(hard)} hard non-duplicates; at min_score "
        f"{DEFAULT_MIN_SCORE}: precision {precision:.3f}, recall {recall:.3f} "
        f"(false positives {false_positives}, of them hard {hard_found}; missed kinds {missed})"
    )
    assert precision >= 0.95
    assert recall >= 0.9
