"""Application-level refusals, on top of the domain's; all carry a contract ``code``."""

from __future__ import annotations

from academy_video.domain.errors import DomainError


class NotFound(DomainError):
    """Missing, deleted, or another tenant's: the caller is never told which (contract: 404)."""

    code = "not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class Denied(DomainError):
    """The caller may not do this (contract: 403 with the code as detail)."""


class Conflict(DomainError):
    """The state does not allow it right now (contract: 409 with the code as detail)."""


class Invalid(DomainError):
    """Input the use case cannot accept (contract: 400 with the code as detail)."""


class TooLarge(DomainError):
    """More than the contract allows in one request (contract: 413)."""


class RateLimited(DomainError):
    """Too many requests for now (contract: 429, with ``Retry-After`` when it is known)."""

    code = "rate_limited"

    def __init__(self, code: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.retry_after = retry_after  # seconds


class Unavailable(DomainError):
    """A service the use case depends on is down (contract: 503)."""


class ConcurrencyConflict(DomainError):
    """An aggregate kept changing under us; the caller may retry."""

    code = "concurrent_update"
