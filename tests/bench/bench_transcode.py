"""Our PyAV transcoder against the ffmpeg CLI on the same input, in one run.

Each on two sources (``CONTENT``): a clean test pattern, and the same under heavy grain.

- Ladder: a 60 s 720p30 H.264/AAC source → 360p + 720p (x264 veryfast, the service's default rate
  control with the same options per rung, one keyframe per 4 s segment, no scene cuts, 4 s HLS
  segments, audio copied), ours with the remux path off vs one
  equivalent ffmpeg command (split → scale → two x264 encodes → two hls muxers).
- Remux: a 5-minute 360p source that only needs copying into HLS, ours vs ``ffmpeg -c copy``.
- Memory: our peak RSS encoding a 1-minute and a 10-minute 360p source.

The CLI is the static ffmpeg of the PyPI package imageio-ffmpeg (installed by ``make bench`` from
requirements-bench.lock only); its FFmpeg version is printed beside PyAV's, as they differ.
Each run is a child process, measured with ``os.wait4`` (peak RSS; wall and CPU for the CLI);
ours reports the wall and CPU time of the transcode call itself (interpreter start excluded).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av
import imageio_ffmpeg

from academy_video.adapters.media import sandbox
from academy_video.adapters.media.encode_pass import transcode_in_child
from academy_video.adapters.media.ladder import plan
from academy_video.app.config import RATE_CONTROLS
from tests.bench.figures import record
from tests.media import pass_request

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
# Ours runs the service's default rate control; the CLI is given the same options per rung
# (``Rung.rate_options``) and the same keyframe interval: one per 4 s segment at 30 fps.
RATE_CONTROL = RATE_CONTROLS[0]
GOP_FRAMES = 4 * 30 if RATE_CONTROL == "quality" else 2 * 30
HERE = Path(__file__).parent


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float


def measure(command: list[str], *, reports_own_time: bool = False) -> Run:
    """Wall, CPU and peak RSS of a child process (or the times it reports itself)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode()[-2000:] if process.stderr else ""
        raise RuntimeError(f"{command[0]} failed: {error}")
    cpu, rss_mib = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
    if reports_own_time:  # ours: the work is in the sandboxed child, which reports its own
        wall, cpu, child_mib = (float(x) for x in out.split())
        rss_mib = max(rss_mib, child_mib)
    return Run(wall, cpu, rss_mib)


def best(command: list[str], repeats: int = 2, *, reports_own_time: bool = False) -> Run:
    runs = [measure(command, reports_own_time=reports_own_time) for _ in range(repeats)]
    return min(runs, key=lambda r: r.wall)


def make_source(path: Path, *, size: str, seconds: int, preset: str, noise: int = 0) -> Path:
    subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate=30:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            *(["-vf", f"noise=alls={noise}:allf=t"] if noise else []),
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
    )
    return path


def ours(source: Path, mode: str, repeats: int = 2) -> Run:
    with tempfile.TemporaryDirectory() as work:
        command = [
            sys.executable,
            str(HERE / "transcode_once.py"),
            str(source),
            work,
            mode,
            # Copying is the same under both; under ``quality`` only a source within the rung's
            # cap is copied (ladder.py: Rung.may_copy), and this one is measured as copied.
            "fixed" if mode == "remux" else RATE_CONTROL,
        ]
        return best(command, repeats, reports_own_time=True)


def cli_ladder(source: Path) -> Run:
    rungs = plan(1280, 720, 30)
    with tempfile.TemporaryDirectory() as out:
        chains = ";".join(
            f"[s{i}]scale={r.width}:{r.height},format=yuv420p[v{i}]" for i, r in enumerate(rungs)
        )
        split = f"[0:v]split={len(rungs)}" + "".join(f"[s{i}]" for i in range(len(rungs)))
        command = [
            FFMPEG,
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-filter_complex",
            f"{split};{chains}",
        ]
        for i, r in enumerate(rungs):
            Path(out, r.name).mkdir()
            bit_rate, options = r.rate_options(RATE_CONTROL)
            rate = ["-b:v", str(bit_rate)] if bit_rate else []
            for option, value in options.items():
                rate += [f"-{option}", value]
            command += [
                "-map",
                f"[v{i}]",
                "-map",
                "0:a",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                *rate,
                "-g",
                str(GOP_FRAMES),
                "-keyint_min",
                str(GOP_FRAMES),
                "-sc_threshold",
                "0",
                "-c:a",
                "copy",
                "-f",
                "hls",
                "-hls_time",
                "4",
                "-hls_playlist_type",
                "vod",
                "-hls_flags",
                "independent_segments",
                "-max_delay",
                "700000",
                "-hls_segment_filename",
                f"{out}/{r.name}/seg_%05d.ts",
                f"{out}/{r.name}/index.m3u8",
            ]
        return best(command)


def cli_remux(source: Path, repeats: int = 2) -> Run:
    with tempfile.TemporaryDirectory() as out:
        return best(
            [
                FFMPEG,
                "-v",
                "error",
                "-y",
                "-i",
                str(source),
                "-c",
                "copy",
                "-f",
                "hls",
                "-hls_time",
                "4",
                "-hls_playlist_type",
                "vod",
                "-hls_flags",
                "independent_segments",
                "-hls_segment_filename",
                f"{out}/seg_%05d.ts",
                f"{out}/index.m3u8",
            ],
            repeats,
        )


