"""The duplicate scorer and its blocking keys (``prm.domain.patients.duplicates``)."""

from datetime import date

import pytest

from prm.domain.patients.duplicates import (
    DEFAULT_MIN_SCORE,
    MatchKind,
    MatchProfile,
    birth_date_key,
    blocking_keys,
    compare,
    name_form,
    profile_of,
    score_of,
)
from prm.domain.patients.model import MRN_TYPE, Identifier, PatientDetails
from prm.domain.shared.contact import ContactPoint, ContactPointSystem
from prm.domain.shared.person import AdministrativeGender, HumanName

SSN = "http://hl7.org/fhir/sid/us-ssn"


def person(
    given: str = "Marguerite",
    family: str | None = "Okonkwo",
    born: date | None = date(1984, 3, 7),
    gender: str = "female",
    phones: tuple[str, ...] = ("+16174923500",),
    emails: tuple[str, ...] = (),
    address: tuple[str, str] | None = ("02118", "12 Elm Street"),
    identifiers: tuple[tuple[str, str], ...] = (),
) -> MatchProfile:
    return MatchProfile.of(
        given=given.split(),
        family=family,
        birth_date=born,
        gender=gender,
        phones=phones,
        emails=emails,
        addresses=[(address[0], [address[1]])] if address else [],
        identifiers=identifiers,
    )


def kinds(a: MatchProfile, b: MatchProfile) -> dict[str, MatchKind]:
    return {r.field: r.kind for r in compare(a, b).reasons}


def test_the_same_record_scores_near_one_with_exact_reasons() -> None:
    result = compare(person(), person())
    assert result.score > 0.99
    assert {r.kind for r in result.reasons} == {MatchKind.EXACT}
    assert [r.field for r in result.reasons] == [
        "given_name",
        "family_name",
        "birth_date",
        "gender",
        "phone",
        "address",
    ]


def test_the_score_is_symmetric() -> None:
    a = person()
    b = person(family="Okonkow", born=date(1984, 7, 3), phones=("+16175550142",), address=None)
    assert compare(a, b).score == compare(b, a).score


def test_a_typo_in_the_name_is_fuzzy_with_its_similarity() -> None:
    result = compare(person(), person(family="Okonkow", phones=("+16175550142",)))
    family = next(r for r in result.reasons if r.field == "family_name")
    assert family.kind is MatchKind.FUZZY
    assert family.similarity is not None
    assert 0.88 <= family.similarity < 1
    assert kinds(person(), person(family="Okonkow", phones=("+16175550142",)))["phone"] is MatchKind.DIFFERS
    assert result.score >= DEFAULT_MIN_SCORE


def test_accents_and_case_fold() -> None:
    assert kinds(person(given="Zoë", family="Ågren"), person(given="ZOE", family="agren"))["given_name"] is (
        MatchKind.FOLDED
    )
    assert name_form("José-María2 ") == "jose maria"


def test_a_phonetic_match_is_told_apart_from_a_fuzzy_one() -> None:
    found = kinds(person(given="Catherine"), person(given="Kathryn"))
    assert found["given_name"] in (MatchKind.PHONETIC, MatchKind.FUZZY)


def test_birth_dates_exact_transposed_typo_and_differs() -> None:
    assert kinds(person(), person(born=date(1984, 7, 3)))["birth_date"] is MatchKind.TRANSPOSED
    assert kinds(person(), person(born=date(1985, 3, 7)))["birth_date"] is MatchKind.TYPO
    assert kinds(person(), person(born=date(1962, 11, 20)))["birth_date"] is MatchKind.DIFFERS
    assert "birth_date" not in kinds(person(), person(born=None))


def test_given_and_family_names_swapped() -> None:
    result = compare(person(given="Okonkwo", family="Marguerite"), person())
    assert result.reasons[0].kind is MatchKind.TRANSPOSED
    assert result.score >= DEFAULT_MIN_SCORE


def test_a_married_surname_still_matches_when_the_rest_agrees() -> None:
    result = compare(person(), person(family="Brennan"))
    assert kinds(person(), person(family="Brennan"))["family_name"] is MatchKind.DIFFERS
    assert result.score >= DEFAULT_MIN_SCORE


def test_twins_are_not_one_person() -> None:
    """Same family name, birth date, phone and address; another given name."""
    assert compare(person(), person(given="Josephine")).score < DEFAULT_MIN_SCORE


def test_a_namesake_born_on_another_day_is_not_proposed() -> None:
    other = person(born=date(1951, 9, 22), phones=("+13125550188",), address=("60601", "1 Wacker Drive"))
    assert compare(person(), other).score < 0.2


def test_identifiers_same_value_for_and_other_value_against() -> None:
    ssn = ((SSN, "999-49-3983"),)
    assert kinds(person(identifiers=ssn), person(identifiers=ssn))["identifier"] is MatchKind.EXACT
    other = ((SSN, "999-11-1111"),)
    result = compare(person(identifiers=ssn), person(identifiers=other))
    assert next(r for r in result.reasons if r.field == "identifier").kind is MatchKind.DIFFERS
    assert result.score < compare(person(), person()).score
    assert "identifier" not in kinds(person(identifiers=ssn), person(identifiers=(("urn:other", "1"),)))


def test_gender_unknown_is_missing_not_a_difference() -> None:
    assert "gender" not in kinds(person(), person(gender="unknown"))
    assert kinds(person(), person(gender="male"))["gender"] is MatchKind.DIFFERS


def test_email_is_compared_case_folded() -> None:
    found = kinds(person(emails=("M.Okonkwo@Example.org",)), person(emails=("m.okonkwo@example.org",)))
    assert found["email"] is MatchKind.EXACT


@pytest.mark.parametrize(
    ("day", "key"),
    [(date(1980, 5, 3), "1980-03-05"), (date(1980, 3, 5), "1980-03-05"), (date(1980, 5, 23), "1980-05-23")],
)
def test_a_birth_date_and_its_transposition_share_a_key(day: date, key: str) -> None:
    assert birth_date_key(day) == key


def test_blocking_keys_of_a_profile() -> None:
    keys = blocking_keys(person(emails=("a@example.org",), identifiers=((SSN, "999-49-3983"),)))
    assert keys == {"b:1984-03-07", "n:OKNKW:MRKRT", "p:+16174923500", "e:a@example.org", "i:999-49-3983"}
    assert blocking_keys(person(family=None, born=None, phones=(), address=None)) == set()


def test_the_profile_of_details_leaves_the_mrn_out() -> None:
    details = PatientDetails(
        identifiers=(Identifier("urn:prm:mrn", "MRN-1", MRN_TYPE), Identifier(SSN, "999-49-3983")),
        name=HumanName(given=("Marguerite",), family="Okonkwo"),
        gender=AdministrativeGender.FEMALE,
        telecom=(ContactPoint(ContactPointSystem.EMAIL, "m@example.org"),),
    )
    profile = profile_of(details)
    assert profile.identifiers == frozenset({(SSN, "999-49-3983")})
    assert profile.emails == frozenset({"m@example.org"})


def test_score_of_is_a_logistic_in_zero_one() -> None:
    assert score_of(-50) == 0.0
    assert score_of(50) == 1.0
    assert score_of(6) == 0.5
