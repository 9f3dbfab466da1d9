"""``media inspect --quality``: SSIM and PSNR of every published rung against the stored source,
with the quality harness's method (``quality.py``), decoded in the sandbox's child.

The source is an uploader's file: it is opened only in a child (``sandbox.py``), as the
transcoder opens it (``opening.open_source``: plain containers, within limits), bounded in wall
time, CPU and memory. The parent fetches each rung's segments from storage (keys already checked
to lie under the video's outputs: ``domain/ladder_figures.py``), decrypts them with the video's
key when the playlist says AES-128, and writes them clear to a scratch directory the child reads.
The child answers four numbers per rung, checked for shape.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import av
import msgspec
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from academy_video.app.ports import ObjectStorage
from academy_video.domain.ladder_figures import LadderRefused, media_segments

from . import sandbox
from .opening import open_source
from .quality import measure_rung_against
from .sandbox import Limits, Refusal, Report

GiB = 1024**3
MAX_RUNG_BYTES = 8 * GiB  # a rung fetched for comparison (a 10-hour 1080p rung is ~ 7 GB)
SOURCE_URL_SECONDS = 6 * 3600
_KEY_LINE = re.compile(r'#EXT-X-KEY:METHOD=AES-128,URI="[^"]*",IV=0x([0-9a-fA-F]{32})')


class QualityFailed(Exception):
    """The comparison could not be made; the message says why (for the operator)."""


@dataclass(frozen=True)
class QualityLimits:
    """One rung's comparison: ``base_seconds`` plus ``time_factor`` per second of video."""

    memory_bytes: int = 3 * GiB
    base_seconds: float = 120.0
    time_factor: float = 4.0

    def sandbox_limits(self, video_seconds: float) -> Limits:
        wall = self.base_seconds + self.time_factor * max(0.0, video_seconds)
        return Limits(
            wall_seconds=wall,
            cpu_seconds=int(wall * 4),
            memory_bytes=self.memory_bytes,
            file_bytes=0,
        )


class RungScores(msgspec.Struct, forbid_unknown_fields=True):
    """What the child answers for a rung (it decoded an uploader's file: checked)."""

    ssim_mean: Annotated[float, msgspec.Meta(ge=-1, le=1)]
    ssim_p5: Annotated[float, msgspec.Meta(ge=-1, le=1)]
    psnr_mean: Annotated[float, msgspec.Meta(ge=0, le=1000)]
    psnr_p5: Annotated[float, msgspec.Meta(ge=0, le=1000)]
    frames: Annotated[int, msgspec.Meta(ge=0)]
    source_frames: Annotated[int, msgspec.Meta(ge=0)]
    pictures: Annotated[int, msgspec.Meta(ge=0)]  # the rung's own (repeats may be left out)


@dataclass(frozen=True)
class RungTarget:
    """A rung to compare: its playlist (a key under ``prefix``) and its picture size."""

    name: str
    playlist_key: str
    width: int
    height: int


def measure_quality(
    storage: ObjectStorage,
    *,
    source_key: str,
    key_key: str,
    prefix: str,
    rungs: list[RungTarget],
    seconds: float,
    limits: QualityLimits | None = None,
) -> dict[str, RungScores]:
    """Each rung's scores against the source at ``source_key``; ``QualityFailed`` if one
    cannot be had (the source refused, the sandbox's limit, a missing segment)."""
    limits = limits or QualityLimits()
    if storage.head(source_key) is None:
        raise QualityFailed("the source is no longer in storage")
    source = storage.source_url(source_key, SOURCE_URL_SECONDS)
    scores = {}
    with tempfile.TemporaryDirectory(prefix="academy-quality-") as scratch:
        for rung in rungs:
            playlist = fetch_rung(storage, rung, key_key, prefix, Path(scratch) / rung.name)
            try:
                answer = sandbox.run(
                    compare_in_child,
                    (str(playlist), source, rung.width, rung.height),
                    limits.sandbox_limits(seconds),
                )
                scores[rung.name] = msgspec.convert(answer, RungScores)
            except sandbox.SandboxRefused as refused:
                raise QualityFailed(
                    f"{rung.name}: the source was refused ({refused.reason})"
                ) from None
            except sandbox.SandboxFailed as failed:
                raise QualityFailed(
                    f"{rung.name}: stopped by the sandbox ({failed.reason})"
                ) from None
            except msgspec.ValidationError:
                raise QualityFailed(
                    f"{rung.name}: the comparison answered in the wrong shape"
                ) from None
    return scores


