"""The HTTP entrypoint's ``RequestContext``: who calls, for which tenant.

The application's guard (``security.require_permission``) verifies the credentials and leaves
the caller in the request scope; this provider turns it into the context. Public routes (login,
refresh) get an anonymous principal and no tenant (the nil UUID: no tenant's rows are visible).
"""

from uuid import UUID

from dishka import Provider, Scope, provide
from litestar import Request

from prm.application.shared.context import ANONYMOUS, RequestContext
from prm.domain.shared.ids import TenantId
from prm.entrypoints.http.security import CALLER_KEY, Caller
from prm.settings import Settings

NO_TENANT = TenantId(UUID(int=0))


class HttpContextProvider(Provider):
    @provide(scope=Scope.REQUEST)
    def context(self, request: Request, settings: Settings) -> RequestContext:  # type: ignore[type-arg]
        state = request.scope.get("state", {})
        caller: Caller | None = state.get(CALLER_KEY)
        client = request.scope.get("client")
        client_ip = client[0] if client else None
        if caller is None:
            return RequestContext(
                tenant_id=NO_TENANT,
                principal=ANONYMOUS,
                phone_region=settings.default_phone_region.upper(),
                request_id=state.get("request_id"),
                client_ip=client_ip,
            )
        return RequestContext(
            tenant_id=caller.tenant_id,
            principal=caller.principal,
            phone_region=caller.phone_region,
            request_id=state.get("request_id"),
            client_ip=client_ip,
        )
