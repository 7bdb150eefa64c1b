"""NPS, CSAT and response rate arithmetic (PX360's definitions)."""

from hypothesis import given
from hypothesis import strategies as st

from prm.domain.surveys.metrics import csat, nps, rate

scores = st.lists(st.integers(min_value=0, max_value=10), max_size=200)


def _nps_of(values: list[int]) -> float | None:
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return nps(promoters, detractors, len(values))


@given(scores)
def test_nps_stays_within_minus_100_and_100(values: list[int]) -> None:
    result = _nps_of(values)
    if not values:
        assert result is None
    else:
        assert result is not None
        assert -100 <= result <= 100


@given(scores, st.integers(min_value=9, max_value=10))
def test_one_more_promoter_never_lowers_the_nps(values: list[int], promoter: int) -> None:
    before, after = _nps_of(values), _nps_of([*values, promoter])
    assert after is not None
    assert before is None or after >= before


@given(st.lists(st.integers(min_value=1, max_value=5), max_size=200))
def test_csat_is_the_share_of_4_and_5_in_percent(values: list[int]) -> None:
    result = csat(sum(1 for v in values if v >= 4), len(values))
    if not values:
        assert result is None
    else:
        assert result is not None
        assert 0 <= result <= 100


def test_known_figures() -> None:
    assert _nps_of([10, 9, 8, 7, 6, 0]) == round((2 - 2) * 100 / 6, 1) == 0.0
    assert _nps_of([10, 10, 3]) == 33.3
    assert _nps_of([0]) == -100.0
    assert csat(3, 4) == 75.0
    assert rate(1, 3) == 0.3333
    assert rate(0, 0) == 0.0


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_response_rate_is_within_0_and_1(part: int, extra: int) -> None:
    assert 0 <= rate(part, part + extra) <= 1
