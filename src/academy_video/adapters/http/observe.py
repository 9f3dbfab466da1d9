"""Every HTTP request's id, access log line and metrics, in one pure ASGI middleware.

Its cost is paid by every heartbeat (thousands a second): a header scan, a contextvar, a closure
around ``send``, two metric updates and the access line; nothing else.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from litestar.enums import ScopeType

from academy_video.adapters.logs import REQUEST_ID
from academy_video.app.metrics import HTTP_SECONDS, REGISTRY

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
# A caller's id is kept only if it cannot forge log fields or bloat them.
_SANE = re.compile(rb"[A-Za-z0-9._-]{1,128}")

access_log = logging.getLogger("academy_video.access")

REQUESTS = REGISTRY.counter(
    "academy_video_http_requests_total",
    "HTTP requests answered, by method (or OTHER), route template and status.",
    ("method", "route", "status"),
)
DURATION = REGISTRY.histogram(
    "academy_video_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method and route template.",
    ("method", "route"),
    HTTP_SECONDS,
)
# Every label takes values from a fixed set, whatever a caller sends: each new value is a series
# kept for the life of the process (a counter and a histogram of 14 buckets), so an anonymous
# caller inventing methods, paths or statuses would grow /metrics and memory without end.
UNMATCHED = "unmatched"  # the route of requests no route took (404, 405): raw paths are unbounded
OTHER = "OTHER"  # the method label of any method outside the standard ones
METHODS = frozenset(
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
)
STATUSES = {code: str(code) for code in range(100, 600)}  # any other code is "other"


def method_label(method: str) -> str:
    """The method as sent if it is a standard one (case-sensitive, as HTTP is), else ``OTHER``."""
    return method if method in METHODS else OTHER


def status_label(status: int) -> str:
    return STATUSES.get(status, "other")


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The caller's ``X-Request-ID`` if it is a sane token, else a new one."""
    for name, value in headers:
        if name == HEADER:
            if _SANE.fullmatch(value):
                return value.decode("ascii")
            break
    return uuid.uuid4().hex


class RequestObserver:
    """Wraps the whole Litestar app (outside its router, so unrouted requests are seen too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope["headers"])
        encoded = request_id.encode("ascii")
        method, path = scope["method"], scope["path"]  # the router rewrites scope["path"]
        status = 500  # if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, encoded)]
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            query = scope.get("query_string", b"")
            if b"%00" in query:
                # NUL is no character of any valid query (PostgreSQL refuses it in text): a 400
                # naming the parameter here, before it reaches a database driver.
                await _refuse_nul(send_with_id, query)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            # The router sets the template (one of the app's routes, a fixed set) on a match.
            route = scope.get("path_template") or UNMATCHED
            label = method_label(method)
            REQUESTS.inc(label, route, status_label(status))
            DURATION.observe(seconds, label, route)
            access_log.info(
                "%s %s %s %.1f ms",
                method,
                path,
                status,
                seconds * 1000,
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                },
            )
            REQUEST_ID.reset(token)


def _nul_parameter(query: bytes) -> str:
    """The first query parameter with a NUL in its name or value ("query" if it has no name)."""
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "")[:64] or "query"
    return "query"


async def _refuse_nul(send: Send, query: bytes) -> None:
    detail = f"{_nul_parameter(query)}: NUL characters are not allowed"  # as in a body
    body = json.dumps({"detail": detail}).encode()
    start: Any = {
        "type": "http.response.start",
        "status": 400,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    end: Any = {"type": "http.response.body", "body": body}
    await send(start)
    await send(end)
