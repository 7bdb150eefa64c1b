"""``GET /api/v1/prm/search``: one search across patients, practitioners, appointments, tickets
and communications, grouped by kind (issue 13, after MediKeep's ``/search``). Any logged-in user
may search; each group is there only when the user may read its kind (``patients:read`` ...)."""

from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import get
from litestar.params import FromQuery, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.application.search.ports import DEFAULT_PER_KIND, MAX_PER_KIND, MAX_QUERY_LENGTH, SearchKind
from prm.application.search.search_everything import SearchEverything, SearchQuery
from prm.entrypoints.http.problems import problem_responses
from prm.entrypoints.http.search_schemas import SearchResponse, search_response

Q = Annotated[
    str,
    QueryParameter(
        min_length=1,
        max_length=MAX_QUERY_LENGTH,
        description="What to look for (at least 2 characters): a name, phone, email, MRN, words of a message, or an id",
    ),
]
Kinds = Annotated[
    list[SearchKind] | None, QueryParameter(description="Kinds to look through (repeat it); default: all")
]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PER_KIND, description=f"Hits per kind (max {MAX_PER_KIND})")]


@get(
    "/search",
    opt={"authenticated": "user"},
    tags=["search"],
    responses=problem_responses(403, 422),
    summary="Search patients, practitioners, appointments, tickets and communications",
)
@inject
async def search(
    q: FromQuery[Q],
    search_everything: FromDishka[SearchEverything],
    kinds: FromQuery[Kinds] = None,
    limit: FromQuery[Limit] = DEFAULT_PER_KIND,
) -> SearchResponse:
    """Patients by name, phone, email or MRN; practitioners by name; the upcoming appointments of
    the matching patients and practitioners; tickets by title and the newest of the matching
    patients; messages holding every word; any of them by id. Groups the caller may not read are
    left out. Audited as a read of what was found (a PHI read when patients are found)."""
    groups = await search_everything(SearchQuery(text=q, kinds=tuple(kinds or ()), limit=limit))
    return search_response(q.strip(), list(groups))


ROUTES: list[ControllerRouterHandler] = [search]
"""This module's controllers and handlers, registered by app.py."""
