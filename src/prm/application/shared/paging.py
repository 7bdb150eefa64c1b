"""Pagination as in the reference API: 1-based ``page``, ``page_size`` up to 100, and the envelope
``items, total, page, page_size, has_next, has_previous``."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from prm.domain.shared.errors import RuleViolated

T = TypeVar("T")
U = TypeVar("U")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_PAGE = 100_000
"""The last page anyone may ask for: bounds the offset (at most 10,000,000 rows skipped), which
would otherwise overflow the databases' 64-bit integers for a page such as 2^63."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page to read: ``page`` 1 to :data:`MAX_PAGE`, ``page_size`` 1 to :data:`MAX_PAGE_SIZE`.
    Raises :class:`RuleViolated` naming ``page``/``page_size`` when out of range."""

    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if not 1 <= self.page <= MAX_PAGE:
            raise RuleViolated(f"page must be between 1 and {MAX_PAGE}", field="page")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise RuleViolated(f"page_size must be between 1 and {MAX_PAGE_SIZE}", field="page_size")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of ``total`` matching items. ``total_exact`` is false when counting stopped at a
    limit (a list with very many matches): ``total`` is then a lower bound, and ``has_next``
    still right."""

    items: Sequence[T]
    total: int
    page: int
    page_size: int
    total_exact: bool = True

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def map(self, convert: Callable[[T], U]) -> "Page[U]":
        return Page([convert(item) for item in self.items], self.total, self.page, self.page_size, self.total_exact)
