"""Playback use cases, one module per responsibility: ``start`` (and its rate limit), ``live``
(refresh, heartbeat, end, player events), ``keys`` (the AES key endpoint's rule and key),
``reconcile`` (the periodic repair); ``access`` answers who may play a video, ``checks`` holds
the version checks they share, ``policy_updates`` whether a session goes on under changed rules,
``rule_adoption`` a stale token's session adopting them; ``live_answers`` what ``live`` answers,
``presented_tokens`` how it checks the tokens its calls present."""

from __future__ import annotations

from dataclasses import dataclass

from ..ports import UrlSigner
from .access import PlaybackAccess, StudentVideos
from .keys import KEY_REQUESTS_PER_MINUTE, MediaKeys
from .live import Beat, Ended, LiveSessions, Refreshed
from .policy_updates import PolicyUpdate, PolicyUpdates
from .reconcile import Reconciliation
from .start import SessionStarts, Started


@dataclass(frozen=True)
class Playback:
    """The playback use cases as the composition root wires them (``Container.playback``)."""

    starts: SessionStarts
    live: LiveSessions
    keys: MediaKeys
    reconciliation: Reconciliation
    access: PlaybackAccess
    signer: UrlSigner  # what media URLs are signed with; the media edge checks with the same


__all__ = [
    "KEY_REQUESTS_PER_MINUTE",
    "Beat",
    "Ended",
    "LiveSessions",
    "MediaKeys",
    "Playback",
    "PlaybackAccess",
    "PolicyUpdate",
    "PolicyUpdates",
    "Reconciliation",
    "Refreshed",
    "SessionStarts",
    "Started",
    "StudentVideos",
]
