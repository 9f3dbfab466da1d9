"""Ports every context uses: the time and fresh public ids."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdAllocator(Protocol):
    def next_id(self, kind: str) -> int:
        """A fresh public integer id for ``kind`` (videos, permissions, progress), never reused."""
        ...
