"""Natural keys → aggregate ids. Public ids are integers; aggregates are named by uuid5 of them."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

TENANT_MAX_LENGTH = 64  # tenant codes (the academy's), as every read model stores them


def video_id(video: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"/videos/{video}")


def grant_id(video: int, enrollment: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"/videos/{video}/grants/{enrollment}")


def progress_id(video: int, enrollment: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"/videos/{video}/progress/{enrollment}")


def playback_session_id(session: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/playback-sessions/{session}")
