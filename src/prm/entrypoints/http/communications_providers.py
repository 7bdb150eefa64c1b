"""HTTP routes of the communications context's providers part, under ``/api/v1/prm/communications``.

``/communications/providers``: which provider carries each channel's messages for the tenant
(``local``, ``twilio``, ``whatsapp_cloud``, ``smtp``), its settings and its write-only secrets.
A channel without a configuration uses the local sink (``source: "default"``). Administrators
only (``communication_settings:read|write``).
"""

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, put
from litestar.params import FromPath, JSONBody
from litestar.types import ControllerRouterHandler

from prm.application.communications.providers_configure_provider import ConfigureProvider, ConfigureProviderCommand
from prm.application.communications.providers_get_provider import GetProvider, ListProviders
from prm.application.communications.providers_remove_provider import RemoveProvider
from prm.domain.communications.channels import Channel
from prm.entrypoints.http.communications_providers_schemas import (
    ConfigureProviderRequest,
    ProviderListResponse,
    ProviderResponse,
    provider_response,
)
from prm.entrypoints.http.problems import problem_responses

READ = {"permission": "communication_settings:read"}
WRITE = {"permission": "communication_settings:write"}


class CommunicationProvidersController(Controller):
    path = "/communications/providers"
    tags = ("communications",)

    @get(opt=READ, responses=problem_responses(403), summary="List the tenant's message providers")
    @inject
    async def list_communication_providers(self, list_providers: FromDishka[ListProviders]) -> ProviderListResponse:
        """The provider of every channel (``sms``, ``whatsapp``, ``email``), defaults included."""
        return ProviderListResponse(providers=[provider_response(view) for view in await list_providers()])

    @get("/{channel:str}", opt=READ, responses=problem_responses(403), summary="Get a channel's message provider")
    @inject
    async def get_communication_provider(
        self, channel: FromPath[Channel], get_provider: FromDishka[GetProvider]
    ) -> ProviderResponse:
        """The channel's provider; secrets only say whether they are configured."""
        return provider_response(await get_provider(channel))

    @put(
        "/{channel:str}",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 409, 422),
        summary="Configure a channel's message provider",
    )
    @inject
    async def configure_communication_provider(
        self,
        channel: FromPath[Channel],
        data: JSONBody[ConfigureProviderRequest],
        configure: FromDishka[ConfigureProvider],
    ) -> ProviderResponse:
        """Replace the channel's provider with ``kind`` and ``settings``. Secrets given are stored
        (never answered), ``null`` clears one, and those left out keep their value while the kind
        stays the same. A kind the channel cannot use, a missing or malformed setting or secret is
        422 naming it (``settings.account_sid``, ``secrets.auth_token`` ...)."""
        view = await configure(
            ConfigureProviderCommand(
                channel=channel,
                kind=data.kind,
                settings=data.provider_settings(),
                secrets=data.secrets.changes(),
            )
        )
        return provider_response(view)

    @delete(
        "/{channel:str}",
        opt=WRITE,
        status_code=204,
        responses=problem_responses(403, 404),
        summary="Remove a channel's message provider",
    )
    @inject
    async def remove_communication_provider(
        self, channel: FromPath[Channel], remove: FromDishka[RemoveProvider]
    ) -> None:
        """Forget the configuration and its secrets: the channel goes back to the default (the
        local sink). 404 when it already uses it."""
        await remove(channel)


ROUTES: list[ControllerRouterHandler] = [CommunicationProvidersController]
