"""Webhook subscriptions (admin): CRUD, secret rotation, replay, a test ping, the delivery log;
and the pull feed of the same public events (``/feed``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import HttpMethod, Router, delete, get, post, route
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import UNSET

from academy_video.app.webhooks.subscriptions import MAX_FEED_LIMIT, MAX_LOG_LIMIT, WebhookService
from academy_video.bootstrap import Container
from academy_video.domain.webhook_subscription import WebhookSubscription

from ..auth import requires
from ..deps import ERRORS, AppDep, CallerDep
from ..schemas import (
    AttemptOut,
    FeedEvent,
    FeedOut,
    PingOut,
    Problem,
    Queued,
    SecretOut,
    WebhookChange,
    WebhookIn,
    WebhookOut,
)

ADMIN = requires("admin")  # the academy's integrations are its admins' to set up
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_FEED_LIMIT)]
After = Annotated[int, QueryParameter(ge=0, le=2**63 - 1)]
WebhookId = Annotated[UUID, PathParameter()]
Since = Annotated[datetime, QueryParameter()]
Until = Annotated[datetime | None, QueryParameter()]


CHANGE_LIMITS = {
    429: ResponseSpec(
        Problem,
        description="`rate_limited`: too many creates and deletes of this tenant's "
        "subscriptions this hour or day; `Retry-After` says in how many seconds to retry",
    )
}


@post("/webhooks", sync_to_thread=True, responses={**ERRORS, **CHANGE_LIMITS})
def create_webhook(caller: CallerDep, app: AppDep, data: JSONBody[WebhookIn]) -> WebhookOut:
    """201 with the signing secret, shown this once. Creates and deletes are rate-limited per
    tenant (docs/webhooks.md)."""
    created = _service(app).create(
        tenant=caller.tenant,
        url=data.url,
        event_types=list(data.event_types),
        description=data.description,
        enabled=data.enabled,
    )
    return _out(created.subscription, secret=created.secret)


@get("/webhooks", sync_to_thread=True, responses=ERRORS)
def list_webhooks(caller: CallerDep, app: AppDep) -> list[WebhookOut]:
    return [_out(s) for s in _service(app).of_tenant(caller.tenant)]


@get("/webhooks/{webhook_id:uuid}", sync_to_thread=True, responses=ERRORS)
def webhook_detail(caller: CallerDep, app: AppDep, webhook_id: WebhookId) -> WebhookOut:
    return _out(_service(app).get(caller.tenant, webhook_id))


@route(
    "/webhooks/{webhook_id:uuid}",
    http_method=[HttpMethod.PATCH],
    sync_to_thread=True,
    responses=ERRORS,
)
def change_webhook(
    caller: CallerDep, app: AppDep, webhook_id: WebhookId, data: JSONBody[WebhookChange]
) -> WebhookOut:
    changed = _service(app).change(
        caller.tenant,
        webhook_id,
        url=None if data.url is UNSET else data.url,
        event_types=None if data.event_types is UNSET else list(data.event_types),
        description=None if data.description is UNSET else data.description,
        enabled=None if data.enabled is UNSET else data.enabled,
    )
    return _out(changed)


@delete("/webhooks/{webhook_id:uuid}", sync_to_thread=True, responses={**ERRORS, **CHANGE_LIMITS})
def delete_webhook(caller: CallerDep, app: AppDep, webhook_id: WebhookId) -> None:
    _service(app).delete(caller.tenant, webhook_id)


@post("/webhooks/{webhook_id:uuid}/rotate-secret", sync_to_thread=True, responses=ERRORS)
def rotate_secret(caller: CallerDep, app: AppDep, webhook_id: WebhookId) -> SecretOut:
    """The new secret, shown this once; the old one keeps verifying until ``previous_valid_until``
    (deliveries meanwhile carry a signature by each)."""
    secret, until = _service(app).rotate_secret(caller.tenant, webhook_id)
    return SecretOut(secret=secret, previous_valid_until=until)


@post("/webhooks/{webhook_id:uuid}/replay", sync_to_thread=True, responses=ERRORS, status_code=202)
def replay(
    caller: CallerDep,
    app: AppDep,
    webhook_id: WebhookId,
    since: Since,
    until: Until = None,
) -> Queued:
    """Send again what the subscription's types saw from ``since`` (to ``until``, or now)."""
    queued = _service(app).replay(caller.tenant, webhook_id, since=since, until=until)
    return Queued(queued=queued)


