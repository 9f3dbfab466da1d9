import pytest

from academy_video.adapters.media.ladder import plan


@pytest.mark.parametrize(
    ("size", "names"),
    [
        ((1920, 1080), ["360p", "720p", "1080p"]),
        ((3840, 2160), ["360p", "720p", "1080p"]),  # no 4K rendition
        ((1280, 720), ["360p", "720p"]),
        ((854, 480), ["360p", "480p"]),  # its own size, between rungs
        ((320, 240), ["240p"]),  # smaller than every rung: only itself
        ((1080, 1920), ["360p", "720p", "1080p"]),  # portrait keeps its shape
    ],
)
def test_renditions_never_exceed_the_source(size: tuple[int, int], names: list[str]) -> None:
    rungs = plan(*size, 30)
    assert [r.name for r in rungs] == names
    for rung in rungs:
        assert rung.height <= size[1] and rung.width <= size[0]
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert abs(rung.width / rung.height - size[0] / size[1]) < 0.02


def test_bitrates_follow_bits_per_pixel_and_frame_rate() -> None:
    [low, high] = plan(1280, 720, 30)
    assert high.video_bitrate == 2_488_000  # 1280 × 720 × 30 × 0.09
    assert low.video_bitrate == 622_000
    assert plan(1280, 720, 60)[1].video_bitrate == 2 * high.video_bitrate
    assert (high.maxrate, high.bufsize) == (high.video_bitrate * 3 // 2, high.video_bitrate * 2)
    assert (low.audio_bitrate, high.audio_bitrate) == (96_000, 128_000)
    with pytest.raises(ValueError, match="size"):
        plan(0, 0, 30)
