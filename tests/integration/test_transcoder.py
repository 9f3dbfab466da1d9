"""The PyAV transcoder on small generated sources: the outputs parse and decode, durations match,
renditions line up and never upscale, the remux path copies, AES-128 holds, bad sources fail
with a readable reason, and the scratch directory always goes away."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import av
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from academy_video.adapters.media import remux as remux_module
from academy_video.adapters.media.encode_pass import transcode_in_child
from academy_video.adapters.media.transcoder import Cancelled, PyAvTranscoder
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.app.ports import TranscodeFailed, TranscodeOutput
from academy_video.domain.video import key_object
from tests.media import make_video, pass_request

SOURCE = "videos/demo/1/source.mp4"


@pytest.fixture
def storage(tmp_path: Path) -> LocalDiskStorage:
    return LocalDiskStorage(tmp_path / "objects", base_url="http://x", secret="s", max_bytes=10**9)


def run(
    storage: LocalDiskStorage, source: Path, tmp_path: Path, **options: object
) -> TranscodeOutput:
    storage.put_file(SOURCE, source, "video/mp4")
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    transcoder = PyAvTranscoder(storage, scratch_root=scratch, **options)  # type: ignore[arg-type]
    seen: list[int] = []
    try:
        return transcoder.transcode(
            video_id=1, tenant="demo", source_key=SOURCE, progress=seen.append
        )
    finally:
        assert list(scratch.iterdir()) == []  # always cleaned up
        assert seen == sorted(seen)


def attributes(line: str) -> dict[str, str]:
    return dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1]))


def playlist(storage: LocalDiskStorage, key: str) -> list[tuple[float, str]]:
    lines = storage.path(key).read_text().splitlines()
    assert lines[0] == "#EXTM3U" and lines[-1] == "#EXT-X-ENDLIST"
    return [
        (float(lines[i].removeprefix("#EXTINF:").rstrip(",")), lines[i + 1])
        for i in range(len(lines))
        if lines[i].startswith("#EXTINF:")
    ]


def decoded_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
        rate = float(container.streams.video[0].average_rate or 25)
    return frames / rate


def test_a_two_rung_ladder_that_parses_decodes_and_lines_up(
    storage: LocalDiskStorage, tmp_path: Path
) -> None:
    source = make_video(tmp_path / "src.mp4", seconds=12, size=(854, 480), gop_seconds=10)
    output = run(storage, source, tmp_path)
    assert output.hls_path == "hls/demo/videos/1/master.m3u8"
    assert output.duration == pytest.approx(12.0, abs=0.04)  # within a frame at 25 fps

    master = storage.path(output.hls_path).read_text().splitlines()
    streams = [
        (attributes(master[i]), master[i + 1])
        for i in range(len(master))
        if master[i].startswith("#EXT-X-STREAM-INF")
    ]
    assert [uri for _, uri in streams] == ["360p/index.m3u8", "480p/index.m3u8"]
    for (attrs, _uri), rendition in zip(streams, output.renditions, strict=True):
        width, height = map(int, attrs["RESOLUTION"].split("x"))
        assert height <= 480 and width <= 854  # never upscaled
        assert (rendition["width"], rendition["height"]) == (width, height)
        assert int(attrs["BANDWIDTH"]) >= int(attrs["AVERAGE-BANDWIDTH"]) > 0
        assert re.fullmatch(r'"avc1\.[0-9a-f]{6},mp4a\.40\.2"', attrs["CODECS"])

    lists = {uri: playlist(storage, f"hls/demo/videos/1/{uri}") for _, uri in streams}
    durations = [[seconds for seconds, _ in entries] for entries in lists.values()]
    assert durations[0] == durations[1]  # segments line up across renditions
    assert all(d <= 4.0 + 1e-6 for d in durations[0]) and sum(durations[0]) == pytest.approx(
        12.0, abs=0.04
    )
    for uri, entries in lists.items():
        total = sum(
            decoded_seconds(storage.path(f"hls/demo/videos/1/{uri.rsplit('/', 1)[0]}/{name}"))
            for _, name in entries
        )
        assert total == pytest.approx(12.0, abs=0.04)
    thumbnail = storage.path(output.thumbnail_key).read_bytes()
    assert thumbnail[:2] == b"\xff\xd8"  # a JPEG


def test_the_remux_path_serves_the_top_rung_from_the_source_itself(
    storage: LocalDiskStorage, tmp_path: Path
) -> None:
    source = make_video(tmp_path / "src.mp4", seconds=6, size=(854, 480), gop_seconds=2)
    output = run(storage, source, tmp_path, rate_control="fixed")  # quality: see below
    lines = storage.path(output.hls_path).read_text().splitlines()
    top = next(line for line in lines if "480" in line)
    # The source was encoded with the ultrafast preset, i.e. Constrained Baseline: copied, not
    # re-encoded (our encodes are High profile).
    assert 'CODECS="avc1.42c0' in top
    low, high = (
        playlist(storage, f"hls/demo/videos/1/{name}/index.m3u8") for name in ("360p", "480p")
    )
    assert [s for s, _ in low] == [s for s, _ in high]
    total = sum(decoded_seconds(storage.path(f"hls/demo/videos/1/480p/{name}")) for _, name in high)
    assert total == pytest.approx(6.0, abs=0.04)


@pytest.mark.parametrize(("crf", "copied"), [(None, False), (45, True)])
def test_under_quality_only_a_source_within_the_cap_is_copied(
    storage: LocalDiskStorage, tmp_path: Path, crf: int | None, copied: bool
) -> None:
    # ultrafast's test pattern at 854x480 is ~3 Mb/s, over the 480p rung's cap (0.95 x 922
    # kb/s): copied, that rung would spend more than the cap allows and no saving would reach
    # it. At CRF 45 it is well under: copied, as the fixed ladder copies any copyable source.
    source = make_video(tmp_path / "src.mp4", seconds=6, size=(854, 480), gop_seconds=2, crf=crf)
    output = run(storage, source, tmp_path, rate_control="quality")
    top = next(x for x in storage.path(output.hls_path).read_text().splitlines() if "480" in x)
    assert ('CODECS="avc1.42c0' in top) is copied
    assert ('CODECS="avc1.64' in top) is not copied  # our own encodes are High profile


@pytest.mark.parametrize("seconds", [6.0, 1.5])
def test_a_copy_only_job_copies_every_packet_and_still_makes_a_thumbnail(
    storage: LocalDiskStorage, tmp_path: Path, seconds: float
) -> None:
    """A source that is its own single rung: no picture is encoded. The thumbnail comes from a
    keyframe met on the pass (6 s) or, with no keyframe after its time, a seek (1.5 s)."""
    source = make_video(tmp_path / "src.mp4", seconds=seconds, size=(320, 240), gop_seconds=2)
    output = run(storage, source, tmp_path, rate_control="fixed")
    master = storage.path(output.hls_path).read_text()
    assert master.count("#EXT-X-STREAM-INF") == 1 and 'CODECS="avc1.42c0' in master
    segments = playlist(storage, "hls/demo/videos/1/240p/index.m3u8")
    total = sum(decoded_seconds(storage.path(f"hls/demo/videos/1/240p/{n}")) for _, n in segments)
    assert total == pytest.approx(seconds, abs=0.04)
    assert output.duration == pytest.approx(seconds, abs=0.04)
    with av.open(str(storage.path(output.thumbnail_key))) as thumbnail:
        picture = next(thumbnail.decode(video=0))
        assert (picture.width, picture.height) == (320, 240)


def test_a_copy_only_job_with_sparse_keyframes_is_encoded_after_all(
    storage: LocalDiskStorage, tmp_path: Path
) -> None:
    """Keyframes 8 s apart would make 8 s segments: found on the pass, which starts over."""
    source = make_video(tmp_path / "src.mp4", seconds=10, size=(320, 240), gop_seconds=8)
    # Progress stays monotonic across both passes (fixed: quality copies only within the cap).
    output = run(storage, source, tmp_path, rate_control="fixed")
    master = storage.path(output.hls_path).read_text()
    assert 'CODECS="avc1.64' in master  # encoded by us (High profile), not copied
    segments = playlist(storage, "hls/demo/videos/1/240p/index.m3u8")
    assert max(seconds for seconds, _ in segments) <= 4.1


def test_a_copy_only_job_reports_progress_and_can_be_cancelled(
    storage: LocalDiskStorage, tmp_path: Path
) -> None:
    source = make_video(tmp_path / "src.mp4", seconds=6, size=(320, 240), gop_seconds=2)
    storage.put_file(SOURCE, source, "video/mp4")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    transcoder = PyAvTranscoder(storage, scratch_root=scratch, rate_control="fixed")
    seen: list[int] = []
    transcoder.transcode(video_id=1, tenant="demo", source_key=SOURCE, progress=seen.append)
    assert seen == sorted(set(seen)) and len(seen) > 50 and 95 <= seen[-1] <= 99
    with pytest.raises(Cancelled):
        transcoder.transcode(
            video_id=2, tenant="demo", source_key=SOURCE, cancelled=lambda: len(seen) > 60
        )
    assert list(scratch.iterdir()) == []


class RecordingLibc:
    """Stands in for glibc: records the allocator settings made."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[int, ...]]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append(("mallopt", (parameter, value)))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", (pad,)))
        return 1


