"""The clock, and the waker when workers poll on their own."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class NoopWorkerWaker:
    """Workers poll on their own (the embedded worker, or always-on machines)."""

    def wake(self) -> None:
        """Nothing to wake."""
