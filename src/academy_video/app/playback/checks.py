"""The checks every playback use case shares: the versions a token or session was issued under,
against the current ones, and a session no longer ACTIVE as the one ``session_inactive``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from academy_video.domain.playback_session import SessionInactive

from ..errors import Conflict, Denied


def check_versions(held: tuple[int, int], current: tuple[int, int] | None, *, policy: bool) -> None:
    """The (policy, grant) versions a token or session was issued under, against the current
    ones: the video gone is ``invalid_token``; a changed policy or grant (when ``policy``) is
    ``policy_changed``."""
    if current is None:
        raise Denied("invalid_token")
    if policy and current != held:
        raise Denied("policy_changed")


@contextmanager
def inactive_as_conflict() -> Iterator[None]:
    """The recorded session is no longer ACTIVE: the same ``session_inactive`` refusal."""
    try:
        yield
    except SessionInactive:
        raise Conflict("session_inactive") from None
