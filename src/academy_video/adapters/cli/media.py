"""``academy-video media inspect <video id>``: a published video's ladder, rung by rung: its
resolution, peak and average bitrate, bytes, bytes per hour and segments, and the ladder's total
bytes per hour; ``--quality`` adds SSIM and PSNR against the stored source (decoded in the
sandbox: ``adapters/media/ladder_quality.py``); ``--json`` for machines.

The operator's view: any tenant's video, or with ``--tenant`` only that tenant's. Exit 1: no such
video (or another tenant's), not READY, or its ladder or source cannot be read; exit 2: a bad
argument.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from academy_video.app.config import Settings
from academy_video.app.errors import NotFound
from academy_video.app.ladder_inspection import LadderInspection, LadderReport, NotReady
from academy_video.app.videos import Videos
from academy_video.domain.ladder_figures import GIGABYTE, LadderRefused, RungFigures

from .common import Subcommands, refuse


def add_commands(commands: Subcommands) -> None:
    media = commands.add_parser("media", help="a published video's outputs (docs/operations.md)")
    actions = media.add_subparsers(dest="action", required=True)
    inspect = actions.add_parser(
        "inspect", help="a READY video's ladder: bitrates, bytes, bytes per hour (quality)"
    )
    inspect.add_argument("video_id", type=int)
    inspect.add_argument("--tenant", help="only this tenant's video (default: any tenant's)")
    inspect.add_argument(
        "--quality",
        action="store_true",
        help="SSIM and PSNR of every rung against the stored source (decodes it: slow)",
    )
    inspect.add_argument("--json", action="store_true", help="one JSON object, for machines")
    inspect.set_defaults(run=run_inspect)


def run_inspect(args: argparse.Namespace, settings: Settings) -> int:
    from academy_video.bootstrap import open_applications
    from academy_video.bootstrap.from_settings import object_storage
    from academy_video.domain.ids import TENANT_CODE, is_tenant_code

    if args.video_id <= 0:
        return refuse("the video id must be positive")
    if args.tenant is not None and not is_tenant_code(args.tenant):
        return refuse(f"--tenant must be a tenant code ({TENANT_CODE})")
    apps = open_applications(settings)
    try:
        videos = next(app for app in apps if isinstance(app, Videos))
        inspection = LadderInspection(videos, object_storage(settings))
        try:
            report = inspection.inspect(args.video_id, args.tenant)
            quality = _quality(inspection, report, args.tenant) if args.quality else {}
        except NotFound:
            return _fail("not found")
        except NotReady as not_ready:
            return _fail(str(not_ready))
        except LadderRefused as refused:
            return _fail(f"the ladder cannot be read: {refused}")
        except QualityError as failed:
            return _fail(f"quality not measured: {failed}")
    finally:
        for app in apps:
            app.close()
    if args.json:
        print(json.dumps(as_json(report, quality), ensure_ascii=False))
    else:
        print("\n".join(as_lines(report, quality)))
    return 0


class QualityError(Exception):
    """``--quality`` could not compare (the message says why)."""


def _quality(
    inspection: LadderInspection, report: LadderReport, tenant: str | None
) -> dict[str, dict[str, float]]:
    from academy_video.adapters.media.ladder_quality import (
        QualityFailed,
        RungTarget,
        measure_quality,
    )
    from academy_video.domain.video_storage import key_object

    video = inspection.video(report.video_id, tenant)
    targets = [
        RungTarget(name, rung.playlist_key, rung.width, rung.height)
        for name, rung in inspection.playlists(video)
    ]
    try:
        scores = measure_quality(
            inspection.storage,
            source_key=video.file_key,
            key_key=key_object(video.tenant, video.video_id),
            prefix=inspection.prefix(video),
            rungs=targets,
            seconds=video.duration or 0.0,
        )
    except QualityFailed as failed:
        raise QualityError(str(failed)) from None
    return {
        name: {
            "ssim_mean": round(score.ssim_mean, 5),
            "ssim_p5": round(score.ssim_p5, 5),
            "psnr_mean": round(score.psnr_mean, 2),
            "psnr_p5": round(score.psnr_p5, 2),
            "frames": score.frames,
            "source_frames": score.source_frames,
            "pictures": score.pictures,
        }
        for name, score in scores.items()
    }


def _fail(message: str) -> int:
    print(f"academy-video: {message}", file=sys.stderr)
    return 1


def as_json(report: LadderReport, quality: dict[str, dict[str, float]]) -> dict[str, Any]:
    return {
        "video_id": report.video_id,
        "tenant": report.tenant,
        "status": report.status,
        "duration": report.duration,
        "figures": "measured" if report.measured else "stored",
        "bytes_per_hour": round(report.bytes_per_hour),
        "rungs": [
            {
                "name": rung.name,
                "width": rung.width,
                "height": rung.height,
                "peak_bandwidth": rung.peak_bandwidth,
                "average_bandwidth": rung.average_bandwidth,
                "bytes": rung.bytes,
                "seconds": rung.seconds,
                "segments": rung.segments,
                "bytes_per_hour": round(rung.bytes_per_hour),
                **({"quality": quality[rung.name]} if rung.name in quality else {}),
            }
            for rung in report.rungs
        ],
    }


def as_lines(report: LadderReport, quality: dict[str, dict[str, float]]) -> list[str]:
    duration = "unknown" if report.duration is None else f"{report.duration:.3f} s"
    lines = [
        f"video {report.video_id} (tenant {report.tenant}): {report.status}, duration {duration}",
        "figures: stored when it was published"
        if not report.measured
        else "figures: measured from storage (published before the figures were stored)",
    ]
    header = ["rung", "resolution", "peak kb/s", "avg kb/s", "bytes", "GB/h", "segments"]
    if quality:
        header += ["SSIM mean", "SSIM p5", "PSNR mean", "PSNR p5", "pictures"]
    rows = [header] + [_row(rung, quality.get(rung.name)) for rung in report.rungs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += [
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.append(f"ladder: {report.bytes_per_hour / GIGABYTE:.3f} GB/h (every rung)")
    return lines


def _row(rung: RungFigures, scores: dict[str, float] | None) -> list[str]:
    row = [
        rung.name,
        f"{rung.width}x{rung.height}",
        f"{rung.peak_bandwidth / 1000:,.0f}",
        f"{rung.average_bandwidth / 1000:,.0f}",
        f"{rung.bytes:,}",
        f"{rung.gigabytes_per_hour:.3f}",
        str(rung.segments),
    ]
    if scores is not None:
        row += [
            f"{scores['ssim_mean']:.4f}",
            f"{scores['ssim_p5']:.4f}",
            f"{scores['psnr_mean']:.2f}",
            f"{scores['psnr_p5']:.2f}",
            f"{scores['pictures']:.0f}",
        ]
    return row
