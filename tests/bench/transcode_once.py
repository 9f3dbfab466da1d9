"""Run our transcoder once, in its own process (so the benchmark can read its peak memory):
``python transcode_once.py SOURCE WORKDIR remux|encode [quality|fixed]`` (the rate control:
the service's default unless named). Prints the wall and CPU seconds of the
transcode itself (this process's and its sandboxed child's; the interpreter's start and placing
the source in storage are setup) and the child's peak memory in MiB."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from academy_video.adapters.media import sandbox
from academy_video.adapters.media.transcoder import PyAvTranscoder
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.app.config import RATE_CONTROLS


def main() -> None:
    source, workdir, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    rate_control = sys.argv[4] if len(sys.argv) > 4 else RATE_CONTROLS[0]
    storage = LocalDiskStorage(
        workdir / "objects", base_url="http://x", secret="s", max_bytes=2**40
    )
    # The source is placed in storage as a hard link: the job reads the very file the CLI reads,
    # in the same state of the page cache. A fresh copy read back cost up to 0.15 s of CPU more in
    # some runs (and then the write-back of the copy competes with the job's writes).
    key = "videos/bench/1/source.mp4"
    placed = storage.path(key)
    if not placed.exists():  # a repeat in the same work directory
        placed.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, placed)
    used: list[tuple[float, float]] = []  # the sandboxed pass's CPU seconds and peak MiB
    transcoder = PyAvTranscoder(
        storage,
        preset="veryfast",
        remux=mode == "remux",
        scratch_root=workdir,
        on_usage=lambda cpu, peak: used.append((cpu, peak)),
        rate_control=rate_control,
    )
    sandbox.warm()  # started with the service, long before a job
    wall, cpu = time.perf_counter(), time.process_time()
    transcoder.transcode(video_id=1, tenant="bench", source_key=key)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    [(child_cpu, child_peak)] = used
    print(wall, cpu + child_cpu, child_peak)


if __name__ == "__main__":
    main()
