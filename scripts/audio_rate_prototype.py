"""PROTOTYPE, not the transcoder: what re-encoding a lecture's speech at a lower rate than the
source's would cost students in what they hear (docs/encoding.md, "The floor: audio").

Issue 23's screen and whiteboard misses are the source's AAC, copied into every rung. This
measures the alternative the owner must weigh: speech (espeak-ng, English and Korean) recorded
as AAC at the rates recorders use, then encoded again by the AAC encoder PyAV bundles at lower
rates, scored with PESQ wideband (ITU-T P.862.2, MOS-LQO 1.0-4.64) against the clean speech
(what the microphone heard) and against the source as decoded (what students hear today).

Not run by ``make bench`` and not in the lock files (``pesq`` ships only a source archive that
needs a C compiler). Run it in a scratch environment:

    python3 -m venv /tmp/aq && /tmp/aq/bin/pip install av==18.1.0 numpy pesq==0.0.4
    /tmp/aq/bin/python scripts/audio_rate_prototype.py
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from typing import Any

import av
import numpy as np
from pesq import pesq

RATE = 48_000
SCORE_RATE = 16_000  # PESQ wideband's rate
SENTENCES = (
    (
        "en",
        "Today we look at what a lecture video costs. Every byte is multiplied by every "
        "student who watches. The slide stays on screen while the speaker explains the "
        "diagram, and then the next one follows.",
    ),
    (
        "ko",
        "이번 강의에서는 동영상 인코딩의 비용을 살펴봅니다. 슬라이드는 자주 바뀌지 않고, "
        "강사는 화면의 도표를 설명합니다.",
    ),
)
SOURCES = (("mono", 64_000), ("mono", 96_000), ("stereo", 128_000), ("stereo", 160_000))
CANDIDATES = (96_000, 64_000, 48_000, 32_000)


def speech() -> Any:
    """The clean speech at ``RATE``, 16-bit mono, half a second of silence between languages."""
    espeak = shutil.which("espeak-ng") or "espeak-ng"
    parts = []
    for voice, text in SENTENCES:
        wav = subprocess.run(
            [espeak, "-v", voice, "-s", "140", "--stdout", text], capture_output=True, check=True
        ).stdout
        with wave.open(io.BytesIO(wav)) as reader:
            pcm = np.frombuffer(reader.readframes(reader.getnframes()), np.int16)
            parts += [resample(pcm, reader.getframerate(), RATE), np.zeros(RATE // 2, np.int16)]
    return np.concatenate(parts)


def resample(samples: Any, rate_in: int, rate_out: int, layout: str = "mono") -> Any:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate_out)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout=layout)
    frame.sample_rate = rate_in
    out = [*resampler.resample(frame), *resampler.resample(None)]
    return np.concatenate([f.to_ndarray().reshape(-1) for f in out])


def aac(samples: Any, layout: str, bit_rate: int) -> tuple[int, Any]:
    """``samples`` (mono) encoded as AAC in ``layout`` at ``bit_rate``: the bytes, and the
    sound decoded again (mono, ``RATE``)."""
    channels = 2 if layout == "stereo" else 1
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="adts") as out:
        stream = out.add_stream("aac", rate=RATE, layout=layout)
        stream.bit_rate = bit_rate
        for start in range(0, len(samples), 1024):
            chunk = np.repeat(samples[start : start + 1024].reshape(1, -1), channels, axis=1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout=layout)
            frame.sample_rate = RATE
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    size = buffer.tell()
    buffer.seek(0)
    with av.open(buffer, format="adts") as source:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        decoded = [g for f in source.decode(audio=0) for g in resampler.resample(f)]
    return size, np.concatenate([f.to_ndarray().reshape(-1) for f in decoded])


def score(reference: Any, heard: Any) -> float:
    """PESQ-WB of ``heard`` against ``reference`` (both at ``RATE``), ``heard`` shifted to line
    up (each AAC generation delays the sound by its priming)."""
    ref = resample(reference, RATE, SCORE_RATE).astype(float)
    deg = resample(heard, RATE, SCORE_RATE).astype(float)
    window = ref[: SCORE_RATE * 5]
    lag = max(range(2_000), key=lambda k: float(np.dot(window, deg[k : k + len(window)])))
    deg = deg[lag:]
    n = min(len(ref), len(deg))
    return float(pesq(SCORE_RATE, ref[:n], deg[:n], "wb"))


def main() -> None:
    clean = speech()
    seconds = len(clean) / RATE
    print(f"speech: {seconds:.1f} s, PESQ-WB of the clean speech against itself 4.64 at most")
    print("| source | rung's audio | kb/s | PESQ-WB vs clean | PESQ-WB vs the source |")
    print("| --- | --- | ---: | ---: | ---: |")
    for layout, source_rate in SOURCES:
        size, source = aac(clean, layout, source_rate)
        label = f"AAC {layout} {source_rate // 1000}k"
        kbps = size * 8 / seconds / 1000
        print(f"| {label} | copied (today) | {kbps:.0f} | {score(clean, source):.2f} | 4.64 |")
        for rate in CANDIDATES:
            if rate >= source_rate:
                continue
            size, again = aac(source, "mono", rate)
            kbps = size * 8 / seconds / 1000
            print(
                f"| {label} | mono {rate // 1000}k | {kbps:.0f} | {score(clean, again):.2f} "
                f"| {score(source, again):.2f} |"
            )


if __name__ == "__main__":
    main()
