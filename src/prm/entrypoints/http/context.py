"""The HTTP entrypoint's ``RequestContext``: who calls, for which tenant.

Until identity lands this is the configured default tenant and an anonymous principal; adding
JWT authentication changes only this provider (read the verified claims from the request).
"""

from dishka import Provider, Scope, provide
from litestar import Request

from prm.application.shared.context import ANONYMOUS, RequestContext
from prm.domain.shared.ids import TenantId
from prm.settings import Settings


class HttpContextProvider(Provider):
    @provide(scope=Scope.REQUEST)
    def context(self, request: Request, settings: Settings) -> RequestContext:  # type: ignore[type-arg]
        return RequestContext(
            tenant_id=TenantId(settings.default_tenant_id),
            principal=ANONYMOUS,
            phone_region=settings.default_phone_region.upper(),
            request_id=request.scope.get("state", {}).get("request_id"),
        )
