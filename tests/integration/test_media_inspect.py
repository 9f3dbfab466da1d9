"""``academy-video media inspect`` on the embedded default (SQLite event store, local disk): a
real transcode of a tiny generated source stores each rung's figures with the completion, the
command prints them (and their JSON), computes them from storage for a video completed without
them (as before they were stored), measures SSIM/PSNR in the sandbox with ``--quality`` (clear
and AES-128 segments), and refuses what it must: a missing video, another tenant's, one not
READY, a playlist naming a segment outside the video's outputs, a source that is no longer a
video, a comparison over its time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from academy_video.adapters.cli import main as cli
from academy_video.adapters.media.ladder_quality import (
    QualityFailed,
    QualityLimits,
    RungTarget,
    measure_quality,
)
from academy_video.app.config import Settings
from academy_video.app.ladder_inspection import LadderInspection
from academy_video.bootstrap import Container, build
from academy_video.domain.video_storage import key_object
from tests.media import make_video

TENANT, LECTURE, SESSION = "demo", 1, 10


@dataclass
class Site:
    container: Container
    data_dir: Path
    tmp: Path

    def upload(self, seconds: float = 3.0, size: tuple[int, int] = (426, 240)) -> int:
        ticket = self.container.uploads.init(
            tenant=TENANT, session_id=SESSION, title="Limits", filename="a.mp4"
        )
        source = make_video(
            self.tmp / f"src-{ticket.video.video_id}.mp4", seconds=seconds, size=size
        )
        self.container.storage.put_file(ticket.file_key, source, "video/mp4")
        self.container.uploads.complete(tenant=TENANT, video_id=ticket.video.video_id)
        return ticket.video.video_id

    def publish(self, video_id: int, *, keep_figures: bool = True) -> list[dict[str, Any]]:
        job = self.container.jobs.claim_next("w1")
        assert job is not None and job.video_id == video_id
        output = self.container.transcoder.transcode(
            video_id=video_id, tenant=TENANT, source_key=job.file_key
        )
        renditions = output.renditions
        if not keep_figures:  # what a completion stored before the figures were
            renditions = [
                {key: r[key] for key in ("name", "width", "height", "bandwidth", "playlist")}
                for r in renditions
            ]
        self.container.jobs.complete(
            video_id,
            "w1",
            hls_path=output.hls_path,
            duration=output.duration,
            thumbnail_key=output.thumbnail_key,
            renditions=renditions,
        )
        return output.renditions


def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> Iterator[Site]:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ACADEMY_VIDEO_DATA_DIR", str(data_dir))
    for name, value in settings.items():
        monkeypatch.setenv(f"ACADEMY_VIDEO_{name.upper()}", str(value).lower())
    container = build(replace(Settings.from_env(), data_dir=data_dir))
    sync = container.directory_sync
    sync.put_lecture(tenant=TENANT, lecture_id=LECTURE, title="Calculus")
    sync.put_session(tenant=TENANT, session_id=SESSION, lecture_id=LECTURE, title="Week 1")
    try:
        yield Site(container, data_dir, tmp_path)
    finally:
        container.close()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from make_site(tmp_path, monkeypatch)


def inspect(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli(["media", "inspect", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_published_ladder_stores_its_figures_and_the_command_prints_them(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    video_id = site.upload()
    renditions = site.publish(video_id)
    storage = site.container.storage
    for rendition in renditions:
        playlist = storage.open(rendition["playlist"]).read().decode()
        segments = [line for line in playlist.splitlines() if line.startswith("seg_")]
        prefix = rendition["playlist"].rsplit("/", 1)[0]
        sizes = [storage.head(f"{prefix}/{name}") for name in segments]
        assert rendition["segments"] == len(segments)
        assert rendition["bytes"] == sum(size.size for size in sizes if size is not None)
        assert rendition["seconds"] == pytest.approx(3.0, abs=0.1)
        average = 8 * rendition["bytes"] / rendition["seconds"]
        assert rendition["average_bandwidth"] == pytest.approx(average, rel=1e-3)
        assert rendition["bandwidth"] >= rendition["average_bandwidth"]

    code, out, _ = inspect(capsys, str(video_id), "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["status"], report["figures"], report["tenant"]) == ("READY", "stored", TENANT)
    assert [r["bytes"] for r in report["rungs"]] == [r["bytes"] for r in renditions]
    first = report["rungs"][0]
    assert first["bytes_per_hour"] == round(first["bytes"] * 3600 / first["seconds"])
    assert report["bytes_per_hour"] == pytest.approx(
        sum(r["bytes_per_hour"] for r in report["rungs"]), abs=len(renditions)
    )

    code, out, _ = inspect(capsys, str(video_id), "--tenant", TENANT)
    assert code == 0
    assert "figures: stored when it was published" in out
    assert f"{first['width']}x{first['height']}" in out
    assert "GB/h" in out and "ladder:" in out


def test_a_video_completed_without_figures_is_measured_from_storage_to_the_same_figures(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    video_id = site.upload()
    renditions = site.publish(video_id, keep_figures=False)
    code, out, _ = inspect(capsys, str(video_id), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["figures"] == "measured"
    for measured, stored in zip(report["rungs"], renditions, strict=True):
        for field in ("name", "width", "height", "bytes", "segments"):
            assert measured[field] == stored[field]
        assert measured["peak_bandwidth"] == stored["bandwidth"]
        assert measured["average_bandwidth"] == pytest.approx(stored["average_bandwidth"], abs=2)
    code, out, _ = inspect(capsys, str(video_id))
    assert "measured from storage (published before the figures were stored)" in out


def test_quality_compares_every_rung_with_the_source_in_the_sandbox(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    video_id = site.upload(seconds=2.0)
    site.publish(video_id)
    code, out, err = inspect(capsys, str(video_id), "--quality", "--json")
    assert code == 0, err
    for rung in json.loads(out)["rungs"]:
        quality = rung["quality"]
        assert 0.8 < quality["ssim_p5"] <= quality["ssim_mean"] <= 1
        assert 25 < quality["psnr_p5"] <= quality["psnr_mean"]
        assert quality["frames"] == quality["source_frames"] == 50
        assert 0 < quality["pictures"] <= 50  # the rung's own: repeats may be left out
    code, out, _ = inspect(capsys, str(video_id), "--quality")
    assert code == 0 and "SSIM mean" in out and "pictures" in out


def test_quality_decrypts_aes_128_segments_with_the_videos_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for site in make_site(tmp_path, monkeypatch, hls_encrypt=True):
        video_id = site.upload(seconds=2.0)
        renditions = site.publish(video_id)
        playlist = site.container.storage.open(renditions[0]["playlist"]).read().decode()
        assert "METHOD=AES-128" in playlist
        code, out, err = inspect(capsys, str(video_id), "--quality", "--json")
        assert code == 0, err
        assert json.loads(out)["rungs"][0]["quality"]["ssim_mean"] > 0.8


def test_a_source_gone_from_storage_is_a_clear_failure(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    video_id = site.upload(seconds=1.0)
    site.publish(video_id)
    site.container.storage.delete(site.container.videos.get(video_id).file_key)
    code, _, err = inspect(capsys, str(video_id), "--quality")
    assert code == 1 and "quality not measured: the source is no longer in storage" in err


def test_missing_another_tenants_and_not_ready_videos_are_refused(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    assert inspect(capsys, "999")[::2] == (1, "academy-video: not found\n")
    video_id = site.upload(seconds=1.0)
    code, _, err = inspect(capsys, str(video_id))
    assert code == 1 and "is UPLOADED, not READY" in err
    site.publish(video_id)
    assert inspect(capsys, str(video_id), "--tenant", "other")[::2] == (
        1,
        "academy-video: not found\n",
    )
    assert inspect(capsys, str(video_id), "--tenant", "../x")[0] == 2
    assert inspect(capsys, "0")[0] == 2


@pytest.mark.parametrize(
    "segment",
    [
        "../../7/360p/seg_00000.ts",
        "/etc/passwd",
        "https://elsewhere.example/seg.ts",
        "..%2F..%2F7%2Fseg.ts",
        "sub/../../../../videos/demo/10/source.mp4",
    ],
)
def test_a_playlist_naming_a_segment_outside_the_videos_outputs_is_refused(
    site: Site, capsys: pytest.CaptureFixture[str], segment: str
) -> None:
    video_id = site.upload(seconds=1.0)
    renditions = site.publish(video_id, keep_figures=False)
    storage = site.container.storage
    key = renditions[0]["playlist"]
    text = storage.open(key).read().decode()
    first = next(line for line in text.splitlines() if line.startswith("seg_"))
    hostile = site.tmp / "hostile.m3u8"
    hostile.write_text(text.replace(first, segment))
    storage.put_file(key, hostile, "application/vnd.apple.mpegurl")
    code, out, err = inspect(capsys, str(video_id))
    assert (code, out) == (1, "")
    assert err.startswith("academy-video: the ladder cannot be read: the playlist names ")
    assert "not one of the video's objects" in err or "outside the video's outputs" in err


def test_a_source_that_is_not_a_video_any_more_is_refused_by_the_sandbox(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    video_id = site.upload(seconds=1.0)
    site.publish(video_id)
    hostile = site.tmp / "hostile.mp4"
    hostile.write_bytes(b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")  # a playlist, not a video
    site.container.storage.put_file(
        site.container.videos.get(video_id).file_key, hostile, "video/mp4"
    )
    code, out, err = inspect(capsys, str(video_id), "--quality")
    assert (code, out) == (1, "")
    assert re.fullmatch(
        r"academy-video: quality not measured: \d+p: the source was refused "
        r"\((unsupported_format|unreadable)\)\n",
        err,
    ), err


def test_a_comparison_over_its_time_is_stopped_with_its_reason(site: Site) -> None:
    video_id = site.upload(seconds=2.0)
    site.publish(video_id)
    video = site.container.videos.get(video_id)
    inspection = LadderInspection(site.container.videos, site.container.storage)
    (name, rung), *_ = inspection.playlists(video)
    # Over its time by the clock or by its CPU, whichever the machine reaches first.
    stopped = rf"^{name}: stopped by the sandbox \((timeout|cpu_limit)\)$"
    with pytest.raises(QualityFailed, match=stopped):
        measure_quality(
            site.container.storage,
            source_key=video.file_key,
            key_key=key_object(TENANT, video_id),
            prefix=inspection.prefix(video),
            rungs=[RungTarget(name, rung.playlist_key, rung.width, rung.height)],
            seconds=2.0,
            limits=QualityLimits(base_seconds=0.05, time_factor=0.0),
        )
