"""Natural keys → aggregate ids. Public ids are integers; aggregates are named by uuid5 of them."""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

TENANT_MAX_LENGTH = 64  # the column every read model stores tenant codes in
# A tenant code is a slug. It shapes storage keys (``hls/{tenant}/…``) and session-store keys
# (``{t:<tenant>:u:<user>}``), so it can hold no ``/``, ``..``, ``:``, braces, upper case (two
# spellings of one tenant), nothing beyond ASCII, and cannot start like an option (``-``).
TENANT_CODE = "[a-z0-9][a-z0-9_-]{0,62}"
_TENANT_CODE = re.compile(TENANT_CODE)


def is_tenant_code(text: object) -> bool:
    """Whether ``text`` is a tenant code (``TENANT_CODE``, whole)."""
    return isinstance(text, str) and _TENANT_CODE.fullmatch(text) is not None


def video_id(video: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"/videos/{video}")


def grant_id(video: int, enrollment: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"/videos/{video}/grants/{enrollment}")


def progress_id(video: int, enrollment: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"/videos/{video}/progress/{enrollment}")


def playback_session_id(session: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/playback-sessions/{session}")
