"""The webhooks' wiring: the subscriptions' service on the SQL read models, and a delivery
process's ``Deliverer`` (``serve``'s embedded one, or ``academy-video webhooks deliver``)."""

from __future__ import annotations

import os
import socket

from sqlalchemy import Engine

from academy_video.adapters.memory.rate_limit import InMemoryRateLimiter
from academy_video.adapters.sql.webhook_index import SqlWebhookIndex
from academy_video.adapters.sql.webhooks import SqlWebhookQueue, SqlWebhookSecrets
from academy_video.adapters.webhooks.sender import HttpWebhookSender, Timeouts
from academy_video.adapters.webhooks.signing import new_secret, signed_headers
from academy_video.app.config import Settings
from academy_video.app.ports import Clock, RateLimiter
from academy_video.app.webhooks.application import Webhooks
from academy_video.app.webhooks.delivery import Deliverer
from academy_video.app.webhooks.subscriptions import WebhookService
from academy_video.domain.webhook_targets import AllowList


def allow_list(settings: Settings) -> AllowList:
    return AllowList.parse(settings.webhook_allow_list)


def webhook_service(
    settings: Settings,
    webhooks: Webhooks,
    engine: Engine,
    reader: Engine,
    clock: Clock,
    limiter: RateLimiter | None = None,
) -> WebhookService:
    """``limiter``: the playback's (Redis, shared by every API process), else one in process."""
    return WebhookService(
        webhooks=webhooks,
        secrets=SqlWebhookSecrets(engine),
        queue=SqlWebhookQueue(engine, clock=clock.now),
        index=SqlWebhookIndex(reader),
        clock=clock,
        new_secret=new_secret,
        allow=allow_list(settings),
        allow_http=settings.webhook_allow_http,
        limiter=limiter or InMemoryRateLimiter(),
    )


def deliverer(
    settings: Settings, webhooks: Webhooks, engine: Engine, clock: Clock, owner: str = ""
) -> Deliverer:
    sender = HttpWebhookSender(
        allow=allow_list(settings),
        allow_http=settings.webhook_allow_http,
        timeouts=Timeouts(
            connect=settings.webhook_connect_seconds, total=settings.webhook_total_seconds
        ),
    )
    return Deliverer(
        queue=SqlWebhookQueue(engine, clock=clock.now),
        secrets=SqlWebhookSecrets(engine),
        sender=sender,
        sign=signed_headers,
        webhooks=webhooks,
        clock=clock,
        owner=owner or f"{socket.gethostname()}-{os.getpid()}",
        lease_seconds=settings.webhook_lease_seconds,
        attempt_seconds=settings.webhook_total_seconds,
        concurrency=settings.webhook_concurrency,
        per_host=settings.webhook_per_host,
        keep_days=settings.webhook_keep_days,
    )
