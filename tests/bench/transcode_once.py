"""Run our transcoder once, in its own process (so the benchmark can read its peak memory):
``python transcode_once.py SOURCE WORKDIR remux|encode``. Prints the wall and CPU seconds of the
transcode itself (the interpreter's start and placing the source in storage are setup)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from academy_video.adapters.media.transcoder import PyAvTranscoder
from academy_video.adapters.storage.local import LocalDiskStorage


def main() -> None:
    source, workdir, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    storage = LocalDiskStorage(
        workdir / "objects", base_url="http://x", secret="s", max_bytes=2**40
    )
    storage.put_file("videos/bench/1/source.mp4", source, "video/mp4")
    transcoder = PyAvTranscoder(
        storage, preset="veryfast", remux=mode == "remux", scratch_root=workdir
    )
    wall, cpu = time.perf_counter(), time.process_time()
    transcoder.transcode(video_id=1, tenant="bench", source_key="videos/bench/1/source.mp4")
    print(time.perf_counter() - wall, time.process_time() - cpu)


if __name__ == "__main__":
    main()
