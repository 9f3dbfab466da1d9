"""Who is calling: users by bearer JWT (HS256: ``sub``, ``role``, ``tenant``, ``exp``)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import jwt
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from academy_video.domain.ids import TENANT_CODE, is_tenant_code

from .schemas import MAX_ID

Role = Literal["admin", "staff", "student"]
ROLES: tuple[Role, ...] = ("admin", "staff", "student")
STAFF: tuple[Role, ...] = ("admin", "staff")
ALGORITHM = "HS256"


class NotAuthenticated(Exception):
    """Missing, malformed, forged or expired credentials (401 ``not_authenticated``)."""


class Unauthorized(Exception):
    """A wrong worker token (401 ``unauthorized``)."""


class Forbidden(Exception):
    """Authenticated, but this role may not do this (403 ``forbidden``)."""


@dataclass(frozen=True)
class Caller:
    user_id: int
    role: Role
    tenant: str

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


# Asynchronous: Litestar runs a plain-function guard in a worker thread, a hop per request.
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


CALLER = "academy_video.caller"  # where the guard leaves the caller, in the request's scope state


def requires(*roles: Role) -> Guard:
    """A Litestar guard: the bearer's role is one of ``roles`` (401 without a valid bearer, 403
    ``forbidden`` otherwise). Declared on routers and handlers, so a handler's body is only its
    use case; it runs before the request body is read. The caller it read is kept in the
    request's scope state, so ``caller_of`` does not read the bearer again."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        caller = read_bearer(
            connection.headers.get("authorization"), connection.app.state.jwt_secret
        )
        if caller.role not in roles:
            raise Forbidden()
        connection.scope["state"][CALLER] = caller

    guard.__name__ = f"requires_{'_or_'.join(roles)}"
    return guard


def read_bearer(authorization: str | None, secret: str) -> Caller:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated()
    caller, expires = _verified(token.strip(), secret)
    if expires <= time.time():
        raise NotAuthenticated()
    return caller


@lru_cache(maxsize=8192)
def _verified(token: str, secret: str) -> tuple[Caller, float]:
    """The caller a token names, and when it expires. A client presents the same token on every
    call (a student's heartbeats), so a verified token is remembered: only its expiry is checked
    again. A refused token is not remembered: it raises."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "role", "tenant", "exp"]},
        )
        user_id = int(claims["sub"])
        expires = float(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError):
        raise NotAuthenticated() from None
    role, tenant = claims["role"], claims["tenant"]
    # Claims the service could not store, or a tenant that is not a slug (it shapes storage and
    # session-store keys: ``is_tenant_code``), are no identity: refused here, not by a key later.
    if role not in ROLES or not is_tenant_code(tenant) or not 0 < user_id <= MAX_ID:
        raise NotAuthenticated()
    return Caller(user_id=user_id, role=role, tenant=tenant), expires


def mint(secret: str, *, role: Role, tenant: str, user_id: int, ttl_seconds: int = 86_400) -> str:
    """A token as the academy's login would issue it (``academy-video token``); ValueError for
    a tenant that is not a tenant code (the service would refuse the token)."""
    if not is_tenant_code(tenant):
        raise ValueError(f"a tenant code is {TENANT_CODE}: {tenant!r}")
    claims = {
        "sub": str(user_id),
        "role": role,
        "tenant": tenant,
        "exp": int(time.time()) + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
