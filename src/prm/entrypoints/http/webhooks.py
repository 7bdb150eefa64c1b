"""The outbound webhooks API under ``/api/v1/prm/webhooks``: subscriptions, pings and the delivery log.

Deliveries follow the Standard Webhooks specification (https://www.standardwebhooks.com): each
message is POSTed as JSON with ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``
(``v1`` HMAC-SHA256 with the subscription's ``whsec_`` secret), retried with backoff for about
a day on anything but a 2xx.
"""

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from prm.application.shared.paging import PageRequest
from prm.application.webhooks.create_subscription import CreateSubscription, CreateSubscriptionCommand
from prm.application.webhooks.delete_subscription import DeleteSubscription
from prm.application.webhooks.get_delivery import GetDelivery
from prm.application.webhooks.get_subscription import GetSubscription
from prm.application.webhooks.list_deliveries import ListDeliveries, ListDeliveriesQuery
from prm.application.webhooks.list_subscriptions import ListSubscriptions
from prm.application.webhooks.ping_subscription import PingSubscription
from prm.application.webhooks.retry_delivery import RetryDelivery
from prm.application.webhooks.rotate_secret import RotateSecret
from prm.application.webhooks.update_subscription import UpdateSubscription, UpdateSubscriptionCommand
from prm.domain.webhooks.delivery import DeliveryId
from prm.domain.webhooks.model import Subscription, SubscriptionId
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses
from prm.entrypoints.http.webhooks_schemas import (
    CreatedSubscriptionResponse,
    CreateSubscriptionRequest,
    DeliveryDetailResponse,
    DeliveryResponse,
    RotatedSecretResponse,
    SubscriptionResponse,
    UpdateSubscriptionRequest,
    attempt_response,
    delivery_fields,
    delivery_response,
    subscription_fields,
    subscription_response,
    to_changes,
)

READ = {"permission": "webhooks:read"}
WRITE = {"permission": "webhooks:write"}


def _with_etag(subscription: Subscription) -> Response[SubscriptionResponse]:
    return Response(subscription_response(subscription), headers={"ETag": etag(subscription.version)})


