"""Published caption tracks in a video's HLS outputs, written when the tracks change
(docs/captions.md, "In the HLS chain").

Each published track is segmented once per file version into
``{outputs}/subtitles/{lang}/v{n}-{token}/`` (``index.m3u8`` last, so its presence means the whole
directory is there), and the master playlist is written again naming exactly the published
tracks. Everything lives under the video's output prefix, so the edge serves, signs and rewrites
it as it does the video's own playlists (a CDN edge included, with nothing to learn), and only a
session's scoped URL reaches it. Drafts stay outside that prefix; a track no longer published
loses its directories.

Writers in several processes may race: each writes from the state it read, then reads the
video's version again and starts over if it moved, so the last master written is the latest
state's. A failure is logged, never raised: the caption change it follows is saved already, and
the next change (or ``sync``) repairs it."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from academy_video.domain.caption_tracks import CaptionStatus
from academy_video.domain.subtitle_playlists import (
    PLAYLIST_NAME,
    SubtitleRendition,
    rendition_dir,
    segment_track,
    with_subtitles,
)
from academy_video.domain.video import Video
from academy_video.domain.video_status import VideoStatus
from academy_video.domain.video_storage import published_prefix

from .ports import CaptionParser, ObjectStorage
from .videos import Videos

log = logging.getLogger(__name__)

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
VTT_TYPE = "text/vtt; charset=utf-8"
SYNC_ATTEMPTS = 5


class SubtitleRenditions:
    def __init__(
        self,
        *,
        videos: Videos,
        storage: ObjectStorage,
        parser: CaptionParser,
        segment_seconds: int,
    ) -> None:
        self.videos = videos
        self.storage = storage
        self.parser = parser
        self.segment_ms = segment_seconds * 1000

    def sync(self, video_id: int, *, gone: str = "") -> None:
        """Bring the video's outputs in line with its published tracks (``gone``: a language
        just removed, whose directories go too). Logs, never raises."""
        try:
            for _ in range(SYNC_ATTEMPTS):
                video = self.videos.get(video_id)
                self._write(video, gone)
                if self.videos.get(video_id).version == video.version:
                    return
            log.warning("subtitle renditions of video %s kept moving; left to the next", video_id)
        except Exception:
            log.exception("subtitle renditions of video %s not written", video_id)

    def _write(self, video: Video, gone: str) -> None:
        if video.status != VideoStatus.READY or self.storage.head(video.hls_path or "-") is None:
            return  # nothing published to add to yet
        prefix = published_prefix(video.tenant, video.video_id, video.hls_path)
        master_dir = video.hls_path.rsplit("/", 1)[0] + "/"
        renditions = []
        for track in video.captions.tracks:
            if track.status != CaptionStatus.PUBLISHED or not track.file_key:
                self.storage.delete_prefix(f"{prefix}subtitles/{track.language}/")
                continue
            directory = prefix + rendition_dir(track.language, track.file_key)
            if self.storage.head(directory + PLAYLIST_NAME) is None:
                self._segment(video, track.file_key, directory)
            uri = directory.removeprefix(master_dir) + PLAYLIST_NAME
            renditions.append(
                SubtitleRendition(track.language, track.label, track.kind, track.default, uri)
            )
        if gone and video.captions.find(gone) is None:
            self.storage.delete_prefix(f"{prefix}subtitles/{gone}/")
        with self.storage.open(video.hls_path) as stored:
            master = stored.read().decode("utf-8")
        written = with_subtitles(master, renditions)
        if written != master:
            self._put(video.hls_path, written, PLAYLIST_TYPE)

    def _segment(self, video: Video, file_key: str, directory: str) -> None:
        with self.storage.open(file_key) as stored:
            cues = self.parser.parse(stored.read()).cues
        duration_ms = int((video.duration or 0) * 1000)
        track = segment_track(cues, segment_ms=self.segment_ms, duration_ms=duration_ms)
        for name, text in track.segments:
            self._put(directory + name, text, VTT_TYPE)
        self._put(directory + PLAYLIST_NAME, track.playlist, PLAYLIST_TYPE)

    def _put(self, key: str, text: str, content_type: str) -> None:
        handle, name = tempfile.mkstemp(suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(text.encode("utf-8"))
            self.storage.put_file(key, Path(name), content_type, move=True)
        finally:
            Path(name).unlink(missing_ok=True)