class Stopped(Exception):
    pass


def pass_here(
    storage: LocalDiskStorage, tmp_path: Path, *, remux: bool = True, stop_at: int = 100
) -> None:
    """The sandboxed child's pass, run in this process (to watch what it does to the allocator);
    it raises ``Stopped`` once progress passes ``stop_at``."""
    scratch = tmp_path / "pass"
    scratch.mkdir()

    def report(kind: str, value: object) -> None:
        if kind == "progress" and isinstance(value, int) and value > stop_at:
            raise Stopped()

    request = pass_request(storage.path(SOURCE), scratch, remux=remux)
    try:
        transcode_in_child(request, report)
    finally:
        shutil.rmtree(scratch)


@pytest.mark.parametrize("stop", [False, True])
def test_the_allocator_is_tuned_for_a_copy_only_pass_and_put_back_after(
    storage: LocalDiskStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: bool
) -> None:
    libc = RecordingLibc()
    monkeypatch.setattr(remux_module, "_libc", lambda: libc)
    for name in [n for n in os.environ if n == "GLIBC_TUNABLES" or n.startswith("MALLOC_")]:
        monkeypatch.delenv(name)
    source = make_video(tmp_path / "src.mp4", seconds=4, size=(320, 240), gop_seconds=2)
    storage.put_file(SOURCE, source, "video/mp4")
    try:
        pass_here(storage, tmp_path, stop_at=50 if stop else 100)
    except Stopped:
        assert stop
    tuned = [("mallopt", setting) for setting in remux_module.MALLOC_FOR_COPYING]
    restored = [("mallopt", setting) for setting in remux_module.MALLOC_DEFAULTS]
    assert libc.calls == [*tuned, *restored, ("malloc_trim", (0,))]
    # An encoding job leaves the allocator alone.
    libc.calls.clear()
    pass_here(storage, tmp_path, remux=False)
    assert libc.calls == []
    # An operator's own tuning (glibc tunables, MALLOC_*_ variables) is left as it is.
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    pass_here(storage, tmp_path)
    assert libc.calls == []


