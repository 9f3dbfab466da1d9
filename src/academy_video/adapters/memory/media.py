"""Object storage and media probing in memory, for tests of the use cases."""

from __future__ import annotations

from academy_video.app.ports import ProbeResult, StoredObject

_SCHEME = "memory://"


class InMemoryObjectStorage:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        return f"{_SCHEME}{key}?upload&expires_in={expires_in}"

    def head(self, key: str) -> StoredObject | None:
        data = self.objects.get(key)
        return None if data is None else StoredObject(key, len(data))

    def source_url(self, key: str, expires_in: int) -> str:
        return f"{_SCHEME}{key}"

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        doomed = [k for k in self.objects if k.startswith(prefix)]
        for key in doomed:
            del self.objects[key]
        return len(doomed)


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
