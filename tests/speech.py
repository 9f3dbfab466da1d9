"""Speech the tests make: espeak-ng speaks known sentences, PyAV puts them at known times into
a small H.264/AAC MP4 (silence between them). ``scripts/services start`` installs espeak-ng."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

ESPEAK = os.environ.get("ACADEMY_VIDEO_ESPEAK") or shutil.which("espeak-ng") or ""
RATE = 22050  # espeak-ng's own output rate
SAMPLES_PER_FRAME = 1024


@dataclass(frozen=True)
class Spoken:
    """A sentence said from ``start`` to ``end`` seconds of the video."""

    text: str
    start: float
    end: float


def need_espeak() -> str:
    if not ESPEAK:
        pytest.fail("no espeak-ng: `scripts/services start` (run by `make test`) installs it")
    return ESPEAK


def speak(text: str, voice: str, *, words_per_minute: int = 140) -> bytes:
    """``text`` said by espeak-ng's ``voice``: 16-bit mono PCM at ``RATE``."""
    with tempfile.TemporaryDirectory() as scratch:
        wav = Path(scratch) / "speech.wav"
        subprocess.run(
            [need_espeak(), "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text],
            check=True,
            timeout=60,
        )
        with wave.open(str(wav)) as reader:
            assert (reader.getframerate(), reader.getnchannels()) == (RATE, 1)
            return _trimmed(bytes(reader.readframes(reader.getnframes())))


def _trimmed(pcm: bytes, *, threshold: int = 200) -> bytes:
    """``pcm`` without the near-silence espeak-ng puts before and after the words, so that a
    sentence's span is when it is heard."""
    samples = array("h", pcm)
    loud = [index for index, sample in enumerate(samples) if abs(sample) > threshold]
    return b"" if not loud else samples[loud[0] : loud[-1] + 1].tobytes()


def make_spoken_video(
    path: Path, sentences: list[str], voice: str, *, gap: float = 1.5, lead: float = 1.0
) -> list[Spoken]:
    """A video saying each sentence in turn, ``lead`` seconds of silence first and ``gap``
    between them (and after the last); returns when each was said."""
    timeline, spoken = bytearray(_silence(lead)), []
    for text in sentences:
        pcm = speak(text, voice)
        start = len(timeline) / 2 / RATE
        timeline += pcm
        spoken.append(Spoken(text, start, len(timeline) / 2 / RATE))
        timeline += _silence(gap)
    _encode(path, bytes(timeline))
    return spoken


def _silence(seconds: float) -> bytes:
    return bytes(2 * int(seconds * RATE))


def _encode(path: Path, pcm: bytes) -> None:
    seconds = len(pcm) / 2 / RATE
    with av.open(str(path), "w", format="mp4", options={"movflags": "faststart"}) as out:
        video = out.add_stream("libx264", rate=5, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        audio = out.add_stream("aac", rate=44100, layout="mono")
        with av.open(f"color=c=navy:size=96x64:rate=5:duration={seconds}", format="lavfi") as src:
            for picture in src.decode(video=0):
                out.mux(video.encode(picture))
        out.mux(video.encode(None))
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=44100)
        step = 2 * SAMPLES_PER_FRAME
        for offset in range(0, len(pcm), step):
            chunk = pcm[offset : offset + step]
            sound = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            sound.planes[0].update(chunk)
            sound.sample_rate, sound.pts = RATE, offset // 2
            for converted in resampler.resample(sound):
                out.mux(audio.encode(converted))
        for converted in resampler.resample(None):
            out.mux(audio.encode(converted))
        out.mux(audio.encode(None))
