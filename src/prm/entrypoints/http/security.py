"""Authentication and the one permission guard of the HTTP API.

Every route handler declares, in its decorator, what it needs (``opt``):

- ``opt={"permission": "patients:read"}`` - a user or API key holding that permission;
- ``opt={"authenticated": "user"}`` - any logged-in user (``/auth/me``, ``/auth/logout``, ...);
- ``opt={"public": True}`` - anyone (health, readiness, docs, login, refresh).

:func:`require_permission` is installed once on the application and enforces it: no valid
credential is 401, a credential without the permission 403, and a route that declares nothing
is refused to everyone (fail closed; the permission matrix test fails too). Credentials are an
``Authorization: Bearer <JWT>`` (verified in memory: signature, ``kid``, ``iss``, ``aud``,
``exp``, then the process's revocation list: the user's token generation ``gen`` and the session
``sid``, refreshed from the database at most once per ``PRM_REVOCATION_POLL_SECONDS``) or an
``X-API-Key`` (one indexed look-up). The verified caller is kept in the request scope for
:class:`~prm.entrypoints.http.context.HttpContextProvider`.
"""

from dataclasses import dataclass
from typing import Any

import structlog
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme

from prm.application.identity.ports import AccessTokens, ApiKeyAuthenticator, RevokedTokens
from prm.application.shared.context import Principal, PrincipalKind
from prm.domain.identity.errors import InvalidCredentials
from prm.domain.identity.permissions import PERMISSIONS
from prm.domain.shared.errors import Unauthenticated
from prm.domain.shared.ids import TenantId

log = structlog.get_logger(__name__)

CALLER_KEY = "prm.caller"
BEARER = "BearerToken"
API_KEY = "ApiKey"
API_KEY_HEADER = "X-API-Key"

SECURITY_COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="JWT",
            description="Access token from POST /api/v1/prm/auth/login (15 minutes)",
        ),
        API_KEY: SecurityScheme(
            type="apiKey",
            name=API_KEY_HEADER,
            security_scheme_in="header",
            description="An integration's API key, created by an admin",
        ),
    }
)
SECURITY: list[SecurityRequirement] = [{BEARER: []}, {API_KEY: []}]


@dataclass(frozen=True, slots=True)
class Caller:
    """A verified caller: who, for which tenant, and that tenant's phone region."""

    principal: Principal
    tenant_id: TenantId
    phone_region: str


def requirement(opt: dict[str, Any]) -> str | None:
    """What a handler's ``opt`` asks for: ``"public"``, ``"user"``, a permission, or ``None``
    (nothing or something unknown declared: refused)."""
    if opt.get("public") is True:
        return "public"
    if opt.get("authenticated") == "user":
        return "user"
    permission = opt.get("permission")
    return permission if isinstance(permission, str) and permission in PERMISSIONS else None


class _Verifiers:
    def __init__(self, tokens: AccessTokens, revoked: RevokedTokens, api_keys: ApiKeyAuthenticator) -> None:
        self.tokens = tokens
        self.revoked = revoked
        self.api_keys = api_keys


async def _verifiers(app: Litestar) -> _Verifiers:
    verifiers: _Verifiers | None = app.state.get("prm_verifiers")
    if verifiers is None:
        container = app.state.dishka_container
        verifiers = _Verifiers(
            await container.get(AccessTokens),
            await container.get(RevokedTokens),
            await container.get(ApiKeyAuthenticator),
        )
        app.state.prm_verifiers = verifiers
    return verifiers


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Caller | None:
    """The caller named by the request's credentials; ``None`` without any. Raises
    ``Unauthenticated`` for a credential that does not verify or was revoked (a deactivated
    user, changed roles or password, a logged-out session)."""
    authorization = connection.headers.get("authorization")
    api_key = connection.headers.get(API_KEY_HEADER)
    if authorization is None and api_key is None:
        return None
    verifiers = await _verifiers(connection.app)
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("use Authorization: Bearer <access token>")
        claims = verifiers.tokens.verify(token.strip())
        if await verifiers.revoked.is_revoked(claims):
            raise InvalidCredentials("the access token was revoked: refresh it or log in again")
        principal = Principal(PrincipalKind.USER, id=claims.subject, permissions=claims.permissions)
        return Caller(principal, claims.tenant_id, claims.phone_region)
    assert api_key is not None
    key = await verifiers.api_keys.authenticate(api_key.strip())
    principal = Principal(PrincipalKind.API_KEY, id=str(key.key_id), permissions=key.permissions)
    return Caller(principal, key.tenant_id, key.phone_region)


async def require_permission(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The application's one guard (see the module docstring). Litestar's own ``OPTIONS``
    handlers (CORS preflight, ``Allow``) are public: they reveal nothing but the route's methods."""
    if getattr(handler, "http_methods", None) == {"OPTIONS"} and getattr(handler, "include_in_schema", None) is False:
        return
    needed = requirement(handler.opt)
    if needed == "public":
        return
    if needed is None:
        log.error("route.undeclared_permission", handler=handler.handler_name)
        raise PermissionDeniedException("this route declares no permission and is refused to everyone")
    try:
        caller = await authenticate(connection)
    except Unauthenticated as exc:
        raise NotAuthorizedException(exc.detail, headers={"WWW-Authenticate": "Bearer"}) from exc
    if caller is None:
        raise NotAuthorizedException(
            "authentication required: Authorization: Bearer <token> or X-API-Key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    connection.scope.setdefault("state", {})[CALLER_KEY] = caller
    if needed == "user":
        if caller.principal.kind is not PrincipalKind.USER:
            raise PermissionDeniedException("this route is for users, not API keys")
        return
    if needed not in caller.principal.permissions:
        raise PermissionDeniedException(f"permission {needed} required")


def document_permissions(app: Litestar) -> None:
    """Show each operation's requirement in the OpenAPI schema: a ``Permission:`` line opening its
    description, and its security schemes (none for public operations)."""
    schema = app.openapi_schema
    for route in app.routes:
        path_item = (schema.paths or {}).get(route.path_format)
        if path_item is None:
            continue
        for handler in getattr(route, "route_handlers", ()):
            needed = requirement(handler.opt)
            for method in getattr(handler, "http_methods", ()):
                operation = getattr(path_item, method.lower(), None)
                if operation is None:
                    continue
                label = {"public": "none (public)", "user": "any logged-in user", None: "REFUSED (undeclared)"}.get(
                    needed, f"`{needed}`"
                )
                operation.description = f"**Permission:** {label}\n\n{operation.description or ''}".strip()
                operation.security = [] if needed == "public" else SECURITY
