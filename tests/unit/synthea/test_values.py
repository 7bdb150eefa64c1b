"""One Synthea cell at a time: the country a row names, phones, and identifier systems."""

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.adapters.inbound.synthea.countries import (
    DRIVERS_SYSTEM,
    PASSPORT_SYSTEM,
    SSN_SYSTEM,
    CountryOf,
    identifier_systems,
)
from prm.adapters.inbound.synthea.values import read_phone


@pytest.mark.parametrize(
    ("state", "country", "expected"),
    [
        ("Massachusetts", "", "US"),  # patients.csv writes the state's name
        ("MA", "", "US"),  # providers.csv and organizations.csv its USPS code
        ("district of columbia", "", "US"),
        ("Puerto Rico", "", "US"),
        ("UnitedKingdom", "", "GB"),  # a synthea-international UK export
        ("United Kingdom", "", "GB"),
        ("Scotland", "", "GB"),
        ("Deutschland", "", "DE"),
        ("Bayern", "", None),  # a region of another country is not guessed at
        ("", "", None),
        ("Georgia", "", "US"),  # the state, in a Synthea export
        ("Georgia", "GE", "GE"),  # a COUNTRY column wins
        ("Nebraska", "usa", "US"),
        ("Nebraska", "Narnia", "US"),  # a COUNTRY that names nothing known: the state decides
    ],
)
def test_the_country_of_a_row(state: str, country: str, expected: str | None) -> None:
    assert CountryOf()(state, country) == expected


def test_us_rows_get_the_systems_of_synthea_s_fhir_export() -> None:
    systems = identifier_systems("US")
    assert (systems.ssn, systems.drivers, systems.passport) == (
        (SSN_SYSTEM, "SS"),
        (DRIVERS_SYSTEM, "DL"),
        (PASSPORT_SYSTEM, "PPN"),
    )


def test_other_rows_never_get_the_us_ssn_system() -> None:
    for country in ("GB", "DE", None):
        systems = identifier_systems(country)
        assert SSN_SYSTEM not in {systems.ssn[0], systems.drivers[0], systems.passport[0]}
    assert identifier_systems("GB").ssn != identifier_systems("DE").ssn != identifier_systems(None).ssn


@pytest.mark.parametrize(
    ("raw", "region", "value"),
    [
        ("617-492-3500", "US", "+16174923500"),
        ("+1 617 492 3500", "GB", "+16174923500"),
        ("0161 205 2714", "GB", "+441612052714"),
        ("", "US", None),
    ],
)
def test_a_clean_phone_cell_reads_without_a_note(raw: str, region: str, value: str | None) -> None:
    assert read_phone(raw, region, region_known=True).value == value
    assert read_phone(raw, region, region_known=True).note is None


@given(st.text(max_size=40), st.sampled_from(["US", "GB", "DE"]))
def test_any_phone_cell_gives_a_valid_e164_number_or_none_and_never_raises(raw: str, region: str) -> None:
    reading = read_phone(raw, region, region_known=True)
    if reading.value is not None:
        assert phonenumbers.is_valid_number(phonenumbers.parse(reading.value))
        assert reading.value.startswith("+")
    assert not reading.lossy or reading.note is not None  # whatever is lost is said
    assert reading.value is not None or not raw or reading.note is not None