PING_REFUSALS = {
    409: ResponseSpec(
        Problem,
        description="`subscription_disabled`: a disabled subscription is sent nothing, pings "
        "included (enable it first)",
    ),
    429: ResponseSpec(
        Problem,
        description="`rate_limited`: too many pings to this subscription this minute, or from "
        "this tenant this minute or day; `Retry-After` says in how many seconds to retry",
    ),
}


@post(
    "/webhooks/{webhook_id:uuid}/test",
    sync_to_thread=True,
    responses={**ERRORS, **PING_REFUSALS},
    status_code=202,
)
def ping(caller: CallerDep, app: AppDep, webhook_id: WebhookId) -> PingOut:
    """Queue a ``webhook.ping`` to this subscription (409 when it is disabled); its delivery
    shows in ``deliveries``. Rate-limited per subscription and per tenant (docs/webhooks.md)."""
    return PingOut(delivery_id=_service(app).ping(caller.tenant, webhook_id))


@get("/webhooks/{webhook_id:uuid}/deliveries", sync_to_thread=True, responses=ERRORS)
def deliveries(
    caller: CallerDep,
    app: AppDep,
    webhook_id: WebhookId,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LOG_LIMIT)] = 50,
) -> list[AttemptOut]:
    """The most recent attempts first, each with its status, duration and the answer's start."""
    return [
        AttemptOut(
            delivery_id=a.delivery_id,
            message_id=a.message_id,
            type=a.type,
            at=a.at,
            status_code=a.status,
            duration_ms=a.duration_ms,
            response=a.response,
            error=a.error,
            outcome=a.outcome,
        )
        for a in _service(app).attempts(caller.tenant, webhook_id, limit=limit)
    ]


@get("/feed", sync_to_thread=True, responses=ERRORS)
def feed(caller: CallerDep, app: AppDep, after: After = 0, limit: Limit = 100) -> FeedOut:
    """The tenant's public events after position ``after``, oldest first (the webhooks' events,
    for a consumer that prefers to pull)."""
    messages = _service(app).feed(caller.tenant, after=after, limit=limit)
    events = [
        FeedEvent(
            position=m.position,
            id=m.message_id,
            type=m.type,
            timestamp=m.occurred_at,
            tenant=m.tenant,
            subject=m.subject,
            data=m.data,
        )
        for m in messages
    ]
    return FeedOut(events=events, next_after=messages[-1].position if messages else after)


def _service(app: Container) -> WebhookService:
    if app.webhook_service is None:
        raise RuntimeError("webhooks need the SQL read models: build the container with build()")
    return app.webhook_service


def _out(subscription: WebhookSubscription, *, secret: str = "") -> WebhookOut:
    return WebhookOut(
        id=str(subscription.id),
        url=subscription.url,
        event_types=list(subscription.event_types),
        description=subscription.description,
        enabled=subscription.enabled,
        disabled_reason=subscription.disabled_reason,
        disabled_at=subscription.disabled_at,
        created_at=subscription.created_at,
        secret_rotated_at=subscription.secret_rotated_at,
        secret=secret or UNSET,
    )


router = Router(
    "/",
    route_handlers=[
        create_webhook,
        list_webhooks,
        webhook_detail,
        change_webhook,
        delete_webhook,
        rotate_secret,
        replay,
        ping,
        deliveries,
        feed,
    ],
    tags=["webhooks"],
    guards=[ADMIN],
)
