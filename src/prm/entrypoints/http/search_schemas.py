"""Wire schemas of the cross-entity search (``GET /search``), grouped by kind."""

from datetime import datetime
from uuid import UUID

import msgspec

from prm.application.search.ports import SearchHit, SearchKind
from prm.application.search.search_everything import SearchGroup


class SearchHitResponse(msgspec.Struct, frozen=True):
    """One thing found: ``id`` (of its kind), what to show (``title``, ``subtitle``), the patient
    it is about and its time (UTC) when it has them."""

    id: UUID
    title: str
    subtitle: str | None
    patient_id: UUID | None
    at: datetime | None


class SearchGroupResponse(msgspec.Struct, frozen=True):
    """The hits of one kind, best first; ``truncated``: there are more than ``limit``."""

    kind: SearchKind
    items: list[SearchHitResponse]
    truncated: bool


class SearchResponse(msgspec.Struct, frozen=True):
    """One group per kind the caller may read (in the order patients, practitioners,
    appointments, tickets, communications); ``total``: hits shown in all groups."""

    query: str
    groups: list[SearchGroupResponse]
    total: int


def _hit(h: SearchHit) -> SearchHitResponse:
    return SearchHitResponse(id=h.id, title=h.title, subtitle=h.subtitle, patient_id=h.patient_id, at=h.at)


def search_response(query: str, groups: list[SearchGroup]) -> SearchResponse:
    return SearchResponse(
        query=query,
        groups=[
            SearchGroupResponse(kind=g.kind, items=[_hit(h) for h in g.hits], truncated=g.truncated) for g in groups
        ],
        total=sum(len(g.hits) for g in groups),
    )
