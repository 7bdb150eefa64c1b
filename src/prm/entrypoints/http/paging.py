"""The reference API's pagination envelope and query parameters."""

from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from prm.application.shared.paging import MAX_PAGE, MAX_PAGE_SIZE, Page

T = TypeVar("T")

PageNumber = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description=f"Page number, 1-based (max {MAX_PAGE})")]
PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (max {MAX_PAGE_SIZE})")]


class PageResponse(msgspec.Struct, Generic[T], frozen=True, omit_defaults=True):
    """``items`` of one page and where it stands: ``total`` matches, ``has_next``, ``has_previous``
    (the reference API's envelope). Only when the list stopped counting at 10,001 matches does it
    add ``total_exact: false``, ``total`` then being a lower bound ("10,001 or more"); otherwise
    the envelope is exactly the reference API's."""

    items: list[T]
    total: int
    page: int
    page_size: int
    has_next: bool
    has_previous: bool
    total_exact: bool = True


def page_response(page: Page[T]) -> PageResponse[T]:
    return PageResponse(
        items=list(page.items),
        total=page.total,
        page=page.page,
        page_size=page.page_size,
        has_next=page.has_next,
        has_previous=page.has_previous,
        total_exact=page.total_exact,
    )
