"""The tenant's users (``GET /admin/users``)."""

from prm.application.identity.ports import UserRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.identity.model import User


class ListUsers:
    """A page of the tenant's users, by email."""

    def __init__(self, users: UserRepository) -> None:
        self._users = users

    async def __call__(self, page: PageRequest) -> Page[User]:
        return await self._users.list(page)
