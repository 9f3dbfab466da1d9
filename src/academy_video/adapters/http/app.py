"""The Litestar application: routes under ``/api/v1`` (and ``/health``, ``/metrics``), the
contract's errors, bearer-token callers, request ids and access lines, and the OpenAPI
description at ``/schema``."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from academy_video import __version__
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.bootstrap import Container

from .deps import DEPENDENCIES
from .errors import HANDLERS, JsonBodyRequest
from .observe import RequestObserver
from .routes import (
    analytics,
    audit,
    captions,
    captions_auto,
    delivery,
    directory,
    event_filters,
    hls,
    media,
    metrics,
    permissions,
    playback,
    progress,
    search,
    system,
    uploads,
    videos,
    web,
    webhooks,
    worker,
)

MAX_BODY_BYTES = 1_048_576  # JSON bodies; media never passes through these routes
log = logging.getLogger(__name__)


def create_app(container: Container) -> Litestar:
    if container.reads is None or container.analytics is None:
        raise ValueError("the HTTP API reads the SQL read models: build the container with build()")
    if not container.settings.jwt_secret:
        raise ValueError("ACADEMY_VIDEO_JWT_SECRET is required to check callers' tokens")
    if container.settings.hls_encrypt and not container.settings.cdn_signing_secret:
        log.warning(
            "media: AES-128 is on but ACADEMY_VIDEO_CDN_SIGNING_SECRET is not set: the key "
            "endpoint refuses every request (403 media_signing_not_configured)"
        )
    api = Router(
        "/api/v1",
        route_handlers=[
            directory.router,
            videos.router,
            delivery.router,
            captions.router,
            captions_auto.router,
            uploads.router,
            playback.router,
            permissions.router,
            progress.router,
            analytics.router,
            event_filters.router,
            audit.router,
            webhooks.router,
            search.router,
        ],
        security=[{"BearerToken": []}],
    )
    handlers: list[Any] = [
        system.health,
        metrics.metrics,
        api,
        worker.router,
        web.router(container.settings),
        hls.key_router,  # whatever the storage: the edge routes the key's path here
    ]
    if isinstance(container.storage, LocalDiskStorage):
        # The service stands in for S3's presigned URLs, and for the CDN edge.
        handlers += [media.router, hls.media_router]
    app = Litestar(
        route_handlers=handlers,
        dependencies=DEPENDENCIES,
        exception_handlers=HANDLERS,
        request_class=JsonBodyRequest,
        request_max_body_size=MAX_BODY_BYTES,
        # Logging is the process's (``serve`` configures it): Litestar's default queue handler
        # would drop the last records when uvicorn exits by re-raising SIGTERM.
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="academy-video",
            version=__version__,
            path="/schema",
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
    )
    # Outside the router, not in ``middleware=[...]``: Litestar runs those only once a route has
    # matched, so 404/405 answers would go without a request id, an access line or a count.
    app.asgi_handler = RequestObserver(app.asgi_handler)
    app.state.container = container
    app.state.reads = container.reads
    app.state.jwt_secret = container.settings.jwt_secret
    app.state.local_storage = container.storage
    app.state.media_signer = container.playback.signer
    return app
