"""``GET /surveys/results``: NPS, CSAT and response rate, overall or per group."""

from collections.abc import Sequence
from dataclasses import dataclass

from prm.application.surveys.ports import ResultCounts, ResultFilter, SurveyResults
from prm.domain.shared.errors import RuleViolated
from prm.domain.surveys.metrics import csat, nps, rate

GROUPS = frozenset({"template", "stage", "organization", "practitioner"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultRow:
    """One group's figures (``key``: the group's id, ``None`` for the overall row or an
    invitation without one). ``nps`` in points (-100 to 100), ``csat`` in percent, both ``None``
    without answers to count; ``response_rate`` 0 to 1."""

    key: str | None
    invitations: int
    responses: int
    response_rate: float
    nps: float | None
    csat: float | None
    mean_score: float | None


class GetSurveyResults:
    """Raises ``RuleViolated`` naming ``group_by`` for an unknown grouping."""

    def __init__(self, results: SurveyResults) -> None:
        self._results = results

    async def __call__(self, where: ResultFilter, group_by: str | None = None) -> Sequence[ResultRow]:
        if group_by is not None and group_by not in GROUPS:
            raise RuleViolated(f"group_by is one of {', '.join(sorted(GROUPS))}", field="group_by")
        return [_row(c) for c in await self._results.counts(where, group_by)]


def _row(c: ResultCounts) -> ResultRow:
    return ResultRow(
        key=c.key,
        invitations=c.invitations,
        responses=c.responses,
        response_rate=rate(c.responses, c.invitations),
        nps=nps(c.promoters, c.detractors, c.nps_scored),
        csat=csat(c.satisfied, c.rated),
        mean_score=None if c.mean_score is None else round(c.mean_score, 2),
    )
