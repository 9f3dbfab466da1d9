"""The ObjectStorage port's contract: the in-memory, local-disk and S3 adapters all pass it.

``put(url, data, content_type)`` and ``get(url)`` play the client's side of a signed URL
(an HTTP PUT/GET, or the in-memory stand-in); ``put`` returns the ETag the store answered.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from academy_video.app.ports import MIN_PART_BYTES, ObjectStorage, UploadedPart

Put = Callable[[str, bytes, str], str]
Get = Callable[[str], bytes]


def check_storage_contract(storage: ObjectStorage, put: Put, get: Get, scratch: Path) -> None:
    key = "videos/demo/10/first.mp4"
    assert storage.head(key) is None
    with pytest.raises(KeyError):
        storage.open(key)

    # A client uploads through the signed URL, and downloads through another.
    data = os.urandom(300_000)
    put(storage.upload_url(key, "video/mp4", 600), data, "video/mp4")
    stored = storage.head(key)
    assert stored is not None and (stored.key, stored.size) == (key, len(data))
    assert get(storage.download_url(key, 600)) == data
    with storage.open(key) as stream:
        assert stream.read() == data
    assert storage.source_url(key, 600)

    # A local file goes in streamed, and reads back the same.
    file = scratch / "output.ts"
    file.write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    storage.put_file("hls/demo/1/360p/seg0.ts", file, "video/mp2t")
    with storage.open("hls/demo/1/360p/seg0.ts") as stream:
        assert stream.read() == file.read_bytes()

    # A disposable file may be taken over rather than copied; the object is the same either way.
    moved = scratch / "moved.ts"
    moved.write_bytes(b"segment bytes")
    storage.put_file("hls/demo/1/360p/seg1.ts", moved, "video/mp2t", move=True)
    with storage.open("hls/demo/1/360p/seg1.ts") as stream:
        assert stream.read() == b"segment bytes"
    storage.delete("hls/demo/1/360p/seg1.ts")

    # Deleting: one key, twice is harmless; a prefix takes only what is under it.
    storage.delete(key)
    storage.delete(key)
    assert storage.head(key) is None
    for each in ("hls/demo/1/master.m3u8", "hls/demo/1/720p/seg0.ts", "hls/demo/10/master.m3u8"):
        file.write_bytes(b"x")
        storage.put_file(each, file, "application/octet-stream")
    assert storage.delete_prefix("hls/demo/1/") == 3
    assert storage.head("hls/demo/10/master.m3u8") is not None
    assert storage.head("hls/demo/1/master.m3u8") is None
    assert storage.delete_prefix("nothing/here/") == 0


def check_multipart_contract(storage: ObjectStorage, put: Put, get: Get) -> None:
    key = "videos/demo/10/big.mp4"
    first, last = os.urandom(MIN_PART_BYTES), os.urandom(1234)
    upload = storage.start_multipart(key, "video/mp4", part_size=MIN_PART_BYTES)
    etags = [
        put(storage.part_url(key, upload, number, 600), part, "")
        for number, part in ((1, first), (2, last))
    ]
    # A wrong ETag, or a part never sent, is refused and leaves the upload resumable.
    with pytest.raises(ValueError, match=r"(?i)part"):
        storage.complete_multipart(
            key, upload, [UploadedPart(1, etags[0]), UploadedPart(2, "0" * 32)]
        )
    with pytest.raises(ValueError, match=r"(?i)part"):
        storage.complete_multipart(
            key, upload, [UploadedPart(1, etags[0]), UploadedPart(3, etags[1])]
        )
    assert storage.head(key) is None
    storage.complete_multipart(
        key, upload, [UploadedPart(n, e) for n, e in ((1, etags[0]), (2, etags[1]))]
    )
    stored = storage.head(key)
    assert stored is not None and stored.size == len(first) + len(last)
    assert get(storage.download_url(key, 600)) == first + last

    # Abandoned uploads can be aborted by key, all at once.
    other = "videos/demo/10/abandoned.mp4"
    storage.start_multipart(other, "video/mp4", part_size=MIN_PART_BYTES)
    storage.start_multipart(other, "video/mp4", part_size=MIN_PART_BYTES)
    assert storage.abort_multipart(other) == 2
    assert storage.abort_multipart(other) == 0
