"""A video's status, and the refusals a command meets when the status does not allow it.

PENDING → UPLOADED → PROCESSING → READY | FAILED, as in the seed; a deleted video refuses every
command. The aggregate (``video.py``) decides which command applies in which status.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import DomainError


class VideoStatus(StrEnum):
    PENDING = "PENDING"
    UPLOADED = "UPLOADED"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


class IllegalTransition(DomainError):
    """The command does not apply in the video's status (the message is the contract's)."""


class CannotRetry(DomainError):
    pass


class VideoDeleted(DomainError):
    pass


class NotReady(DomainError):
    pass