# What the sources look like: a clean test pattern (a lecture's slides and speaker are closer to
# it than to noise) and the same pattern under heavy temporal grain (every frame's residue
# differs: x264's worst case, and 5.5× the bytes for a copy to move).
CONTENT = (("test pattern", 0), ("heavy grain", 12))


def bench_ladder(work: Path, content: str, noise: int) -> None:
    source = make_source(
        work / f"720p-{noise}.mp4", size="1280x720", seconds=60, preset="veryfast", noise=noise
    )
    a, b = ours(source, "encode"), cli_ladder(source)
    print(f"ladder 720p30 60 s ({content}) → 360p+720p: wall s, cpu s, peak MiB, × realtime")
    for name, run in (("ours (PyAV)", a), ("ffmpeg CLI", b)):
        figures = f"{run.wall:8.2f} {run.cpu:7.2f} {run.rss_mib:9.0f} {60 / run.wall:9.1f}"
        print(f"  {name:21}{figures}")
    print(f"  ratio ours/CLI: wall {a.wall / b.wall:.2f}×, cpu {a.cpu / b.cpu:.2f}×")
    # The capacity model's worker cores: CPU seconds per minute of a 60 s source.
    suffix = "" if noise == 0 else "_heavy_grain"
    note = f"our ladder (360p + 720p, veryfast) on a 60 s 720p30 {content} source"
    record(
        f"transcode.cpu_s_per_source_min{suffix}",
        a.cpu,
        "CPU s",
        bench="bench_transcode",
        note=note,
    )
    record(
        f"transcode.realtime{suffix}", 60 / a.wall, "x realtime", bench="bench_transcode", note=note
    )


def bench_remux(work: Path, content: str, noise: int) -> None:
    name = f"360p-5min-{noise}.mp4"
    source = make_source(work / name, size="640x360", seconds=300, preset="ultrafast", noise=noise)
    # A sub-second run varies by ±20 % here: alternate the two, 7 times each.
    pairs = [(ours(source, "remux", 1), cli_remux(source, 1)) for _ in range(7)]
    a = min((p[0] for p in pairs), key=lambda r: r.wall)
    b = min((p[1] for p in pairs), key=lambda r: r.wall)
    ratios = sorted(p[0].wall / p[1].wall for p in pairs)
    megabytes = source.stat().st_size / 1e6
    print(f"remux 360p 5 min ({content}, {megabytes:.0f} MB): wall s, cpu s, peak MiB (best of 7)")
    print(f"  ours (PyAV)             {a.wall:7.3f} {a.cpu:7.3f} {a.rss_mib:9.0f}")
    print(f"  ffmpeg -c copy          {b.wall:7.3f} {b.cpu:7.3f} {b.rss_mib:9.0f}")
    print(
        f"  ratio ours/CLI: wall {a.wall / b.wall:.2f}× (best vs best), "
        f"median of pairs {ratios[3]:.2f}×"
    )


def bench_sandbox_cost(work: Path) -> None:
    """The sandbox's cost on a whole ladder: the same pass in this process and in a sandboxed
    child (a warm fork server, as in serve), alternating, on the 720p test pattern."""
    source = work / "720p-0.mp4"
    sandbox.warm()
    limits = sandbox.Limits(3600, 36000, 4 * 1024**3, 4 * 1024**3)
    pairs = []
    for _ in range(3):
        walls = []
        for isolated in (False, True):
            with tempfile.TemporaryDirectory(dir=work) as scratch:
                request = pass_request(
                    source, scratch, rate_control=RATE_CONTROL, max_seconds=36000
                )
                started = time.perf_counter()
                if isolated:
                    sandbox.run(transcode_in_child, (request,), limits)
                else:
                    transcode_in_child(request, lambda kind, value: None)
                walls.append(time.perf_counter() - started)
        pairs.append((walls[0], walls[1]))
    ratios = sorted(child / here for here, child in pairs)
    print("sandbox cost, 720p ladder pass (test pattern): wall s in process, in the sandbox")
    for here, child in pairs:
        print(f"  {here:8.2f} {child:8.2f}  ({child / here:.3f}×)")
    print(f"  median ratio sandbox/in process: {ratios[1]:.3f}×")


def main() -> int:
    cli_version = subprocess.run(
        [FFMPEG, "-version"], capture_output=True, text=True
    ).stdout.split()[2]
    print(f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}) vs ffmpeg CLI {cli_version}")
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        for content, noise in CONTENT:
            bench_ladder(work, content, noise)
        for content, noise in CONTENT:
            bench_remux(work, content, noise)

        short = make_source(work / "360p-1min.mp4", size="640x360", seconds=60, preset="ultrafast")
        long = make_source(work / "360p-10min.mp4", size="640x360", seconds=600, preset="ultrafast")
        one, ten = ours(short, "encode"), ours(long, "encode")
        print("memory, encoding 360p (test pattern)   1 min     10 min")
        ratio = ten.rss_mib / one.rss_mib
        print(
            f"  peak RSS MiB                     {one.rss_mib:7.0f} {ten.rss_mib:10.0f}"
            f"  (ratio {ratio:.2f})"
        )
        # Last: it runs a pass in this process, whose peak memory every process started after
        # it would report as its own (a peak survives exec).
        bench_sandbox_cost(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