def _decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    return plain[: -plain[-1]]  # PKCS#7


def test_aes_128_segments_need_the_key(storage: LocalDiskStorage, tmp_path: Path) -> None:
    source = make_video(tmp_path / "src.mp4", seconds=4, size=(320, 240))
    output = run(storage, source, tmp_path, encrypt=True)
    key = storage.path(key_object("demo", 1)).read_bytes()
    assert len(key) == 16
    assert not any(
        key in p.read_bytes()
        for p in storage.path("hls/demo/videos/1/master.m3u8").parent.rglob("*")
        if p.is_file()
    )
    text = storage.path("hls/demo/videos/1/240p/index.m3u8").read_text()
    line = next(line for line in text.splitlines() if line.startswith("#EXT-X-KEY"))
    attrs = attributes(line)
    assert attrs["METHOD"] == "AES-128" and attrs["URI"] == '"/api/v1/playback/key/1"'
    iv = bytes.fromhex(attrs["IV"].removeprefix("0x"))
    assert iv != bytes(16)
    segment = storage.path("hls/demo/videos/1/240p/seg_00000.ts")
    with pytest.raises(av.error.FFmpegError), av.open(str(segment)) as container:
        list(container.decode(video=0))
    clear = tmp_path / "clear.ts"
    clear.write_bytes(_decrypt(segment.read_bytes(), key, iv))
    assert decoded_seconds(clear) > 0
    assert output.duration == pytest.approx(4.0, abs=0.04)


def test_a_source_cut_short_fails_with_a_readable_reason(
    storage: LocalDiskStorage, tmp_path: Path
) -> None:
    whole = make_video(tmp_path / "whole.mp4", seconds=6, size=(320, 240))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(
        TranscodeFailed, match=r"^source_truncated: only [0-9.]+ s of 6\.0 s could be decoded$"
    ):
        run(storage, cut, tmp_path)
    assert storage.head("hls/demo/videos/1/master.m3u8") is None  # nothing published


def test_a_source_that_is_not_media_fails_with_a_readable_reason(
    storage: LocalDiskStorage, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_text("not a video")
    with pytest.raises(TranscodeFailed, match=r"^source_unreadable$") as failed:
        run(storage, junk, tmp_path)
    assert str(tmp_path) not in str(failed.value)  # for S3, the name is a presigned URL
