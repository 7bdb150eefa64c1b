"""The caller's own account (``GET /auth/me``)."""

from uuid import UUID

from prm.application.identity.ports import UserRepository
from prm.application.shared.context import PrincipalKind, RequestContext
from prm.domain.identity.errors import InvalidCredentials
from prm.domain.identity.model import User, UserId


class GetCurrentUser:
    """The user behind the access token, with the permissions the token carries.

    Raises ``InvalidCredentials`` (401) when the caller is not a user (an API key) or the user
    was removed since the token was issued.
    """

    def __init__(self, users: UserRepository, context: RequestContext) -> None:
        self._users = users
        self._context = context

    async def __call__(self) -> User:
        principal = self._context.principal
        if principal.kind is not PrincipalKind.USER or principal.id is None:
            raise InvalidCredentials("only a user has a profile; API keys do not")
        user = await self._users.get(UserId(UUID(principal.id)))
        if user is None or not user.is_active:
            raise InvalidCredentials("the account is no longer active")
        return user
