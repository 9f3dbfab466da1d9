"""Small real media files for tests, generated with PyAV from FFmpeg's lavfi test sources."""

from __future__ import annotations

from pathlib import Path

import av

from academy_video.adapters.media.encode_pass import PassRequest


def make_video(
    path: Path,
    *,
    seconds: float = 2.0,
    size: tuple[int, int] = (160, 120),
    rate: int = 25,
    video: bool = True,
    audio: bool = True,
    faststart: bool = True,
    gop_seconds: float | None = None,
    crf: int | None = None,
) -> Path:
    """An H.264/AAC MP4 (or audio-only with ``video=False``) of a moving test pattern and a tone
    (``crf``: x264's constant quality, for a source of a lower bitrate than ultrafast's)."""
    width, height = size
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=options) as out:
        v = a = None
        if video:
            x264 = {"preset": "ultrafast"}
            if gop_seconds:
                x264 |= {"g": str(int(rate * gop_seconds)), "sc_threshold": "0"}
            if crf is not None:
                x264 |= {"crf": str(crf)}
            v = out.add_stream("libx264", rate=rate, options=x264)
            v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        if audio:
            a = out.add_stream("aac", rate=44100, layout="mono")
        if v is not None:
            source = f"testsrc2=size={width}x{height}:rate={rate}:duration={seconds}"
            with av.open(source, format="lavfi") as src:
                for frame in src.decode(video=0):
                    frame.pict_type = av.video.frame.PictureType.NONE
                    out.mux(v.encode(frame))
            out.mux(v.encode(None))
        if a is not None:
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=44100)
            tone = f"sine=frequency=440:sample_rate=44100:duration={seconds}:samples_per_frame=1024"
            with av.open(tone, format="lavfi") as src:
                for tone_frame in src.decode(audio=0):
                    for converted in resampler.resample(tone_frame):
                        out.mux(a.encode(converted))
            out.mux(a.encode(None))
    return path


def pass_request(
    source: Path | str,
    scratch: Path | str,
    *,
    remux: bool = False,
    rate_control: str = "fixed",
    max_seconds: float = 3600,
) -> PassRequest:
    """The transcoding pass's request as the service makes it (clear segments, 4 s segments,
    x264 veryfast), for a pass run in this process."""
    return PassRequest(
        source=str(source),
        scratch=str(scratch),
        video_id=1,
        key=None,
        iv=None,
        preset="veryfast",
        segment_seconds=4,
        gop_seconds=2,
        remux=remux,
        max_seconds=max_seconds,
        rate_control=rate_control,
    )
