"""One user of the tenant (``GET /admin/users/{id}``)."""

from prm.application.identity.ports import UserRepository
from prm.domain.identity.errors import UserNotFound
from prm.domain.identity.model import User, UserId


class GetUser:
    """Raises ``UserNotFound`` (404), also for another tenant's user."""

    def __init__(self, users: UserRepository) -> None:
        self._users = users

    async def __call__(self, user_id: UserId) -> User:
        user = await self._users.get(user_id)
        if user is None:
            raise UserNotFound(f"user {user_id} not found")
        return user
