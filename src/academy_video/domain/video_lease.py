"""The lease a worker holds on a PROCESSING video: until when, and what a live worker reports.

The lease, its owner and the attempt count are part of the Video's record (``video.py``), so two
workers can never both hold one video: the second save loses on optimistic concurrency.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .errors import DomainError


def lease_expired(leased_until: datetime | None, now: datetime) -> bool:
    """No lease, or one that ran out (its worker died or stalled)."""
    return leased_until is None or leased_until < now


def lease_end(now: datetime, lease_seconds: int) -> datetime:
    return now + timedelta(seconds=lease_seconds)


def check_renewable(
    leased_by: str, leased_until: datetime | None, worker_id: str, now: datetime
) -> None:
    """A live worker keeps its lease; a stranger or a late one is refused."""
    if leased_by != worker_id or lease_expired(leased_until, now):
        raise LeaseLost("lease_owner_mismatch_or_expired")


def check_lease_owner(
    leased_by: str, leased_until: datetime | None, worker_id: str, now: datetime
) -> None:
    """Another worker's live lease wins; a lapsed lease no longer protects its holder."""
    if leased_by and leased_by != worker_id and not lease_expired(leased_until, now):
        raise LeaseOwnerMismatch("lease_owner_mismatch")


def processing_percent(progress: int | None) -> int | None:
    """A worker's progress report as a percent, 0 to 100 (None: not reported)."""
    return None if progress is None else max(0, min(100, int(progress)))


class NotClaimable(DomainError):
    pass


class LeaseLost(DomainError):
    pass


class LeaseOwnerMismatch(DomainError):
    pass
