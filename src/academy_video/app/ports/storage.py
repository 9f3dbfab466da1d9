"""Where sources and outputs live: object storage with signed URLs and multipart uploads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    # Changes whenever the object is written again (S3: its ETag, unquoted; the local disk: a
    # version tag of size, write time and inode): what ``upload/complete`` probed is what a
    # worker transcodes only if this still matches.
    etag: str = ""


@dataclass(frozen=True)
class UploadedPart:
    part_number: int  # 1-based
    etag: str


MIN_PART_BYTES = 5 * 1024 * 1024  # S3's floor for every part but the last
MAX_PARTS = 10_000


class ObjectStorage(Protocol):
    """Where sources and outputs live (S3, or the local disk on the embedded default).

    Keys are relative paths such as ``videos/demo/10/<uuid>.mp4``; adapters refuse keys that try to
    leave their root. Clients upload and download with signed, expiring URLs, never through the
    service's memory.
    """

    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        """A URL the client PUTs the file's bytes to."""
        ...

    def download_url(self, key: str, expires_in: int) -> str:
        """A URL a client GETs the object from."""
        ...

    def source_url(self, key: str, expires_in: int) -> str:
        """A URL (or local path) a probe or transcoder can read the object from, with ranges."""
        ...

    def head(self, key: str) -> StoredObject | None:
        """The object's size and ETag, or None if it does not exist."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The object's bytes as a stream (close it); KeyError if it does not exist."""
        ...

    def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
        """Store a local file under ``key`` (streamed, never read whole). ``move``: the file is
        disposable, and the store may take it over instead of copying it."""
        ...

    def delete(self, key: str) -> None:
        """Remove one object (nothing happens if it does not exist)."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many were removed."""
        ...

    def start_multipart(self, key: str, content_type: str, *, part_size: int) -> str:
        """Begin a resumable upload of ``key`` in parts of at most ``part_size`` bytes (the last
        may be smaller); returns its upload id. Where the store takes the parts itself (the
        local disk) a larger part is refused (``TooLarge``); S3 cannot hold a presigned part to
        a size, so there the total is checked on what was joined."""
        ...

    def part_url(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        """A URL the client PUTs part ``part_number`` (1-based) to; the answer's ETag names it."""
        ...

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        """Join the parts, in order, into the object (ValueError if a part is missing or wrong).

        A store that knows the upload limit checks the parts' total first: over it, nothing is
        joined, the upload is dropped (as S3 drops an upload once completed) and ``TooLarge``
        is raised."""
        ...

    def abort_multipart(self, key: str, upload_id: str | None = None) -> int:
        """Drop one unfinished upload of ``key`` (or all of them); returns how many."""
        ...

    def seal(self, key: str) -> None:
        """Refuse, from now on and durably, every upload to ``key`` through the URLs already
        handed out (the object and its multipart parts: ``Conflict("upload_closed")``).

        Called once a source was confirmed, or its video deleted. Where the store takes the
        uploads itself (the local disk) it keeps a marker; S3 cannot revoke a presigned URL, so
        there it does nothing and the ETag recorded at confirmation protects the source."""
        ...