class WebhookSubscriptionController(Controller):
    path = "/webhooks/subscriptions"
    tags = ("webhooks",)

    @post(opt=WRITE, responses=problem_responses(403, 422), summary="Create a webhook subscription")
    @inject
    async def create_webhook_subscription(
        self, data: JSONBody[CreateSubscriptionRequest], create: FromDishka[CreateSubscription]
    ) -> Response[CreatedSubscriptionResponse]:
        """Subscribe ``url`` to the tenant's events matching ``event_types``. The answer carries the
        signing ``secret`` (``whsec_…``), shown this once only. A URL that is not allowed is 422
        naming ``url``."""
        subscription = await create(
            CreateSubscriptionCommand(
                url=data.url, event_types=data.event_types, description=data.description, is_active=data.is_active
            )
        )
        body = CreatedSubscriptionResponse(**subscription_fields(subscription), secret=subscription.secret)
        return Response(body, status_code=201, headers={"ETag": etag(subscription.version)})

    @get(opt=READ, responses=problem_responses(403, 422), summary="List webhook subscriptions")
    @inject
    async def list_webhook_subscriptions(
        self,
        list_subscriptions: FromDishka[ListSubscriptions],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[SubscriptionResponse]:
        """The tenant's subscriptions, newest first (never their secrets)."""
        result = await list_subscriptions(PageRequest(page, page_size))
        return page_response(result.map(subscription_response))

    @get("/{subscription_id:uuid}", opt=READ, responses=problem_responses(404), summary="Get a webhook subscription")
    @inject
    async def get_webhook_subscription(
        self, subscription_id: FromPath[UUID], get_subscription: FromDishka[GetSubscription]
    ) -> Response[SubscriptionResponse]:
        return _with_etag(await get_subscription(SubscriptionId(subscription_id)))

    @patch(
        "/{subscription_id:uuid}",
        opt=WRITE,
        responses=problem_responses(403, 404, 409, 422),
        summary="Update a webhook subscription",
    )
    @inject
    async def update_webhook_subscription(
        self,
        subscription_id: FromPath[UUID],
        data: JSONBody[UpdateSubscriptionRequest],
        update: FromDishka[UpdateSubscription],
        if_match: IfMatch = None,
    ) -> Response[SubscriptionResponse]:
        """Change the fields present. ``is_active: true`` re-enables a subscription PRM disabled after
        failed deliveries. ``If-Match: W/"<version>"`` makes the change conditional (409 when stale)."""
        subscription = await update(
            UpdateSubscriptionCommand(
                subscription_id=SubscriptionId(subscription_id),
                changes=to_changes(data),
                expected_version=version_from_if_match(if_match),
            )
        )
        return _with_etag(subscription)

    @delete(
        "/{subscription_id:uuid}",
        opt=WRITE,
        status_code=204,
        responses=problem_responses(403, 404),
        summary="Delete a webhook subscription",
    )
    @inject
    async def delete_webhook_subscription(
        self, subscription_id: FromPath[UUID], remove: FromDishka[DeleteSubscription]
    ) -> None:
        """Delete the subscription and its delivery log (``is_active: false`` keeps them)."""
        await remove(SubscriptionId(subscription_id))

    @post(
        "/{subscription_id:uuid}/rotate-secret",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404),
        summary="Rotate a webhook subscription's secret",
    )
    @inject
    async def rotate_webhook_secret(
        self, subscription_id: FromPath[UUID], rotate: FromDishka[RotateSecret]
    ) -> RotatedSecretResponse:
        """A new signing secret, shown this once; messages carry a signature with the previous one
        too until ``previous_secret_expires_at`` (24 hours)."""
        subscription = await rotate(SubscriptionId(subscription_id))
        return RotatedSecretResponse(
            id=subscription.id,
            secret=subscription.secret,
            previous_secret_expires_at=subscription.previous_secret_expires_at,
        )

    @post(
        "/{subscription_id:uuid}/ping",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404),
        summary="Send a test delivery",
    )
    @inject
    async def ping_webhook_subscription(
        self, subscription_id: FromPath[UUID], ping: FromDishka[PingSubscription]
    ) -> DeliveryResponse:
        """POST a signed ``webhook.ping`` message now and answer its delivery: ``status_code``,
        ``duration_ms`` and ``error`` of the one attempt (no retries). A failed ping is still a 200."""
        return delivery_response(await ping(SubscriptionId(subscription_id)))

    @get(
        "/{subscription_id:uuid}/deliveries",
        opt=READ,
        responses=problem_responses(403, 404, 422),
        summary="List a subscription's deliveries",
    )
    @inject
    async def list_webhook_deliveries(
        self,
        subscription_id: FromPath[UUID],
        list_deliveries: FromDishka[ListDeliveries],
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[DeliveryResponse]:
        """The delivery log, newest first: each delivery with its last attempt and, while pending,
        when the next one is due."""
        result = await list_deliveries(
            ListDeliveriesQuery(subscription_id=SubscriptionId(subscription_id), page=PageRequest(page, page_size))
        )
        return page_response(result.map(delivery_response))


class WebhookDeliveryController(Controller):
    path = "/webhooks/deliveries"
    tags = ("webhooks",)

    @get("/{delivery_id:uuid}", opt=READ, responses=problem_responses(403, 404), summary="Get a webhook delivery")
    @inject
    async def get_webhook_delivery(
        self, delivery_id: FromPath[UUID], get_delivery: FromDishka[GetDelivery]
    ) -> DeliveryDetailResponse:
        """The delivery with every attempt made, first first."""
        found = await get_delivery(DeliveryId(delivery_id))
        return DeliveryDetailResponse(
            **delivery_fields(found.delivery), attempts=[attempt_response(a) for a in found.attempts]
        )

    @post(
        "/{delivery_id:uuid}/retry",
        opt=WRITE,
        status_code=202,
        responses=problem_responses(403, 404, 409),
        summary="Retry a webhook delivery",
    )
    @inject
    async def retry_webhook_delivery(
        self, delivery_id: FromPath[UUID], retry: FromDishka[RetryDelivery]
    ) -> DeliveryResponse:
        """Schedule an attempt now (202: it runs in the background). A delivery still waiting has its
        next attempt brought forward; a finished one gets one more attempt. 409 when the
        subscription is inactive."""
        return delivery_response(await retry(DeliveryId(delivery_id)))
