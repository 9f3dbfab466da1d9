"""Object storage and media probing in memory, for tests of the use cases."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

from academy_video.app.errors import Conflict, TooLarge
from academy_video.app.ports import ProbeResult, StoredObject, UploadedPart

_SCHEME = "memory://"


class InMemoryObjectStorage:
    """Objects in a dict. Its URLs are ``memory://…``; ``put_url`` stands in for a client's PUT."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.uploads: dict[str, tuple[str, dict[int, bytes]]] = {}  # id → (key, parts)
        self.part_sizes: dict[str, int] = {}  # upload id → its part size
        self.sealed: set[str] = set()

    def put(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def put_url(self, url: str, data: bytes) -> str:
        """What a client's PUT to one of our URLs does; returns the ETag. Refused as the local
        disk refuses it: a sealed key (``upload_closed``), a part over its upload's part size."""
        parsed = urlparse(url)
        if parsed.netloc == "part":
            upload_id, number = parsed.path.strip("/").split("/")
            key, parts = self.uploads[upload_id]
            self._check_open(key)
            if len(data) > self.part_sizes[upload_id]:
                raise TooLarge("part_too_large")
            parts[int(number)] = data
        else:
            self._check_open(parsed.netloc + parsed.path)
            self.objects[parsed.netloc + parsed.path] = data
        return _etag(data)

    def seal(self, key: str) -> None:
        self.sealed.add(key)

    def _check_open(self, key: str) -> None:
        if key in self.sealed:
            raise Conflict("upload_closed")

    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        return f"{_SCHEME}{key}?upload&expires_in={expires_in}"

    def download_url(self, key: str, expires_in: int) -> str:
        return f"{_SCHEME}{key}?download&expires_in={expires_in}"

    def source_url(self, key: str, expires_in: int) -> str:
        return f"{_SCHEME}{key}"

    def head(self, key: str) -> StoredObject | None:
        data = self.objects.get(key)
        return None if data is None else StoredObject(key, len(data), _etag(data))

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self.objects[key])

    def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
        self.objects[key] = path.read_bytes()

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        doomed = [k for k in self.objects if k.startswith(prefix)]
        for key in doomed:
            del self.objects[key]
        return len(doomed)

    def start_multipart(self, key: str, content_type: str, *, part_size: int) -> str:
        upload_id = uuid.uuid4().hex
        self.uploads[upload_id] = (key, {})
        self.part_sizes[upload_id] = part_size
        return upload_id

    def part_url(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        return f"{_SCHEME}part/{upload_id}/{part_number}"

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        owner, stored = self.uploads.get(upload_id, ("", {}))
        if owner != key:
            raise ValueError("no such upload")
        if [p.part_number for p in parts] != list(range(1, len(parts) + 1)):
            raise ValueError("parts must be numbered 1, 2, 3, … in order")
        for part in parts:
            data = stored.get(part.part_number)
            if data is None or _etag(data) != part.etag.strip('"'):
                raise ValueError(f"part {part.part_number} is missing or its ETag differs")
        self.objects[key] = b"".join(stored[p.part_number] for p in parts)
        del self.uploads[upload_id], self.part_sizes[upload_id]

    def abort_multipart(self, key: str, upload_id: str | None = None) -> int:
        doomed = [u for u, (k, _) in self.uploads.items() if k == key and upload_id in (None, u)]
        for u in doomed:
            del self.uploads[u], self.part_sizes[u]
        return len(doomed)


def _etag(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class FakeMediaProbe:
    """Reads the fake media ``InMemoryObjectStorage`` holds: ``b"video:<seconds>"`` is a video,
    ``b"audio"`` has no video stream, ``b"video:"`` has no duration, anything else is unreadable.
    """

    def __init__(self, storage: InMemoryObjectStorage) -> None:
        self.storage = storage

    def probe(self, url: str) -> ProbeResult:
        data = self.storage.objects.get(url.removeprefix(_SCHEME), b"")
        if data == b"audio":
            return ProbeResult(ok=False, reason="no_video_stream")
        if not data.startswith(b"video:"):
            return ProbeResult(ok=False, reason="unreadable")
        seconds = data.removeprefix(b"video:")
        if not seconds:
            return ProbeResult(ok=False, reason="duration_missing")
        return ProbeResult(ok=True, duration=float(seconds), codec="h264", width=640, height=360)
