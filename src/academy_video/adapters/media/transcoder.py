"""Transcode a stored source into an HLS ladder with PyAV: the pass over the source runs in a
sandboxed child (``encode_pass.py`` under ``sandbox.py``), and this process publishes what it
made (``publish.py``).

The child reads the source (a local path, or a presigned URL with range requests) and writes
each rendition's segments, its playlist and the thumbnail into a scratch directory, removed
whatever happens; it reports when the source is open (its length sets the wall-time limit) and
each percent of progress. Cancellation (shutdown, a lost lease) kills the child at once.

AES-128 (``encrypt=True``): a fresh random key per video, stored beside the outputs under
``keys/`` (never under the public HLS prefix); the playlists' key URI is the playback key
endpoint, which hands the key only to an active session of that video.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from academy_video.app.config import RATE_CONTROLS
from academy_video.app.ports import ObjectStorage, TranscodeFailed, TranscodeOutput
from academy_video.domain.video_storage import key_object, outputs_prefix

from . import sandbox
from .encode_pass import PassRequest, transcode_in_child
from .publish import Encryption, publish, summary_of
from .sandbox import Limits
from .source_check import check_source_unchanged, if_match_options

log = logging.getLogger(__name__)

SOURCE_URL_SECONDS = 6 * 3600
GiB = 1024**3


class Cancelled(Exception):
    """The worker was told to stop (shutdown, or its lease was lost)."""


@dataclass(frozen=True)
class TranscodeLimits:
    """What one transcode's child may take: memory, the size of any file it writes, and time: a
    fixed allowance to open the source, then ``base_seconds`` plus ``time_factor`` seconds for
    each second of video (a pass runs several times faster than real time)."""

    memory_bytes: int = 4 * GiB
    file_bytes: int = 4 * GiB
    open_seconds: float = 120.0
    base_seconds: float = 300.0
    time_factor: float = 3.0

    def wall_seconds(self, video_seconds: float) -> float:
        return self.open_seconds + self.base_seconds + self.time_factor * video_seconds


class PyAvTranscoder:
    def __init__(
        self,
        storage: ObjectStorage,
        *,
        preset: str = "veryfast",
        segment_seconds: int = 4,
        gop_seconds: int = 2,
        encrypt: bool = False,
        scratch_root: Path | None = None,
        remux: bool = True,
        max_seconds: float = 8 * 3600,
        limits: TranscodeLimits | None = None,
        on_usage: Callable[[float, float], None] | None = None,
        rate_control: str = "quality",
    ) -> None:
        """``on_usage(cpu_seconds, peak_mib)``: told what each finished pass took;
        ``rate_control``: one of ``ladder.RATE_CONTROLS`` (docs/encoding.md)."""
        if segment_seconds % gop_seconds:
            raise ValueError("segment_seconds must be a multiple of gop_seconds")
        if rate_control not in RATE_CONTROLS:
            raise ValueError(f"rate_control must be one of {RATE_CONTROLS}")
        self.rate_control = rate_control
        self.storage = storage
        self.preset = preset
        self.segment_seconds = segment_seconds
        self.gop_seconds = gop_seconds
        self.encrypt = encrypt
        self.scratch_root = scratch_root
        self.remux = remux
        self.max_seconds = max_seconds
        self.limits = limits or TranscodeLimits()
        self.on_usage = on_usage

    def transcode(
        self,
        *,
        video_id: int,
        tenant: str,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        source_etag: str | None = None,
    ) -> TranscodeOutput:
        scratch = Path(tempfile.mkdtemp(prefix="academy-video-transcode-", dir=self.scratch_root))
        try:
            # A fresh key and IV per video (the muxer's IV would be all zeros).
            encryption = Encryption(os.urandom(16), os.urandom(16)) if self.encrypt else None
            check_source_unchanged(self.storage, source_key, source_etag)
            source = self.storage.source_url(source_key, SOURCE_URL_SECONDS)
            request = PassRequest(
                source=source,
                scratch=str(scratch),
                video_id=video_id,
                key=None if encryption is None else encryption.key,
                iv=None if encryption is None else encryption.iv,
                preset=self.preset,
                segment_seconds=self.segment_seconds,
                gop_seconds=self.gop_seconds,
                remux=self.remux,
                max_seconds=self.max_seconds,
                headers=if_match_options(source, source_etag).get("headers", ""),
                rate_control=self.rate_control,
            )
            try:
                answer = self._pass(request, progress, cancelled)
            except TranscodeFailed:
                # A source replaced mid-read fails the pass (412 from the store): say so.
                check_source_unchanged(self.storage, source_key, source_etag)
                raise
            check_source_unchanged(self.storage, source_key, source_etag)  # before publishing
            return publish(
                self.storage,
                scratch,
                tenant=tenant,
                video_id=video_id,
                encryption=encryption,
                summary=summary_of(answer),
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def discard(self, *, video_id: int, tenant: str) -> None:
        self.storage.delete_prefix(outputs_prefix(tenant, video_id))
        self.storage.delete(key_object(tenant, video_id))

    def _used(self, video_id: int, usage: dict[str, Any]) -> None:
        cpu, peak_mib = _number(usage.get("cpu_seconds")), _number(usage.get("peak_kib")) / 1024
        log.info(
            "transcode: video %s took %.1f s of CPU, %.0f MiB at most", video_id, cpu, peak_mib
        )
        if self.on_usage is not None:
            self.on_usage(cpu, peak_mib)

    def _pass(
        self,
        request: PassRequest,
        progress: Callable[[int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> Any:
        """The pass in the sandbox; its refusals and failures as ``TranscodeFailed``."""
        report_progress = never_decreasing(progress)
        most = self.limits.wall_seconds(self.max_seconds)

        def on_report(kind: str, value: Any) -> float | None:
            if kind == "usage" and isinstance(value, dict):
                self._used(request.video_id, value)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            if kind == "opened":
                return self.limits.wall_seconds(min(max(0.0, value), self.max_seconds))
            if kind == "progress" and report_progress is not None:
                report_progress(max(0, min(99, int(value))))
            return None

        limits = Limits(
            wall_seconds=self.limits.open_seconds,
            cpu_seconds=int(most * (os.cpu_count() or 1)),  # a backstop: wall time decides
            memory_bytes=self.limits.memory_bytes,
            file_bytes=self.limits.file_bytes,
        )
        try:
            return sandbox.run(
                transcode_in_child, (request,), limits, on_report=on_report, cancelled=cancelled
            )
        except sandbox.SandboxRefused as refused:
            reason = "source_unreadable" if refused.reason == "unreadable" else refused.reason
            raise TranscodeFailed(reason) from None
        except sandbox.SandboxFailed as failed:
            if failed.reason == "cancelled":
                raise Cancelled() from None
            log.warning("transcode: video %s stopped by the sandbox (%s)", request.video_id, failed)
            raise TranscodeFailed(failed.reason) from None


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def never_decreasing(progress: Callable[[int], None] | None) -> Callable[[int], None] | None:
    """``progress`` that never reports less than it already has (a second pass restarts at 0)."""
    if progress is None:
        return None
    report = progress
    highest = -1

    def report_if_higher(percent: int) -> None:
        nonlocal highest
        if percent > highest:
            highest = percent
            report(percent)

    return report_if_higher