def fetch_rung(
    storage: ObjectStorage, rung: RungTarget, key_key: str, prefix: str, directory: Path
) -> Path:
    """The rung's segments, clear, in ``directory`` with a playlist naming them; the path of
    that playlist."""
    text = _read_text(storage, rung.playlist_key)
    segments = media_segments(text, rung.playlist_key, prefix)
    iv = _iv(text)
    key = _read_bytes(storage, key_key, 64) if iv is not None else None
    directory.mkdir(parents=True)
    lines, fetched = ["#EXTM3U"], 0
    for index, (segment_key, seconds) in enumerate(segments):
        data = _read_bytes(storage, segment_key, MAX_RUNG_BYTES - fetched)
        fetched += len(data)
        if key is not None and iv is not None:
            data = _decrypted(data, key, iv)
        name = f"seg_{index:06d}.ts"
        (directory / name).write_bytes(data)
        lines += [f"#EXTINF:{seconds:.6f},", name]
    playlist = directory / "index.m3u8"
    playlist.write_text("\n".join(lines) + "\n")
    return playlist


def _iv(playlist: str) -> bytes | None:
    """The AES-128 IV the playlist names; ``None`` when it is clear. Another method is refused."""
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-KEY:") and "METHOD=NONE" not in line:
            found = _KEY_LINE.match(line.strip())
            if found is None:
                raise LadderRefused("the playlist's key line is not this service's AES-128")
            return bytes.fromhex(found[1])
    return None


def _decrypted(data: bytes, key: bytes, iv: bytes) -> bytes:
    if len(key) != 16 or len(data) % 16:
        raise QualityFailed("a segment does not decrypt with the video's key")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise QualityFailed("a segment does not decrypt with the video's key") from None


def _read_text(storage: ObjectStorage, key: str) -> str:
    try:
        return _read_bytes(storage, key, 16 * 1024 * 1024).decode("utf-8")
    except UnicodeDecodeError:
        raise LadderRefused(f"{key} is not text") from None


def _read_bytes(storage: ObjectStorage, key: str, most: int) -> bytes:
    try:
        with storage.open(key) as stream:
            data = stream.read(most + 1)
    except KeyError:
        raise QualityFailed(f"{key} is missing from storage") from None
    if len(data) > most:
        raise QualityFailed(f"{key} is larger than a comparison reads")
    return data


# In the child -----------------------------------------------------------------------------


def compare_in_child(playlist: str, source: str, width: int, height: int, report: Report) -> Any:
    with open_source(source, timeout=15.0) as original:
        try:
            rung = measure_rung_against(Path(playlist), original, width, height)
        except ValueError:
            raise Refusal("rung_does_not_match_its_size") from None
        except av.error.FFmpegError:
            raise Refusal("unreadable") from None
    scores = rung.scores
    if not scores.ssim:
        return {
            "ssim_mean": 0.0,
            "ssim_p5": 0.0,
            "psnr_mean": 0.0,
            "psnr_p5": 0.0,
            "frames": 0,
            "source_frames": rung.source_frames,
            "pictures": rung.pictures,
        }
    return {
        "ssim_mean": scores.ssim_mean,
        "ssim_p5": scores.ssim_p5,
        "psnr_mean": scores.psnr_mean,
        "psnr_p5": scores.psnr_p5,
        "frames": len(scores.ssim),
        "source_frames": rung.source_frames,
        "pictures": rung.pictures,
    }
