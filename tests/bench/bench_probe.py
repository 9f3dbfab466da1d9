"""The sandbox's cost per probe: the same probe of the same files, in this process and in a
sandboxed child (what ``upload/complete`` does), in one run.

In process: ``probe_in_child`` called here (the same opening rules and inspection, no child).
In the sandbox: ``PyAvProbe.probe``, a child forked from the warm fork server (as in ``serve``,
which starts it at start-up), its limits set, its answer checked. Target: under 100 ms more per
probe (docs/benchmarks.md).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from academy_video.adapters.media import sandbox
from academy_video.adapters.media.probe import PyAvProbe, probe_in_child
from tests.media import make_video

REPEATS = 40


def timed(probe: Callable[[], object]) -> float:
    """The median of ``REPEATS`` calls, in milliseconds."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        probe()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    sandbox.warm()
    probe = PyAvProbe()
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        sources = {
            "720p 60 s MP4 (faststart)": make_video(
                work / "faststart.mp4", seconds=60, size=(1280, 720)
            ),
            "720p 60 s MP4 (index at the end)": make_video(
                work / "late.mp4", seconds=60, size=(1280, 720), faststart=False
            ),
            "not media (text)": work / "notes.mp4",
        }
        sources["not media (text)"].write_text("a lecture's notes, not its video\n")
        print(f"probe, median of {REPEATS} (ms): in process, sandboxed child, difference")
        worst = 0.0
        for name, path in sources.items():

            def here(path: Path = path) -> object:
                try:
                    return probe_in_child(str(path), 8 * 3600, lambda kind, value: None)
                except sandbox.Refusal as refusal:
                    return refusal.reason

            def sandboxed(path: Path = path) -> object:
                return probe.probe(str(path))

            inline, child = timed(here), timed(sandboxed)
            worst = max(worst, child - inline)
            print(f"  {name:34} {inline:7.1f} {child:8.1f} {child - inline:+8.1f}")
        verdict = "met" if worst < 100 else "NOT met"
        print(f"  target: under 100 ms more per probe: {verdict} (worst {worst:+.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
