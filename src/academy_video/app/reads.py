"""Reads: the query side the HTTP routes list and show from, as a port.

Writes go through the use cases (and the events); what spans many aggregates, filters or
searches is read here. Every query takes the caller's tenant, so another tenant's rows are never
returned (the API answers 404 for them). The SQL read models implement it
(``adapters/sql/read.py: ReadModels``); routes depend on this type, not on SQL.
"""

from __future__ import annotations

from typing import Any, Protocol

# One read-model row, by column name.
Row = dict[str, Any]


class Reads(Protocol):
    def videos(
        self,
        tenant: str,
        *,
        session_id: int | None = None,
        status: str | None = None,
        search: str | None = None,
    ) -> list[Row]:
        """The tenant's videos by order, filtered by session, status and a title substring."""
        ...

    def video(self, tenant: str, video_id: int) -> Row | None: ...

    def has_student(self, tenant: str, user_id: int) -> bool:
        """Whether the user has a student record in the tenant."""
        ...

    def sessions(self, tenant: str, *, user_id: int | None = None) -> list[Row]:
        """The tenant's lecture sessions; ``user_id`` keeps those that user's ACTIVE enrollments
        give access to, each with that enrollment (a student's view)."""
        ...

    def permissions(
        self, tenant: str, *, video_id: int | None = None, enrollment_id: int | None = None
    ) -> list[Row]: ...

    def permission(self, tenant: str, permission_id: int) -> Row | None: ...

    def progress_list(
        self,
        tenant: str,
        *,
        video_id: int | None = None,
        enrollment_id: int | None = None,
        user_id: int | None = None,
    ) -> list[Row]:
        """``user_id`` keeps only that user's own enrollments (a student's view)."""
        ...

    def progress(
        self, tenant: str, progress_id: int, *, user_id: int | None = None
    ) -> Row | None: ...

    def active_sessions(self) -> int:
        """How many playback sessions are ACTIVE, every tenant (for metrics)."""
        ...

    def queue_depth(self) -> int:
        """Videos waiting for a transcoding worker or in work (for metrics)."""
        ...
