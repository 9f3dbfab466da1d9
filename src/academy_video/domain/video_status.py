"""A video's status, and the refusals a command meets when the status does not allow it.

PENDING → UPLOADED → PROCESSING → READY | FAILED, as in the seed; a deleted video refuses every
command. The aggregate (``video.py``) decides which command applies in which status.

A READY video may be re-encoded (``Video.request_reencode``): it is queued and leased like any job
while its status stays READY, so it plays from its current output until the new one replaces it.
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


class CannotReencode(DomainError):
    """A re-encode would publish over the output students play (it already is this service's)."""


class VideoDeleted(DomainError):
    pass


class NotReady(DomainError):
    pass
