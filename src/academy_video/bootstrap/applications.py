"""The five Applications, each on its own event store."""

from __future__ import annotations

from collections.abc import Callable

from academy_video.app.applications import EventSourcedApp
from academy_video.app.grants import Grants
from academy_video.app.progresses import Progresses
from academy_video.app.sessions import PlaybackSessions
from academy_video.app.videos import Videos
from academy_video.app.webhooks.application import Webhooks

# Sessions are written a batch of player events at a time: keep them in memory (a hit still
# reads the events saved since, so other processes' writes are seen).
SESSION_CACHE = {"AGGREGATE_CACHE_MAXSIZE": "20000", "AGGREGATE_CACHE_FASTFORWARD": "y"}


class Applications:
    """The five Applications, each on the event store ``env(its name)`` describes."""

    def __init__(self, env: Callable[[str], dict[str, str]]) -> None:
        self.videos, self.grants = Videos(env("Videos")), Grants(env("Grants"))
        self.sessions = PlaybackSessions(env("PlaybackSessions") | SESSION_CACHE)
        self.progresses = Progresses(env("Progresses"))
        self.webhooks = Webhooks(env("Webhooks"))

    def all(self) -> list[EventSourcedApp]:
        return [self.videos, self.grants, self.sessions, self.progresses, self.webhooks]
