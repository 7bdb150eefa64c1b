"""Survey metrics (PX360's NPS and CSAT).

- NPS: the share of promoters (9-10) minus the share of detractors (0-6), in points from -100
  to 100, of the responses with an NPS score;
- CSAT: the share of satisfied answers (4-5) among the rating answers, in percent.
"""


def nps(promoters: int, detractors: int, scored: int) -> float | None:
    """``None`` without any scored response; else rounded to one decimal."""
    if scored <= 0:
        return None
    return round((promoters - detractors) * 100 / scored, 1)


def csat(satisfied: int, rated: int) -> float | None:
    if rated <= 0:
        return None
    return round(satisfied * 100 / rated, 1)


def rate(part: int, whole: int) -> float:
    """``part / whole`` from 0 to 1, four decimals; 0 when ``whole`` is 0."""
    return round(part / whole, 4) if whole > 0 else 0.0
