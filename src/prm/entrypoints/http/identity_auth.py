"""Authentication under ``/api/v1/prm/auth`` (reference: "Authentication & Session")."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from prm.application.identity.change_password import ChangePassword
from prm.application.identity.current_user import GetCurrentUser
from prm.application.identity.login import Login, LoginCommand
from prm.application.identity.logout import Logout
from prm.application.identity.refresh_session import RefreshSession
from prm.application.identity.sessions import SessionTokens
from prm.application.shared.context import RequestContext
from prm.domain.identity.model import User
from prm.entrypoints.http.problems import problem_responses

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
"""Long passphrases are welcome; a megabyte is not (argon2 would hash it all)."""


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    email: Email
    password: Password
    tenant: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    """The tenant's slug; needed only when the email has accounts in several tenants."""

    def __repr__(self) -> str:  # never show the password
        return f"LoginRequest(email={self.email!r}, tenant={self.tenant!r})"


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    refresh: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]

    def __repr__(self) -> str:
        return "RefreshRequest(refresh=***)"


class ChangePasswordRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    current_password: Password
    new_password: Password

    def __repr__(self) -> str:
        return "ChangePasswordRequest(***)"


class UserProfile(msgspec.Struct, frozen=True):
    id: UUID
    email: str
    full_name: str
    roles: list[str]
    permissions: list[str]
    tenant_id: UUID


class SessionResponse(msgspec.Struct, frozen=True):
    """``access`` is a JWT for ``Authorization: Bearer`` (``expires_in`` seconds); ``refresh`` is
    opaque, single use, valid 14 days: exchange it at ``/auth/refresh``."""

    access: str
    refresh: str
    token_type: str
    expires_in: int
    user: UserProfile


def profile(user: User, permissions: frozenset[str]) -> UserProfile:
    return UserProfile(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        roles=list(user.roles),
        permissions=sorted(permissions),
        tenant_id=user.tenant_id,
    )


def _session(session: SessionTokens) -> SessionResponse:
    expires_in = max(0, int((session.access_expires_at - datetime.now(UTC)).total_seconds()))
    return SessionResponse(
        access=session.access,
        refresh=session.refresh,
        token_type="Bearer",  # noqa: S106 - the OAuth 2 token type, not a secret
        expires_in=expires_in,
        user=profile(session.user, session.permissions),
    )


class AuthController(Controller):
    path = "/auth"
    tags = ("auth",)

    @post("/login", opt={"public": True}, status_code=200, responses=problem_responses(401, 422, 429), summary="Log in")
    @inject
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest], login: FromDishka[Login]
    ) -> SessionResponse:
        """Email and password for an access token, a refresh token and the user's profile. Wrong
        credentials are 401 whether or not the email exists; 10 failures a minute per address or
        account (however the email or tenant is spelt, on whichever server) are 429 with
        ``Retry-After``."""
        client = request.scope.get("client")
        session = await login(
            LoginCommand(
                email=data.email,
                password=data.password,
                tenant=data.tenant,
                client_ip=client[0] if client else None,
            )
        )
        return _session(session)

    @post("/refresh", opt={"public": True}, status_code=200, responses=problem_responses(401), summary="Refresh")
    @inject
    async def refresh(self, data: JSONBody[RefreshRequest], refresh: FromDishka[RefreshSession]) -> SessionResponse:
        """A new access token and a new refresh token; the given refresh token is used up. Presenting
        a used refresh token again revokes the whole session (401)."""
        return _session(await refresh(data.refresh))

    @post("/logout", opt={"authenticated": "user"}, status_code=204, summary="Log out")
    @inject
    async def logout(self, data: JSONBody[RefreshRequest], logout: FromDishka[Logout]) -> None:
        """Revoke the session of this refresh token: its refresh tokens and, at once, its access
        tokens (other sessions of the user go on)."""
        await logout(data.refresh)

    @get("/me", opt={"authenticated": "user"}, responses=problem_responses(401), summary="Current user")
    @inject
    async def me(
        self, get_current_user: FromDishka[GetCurrentUser], context: FromDishka[RequestContext]
    ) -> UserProfile:
        """The caller's profile, with the permissions of its access token."""
        return profile(await get_current_user(), context.principal.permissions)

    @post(
        "/change-password",
        opt={"authenticated": "user"},
        status_code=204,
        responses=problem_responses(401, 422),
        summary="Change password",
    )
    @inject
    async def change_password(
        self, data: JSONBody[ChangePasswordRequest], change_password: FromDishka[ChangePassword]
    ) -> None:
        """At least 12 characters, not the email, not a common password. Closes every session, this
        one included: every access token of the user is refused from now on; log in again."""
        await change_password(data.current_password, data.new_password)
