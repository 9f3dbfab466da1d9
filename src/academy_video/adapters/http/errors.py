"""Every refusal as the contract's ``{"detail": …}`` with its status; never a 500 for bad input.

The status of a use-case refusal is decided here, by its class (one table); its ``detail`` is the
refusal's message (its code unless a contract string such as ``Invalid status: READY`` is set).
"""

from __future__ import annotations

import logging
from typing import Any

import eventsourcing.persistence
import msgspec
import psycopg
import sqlalchemy.exc
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from academy_video.app import errors as app
from academy_video.domain import errors as domain
from academy_video.domain.caption_tracks import CaptionConflict, CaptionNotFound
from academy_video.domain.event_budget import PayloadTooLarge
from academy_video.domain.grant import GrantNotFound
from academy_video.domain.playback_session import SessionInactive
from academy_video.domain.video import (
    CannotRetry,
    IllegalTransition,
    LeaseLost,
    LeaseOwnerMismatch,
    NotClaimable,
    NotReady,
    VideoDeleted,
)
from academy_video.domain.webhook_subscription import SubscriptionDeleted, TooManySubscriptions

from .auth import Forbidden, NotAuthenticated, Unauthorized

log = logging.getLogger(__name__)

STATUS: dict[type[domain.DomainError], int] = {
    app.NotFound: HTTP_404_NOT_FOUND,
    VideoDeleted: HTTP_404_NOT_FOUND,
    GrantNotFound: HTTP_404_NOT_FOUND,
    SubscriptionDeleted: HTTP_404_NOT_FOUND,
    CaptionNotFound: HTTP_404_NOT_FOUND,
    app.Denied: HTTP_403_FORBIDDEN,
    NotReady: HTTP_403_FORBIDDEN,
    app.AlreadyExists: HTTP_409_CONFLICT,
    app.Conflict: HTTP_409_CONFLICT,
    app.ConcurrencyConflict: HTTP_409_CONFLICT,
    IllegalTransition: HTTP_409_CONFLICT,
    TooManySubscriptions: HTTP_409_CONFLICT,
    CaptionConflict: HTTP_409_CONFLICT,
    NotClaimable: HTTP_409_CONFLICT,
    LeaseLost: HTTP_409_CONFLICT,
    LeaseOwnerMismatch: HTTP_409_CONFLICT,
    SessionInactive: HTTP_409_CONFLICT,
    CannotRetry: HTTP_400_BAD_REQUEST,
    app.Invalid: HTTP_400_BAD_REQUEST,
    domain.InvalidValue: HTTP_400_BAD_REQUEST,
    app.TooLarge: HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    PayloadTooLarge: HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    app.Unavailable: HTTP_503_SERVICE_UNAVAILABLE,
    app.RateLimited: HTTP_429_TOO_MANY_REQUESTS,
}

# Litestar's own refusals (routing, parsing) in the contract's words.
HTTP_DETAIL = {
    HTTP_404_NOT_FOUND: "not_found",
    HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    HTTP_413_REQUEST_ENTITY_TOO_LARGE: "request_too_large",
}


def detail(status: int, text: str) -> Response[dict[str, str]]:
    return Response({"detail": text}, status_code=status)


def status_of(error: domain.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return HTTP_400_BAD_REQUEST  # a plain DomainError: the command was refused as given


def on_domain_error(_: Request[Any, Any, Any], error: domain.DomainError) -> Response[Any]:
    response = detail(status_of(error), str(error))
    if isinstance(error, app.RateLimited) and error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def on_not_authenticated(_: Request[Any, Any, Any], __: NotAuthenticated) -> Response[Any]:
    return Response(
        {"detail": "not_authenticated"},
        status_code=HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": "Bearer"},
    )


def on_unauthorized_worker(_: Request[Any, Any, Any], __: Exception) -> Response[Any]:
    return detail(HTTP_401_UNAUTHORIZED, "unauthorized")


def on_forbidden(_: Request[Any, Any, Any], __: Forbidden) -> Response[Any]:
    return detail(HTTP_403_FORBIDDEN, "forbidden")


def on_validation(_: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    """The first bad field and what is wrong with it, e.g. ``max_speed: Expected `float` <= 16``."""
    cause = error.__cause__
    if isinstance(cause, msgspec.DecodeError) and not isinstance(cause, msgspec.ValidationError):
        return detail(HTTP_400_BAD_REQUEST, f"JSON is malformed: {cause}")
    extra = error.extra if isinstance(error.extra, list) else []
    first = extra[0] if extra and isinstance(extra[0], dict) else {}
    message = str(first.get("message") or error.detail or "invalid request")
    key = first.get("key")
    # "data" is the whole body (e.g. an unknown field, whose name is in the message).
    return detail(HTTP_400_BAD_REQUEST, f"{key}: {message}" if key and key != "data" else message)


def on_http_error(_: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    text = HTTP_DETAIL.get(status) or str(error.detail)
    if isinstance(error.__cause__, SerializationException) and "malformed" not in text:
        text = f"JSON is malformed: {text}"
    return detail(status, text)


class BodyTooDeep(Exception):
    """A request body nested past the JSON decoder's recursion limit."""


class JsonBodyRequest(Request[Any, Any, Any]):
    """The request every route gets (``request_class``): its body's decoding is the one place
    a ``RecursionError`` means bad input. msgspec gives up on JSON nested past its limit, even
    in a field it skips; anywhere else a RecursionError is a bug of ours (a 500)."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise BodyTooDeep() from None


def on_too_deep(request: Request[Any, Any, Any], _: BodyTooDeep) -> Response[Any]:
    """The body is refused as it would be for any malformed JSON (a 400, not a 500)."""
    log.warning("too deeply nested on %s %s", request.method, request.url.path)
    return detail(HTTP_400_BAD_REQUEST, "JSON is malformed: nested too deeply")


def on_database_down(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, error)
    return detail(HTTP_503_SERVICE_UNAVAILABLE, "database_unavailable")


def on_unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return detail(HTTP_500_INTERNAL_SERVER_ERROR, "internal_error")


HANDLERS: dict[int | type[Exception], Any] = {
    domain.DomainError: on_domain_error,
    NotAuthenticated: on_not_authenticated,
    Forbidden: on_forbidden,
    Unauthorized: on_unauthorized_worker,
    ValidationException: on_validation,
    HTTPException: on_http_error,
    BodyTooDeep: on_too_deep,
    sqlalchemy.exc.OperationalError: on_database_down,
    psycopg.OperationalError: on_database_down,
    # The event store's (eventsourcing's own classes: no connection after its retries).
    eventsourcing.persistence.OperationalError: on_database_down,
    eventsourcing.persistence.InterfaceError: on_database_down,
    Exception: on_unexpected,
}
