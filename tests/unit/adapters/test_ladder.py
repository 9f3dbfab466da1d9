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


def test_each_rate_control_sets_the_rungs_encoder() -> None:
    [low, high] = plan(1280, 720, 30)
    # fixed: the bits-per-pixel rate on average, maxrate 1.5x, a 2x buffer (as before issue 23)
    assert high.rate_options("fixed") == (
        high.video_bitrate,
        {"maxrate": str(high.maxrate), "bufsize": str(high.bufsize)},
    )
    # quality: no average bitrate, a CRF per rung, capped under the fixed ladder's rate
    assert low.rate_options("quality") == (
        0,
        {"crf": "13", "maxrate": str(low.video_bitrate * 95 // 100), "bufsize": "622000"},
    )
    assert high.rate_options("quality") == (
        0,
        {"crf": "16", "maxrate": "2363600", "bufsize": "2488000"},
    )
    assert plan(1920, 1080, 30)[2].rate_options("quality")[1]["crf"] == "16"
    with pytest.raises(ValueError, match="rate control"):
        high.rate_options("cbr")
