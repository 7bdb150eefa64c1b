"""The tenant's API keys (``GET /admin/api-keys``), without secrets."""

from collections.abc import Sequence

from prm.application.identity.ports import ApiKeyRepository
from prm.domain.identity.model import ApiKey


class ListApiKeys:
    """Every key of the tenant, revoked ones included, newest first."""

    def __init__(self, keys: ApiKeyRepository) -> None:
        self._keys = keys

    async def __call__(self) -> Sequence[ApiKey]:
        return sorted(await self._keys.list(), key=lambda k: k.created_at, reverse=True)
