"""The ladder made by the service's own transcoder, for the harness to measure: the source
placed in a local storage, ``PyAvTranscoder`` run on it (sandboxed pass, published outputs, clear
segments, the remux path off so that every rung is encoded), and the published master playlist
returned."""

from __future__ import annotations

import os
from pathlib import Path

from academy_video.adapters.media.transcoder import PyAvTranscoder
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.domain.video_storage import outputs_prefix

TENANT = "corpus"
SOURCE_KEY = f"videos/{TENANT}/1/source.mp4"


def storage_in(workdir: Path) -> LocalDiskStorage:
    return LocalDiskStorage(workdir / "objects", base_url="http://x", secret="s", max_bytes=2**40)


def place_source(storage: LocalDiskStorage, source: Path) -> str:
    """``source`` in ``storage`` as a hard link (no copy of a large lossless file)."""
    placed = storage.path(SOURCE_KEY)
    if not placed.exists():
        placed.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, placed)
    return SOURCE_KEY


def master_playlist(workdir: Path, *, tenant: str = TENANT, video_id: int = 1) -> Path:
    """Where the transcoder published ``video_id``'s master playlist under ``workdir``."""
    return storage_in(workdir).path(outputs_prefix(tenant, video_id) + "master.m3u8")


def transcode_to_hls(
    source: Path, workdir: Path, *, preset: str = "veryfast", rate_control: str = "quality"
) -> Path:
    """The ladder of ``source`` under ``rate_control`` (``fixed``: the ladder before issue 23),
    published under ``workdir``: its master playlist."""
    storage = storage_in(workdir)
    key = place_source(storage, source)
    scratch = workdir / "scratch"
    scratch.mkdir(exist_ok=True)
    transcoder = PyAvTranscoder(
        storage, preset=preset, remux=False, scratch_root=scratch, rate_control=rate_control
    )
    transcoder.transcode(video_id=1, tenant=TENANT, source_key=key)
    return master_playlist(workdir)
