"""A source's first sound track as a recogniser hears it: 16 kHz mono signed 16-bit PCM, in
chunks, decoded with PyAV. Runs in the sandboxed child (``recogniser_child.py``), on a source
opened as ``adapters/media/opening.py`` allows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import av

from academy_video.adapters.media.confinement import Refusal

SAMPLE_RATE = 16_000
BYTES_PER_SECOND = SAMPLE_RATE * 2  # mono, 16 bits a sample
CHUNK_BYTES = BYTES_PER_SECOND // 4  # a quarter second a feed


def audio_seconds(container: Any) -> float:
    """The sound's stated length (the container's, else the stream's), 0 when neither says."""
    stream = first_audio(container)
    if container.duration is not None:
        return max(0.0, float(container.duration / av.time_base))
    if stream.duration is not None and stream.time_base is not None:
        return max(0.0, float(stream.duration * stream.time_base))
    return 0.0


def first_audio(container: Any) -> Any:
    stream = next(iter(container.streams.audio), None)
    if stream is None:
        raise Refusal("no_audio_stream")
    return stream


def pcm_chunks(container: Any, max_seconds: float) -> Iterator[bytes]:
    """The first sound track as PCM chunks of ``CHUNK_BYTES`` (the last one shorter); a source
    whose decoded sound runs past ``max_seconds`` is ``too_long`` whatever its header said."""
    stream = first_audio(container)
    stream.thread_type = "AUTO"
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    most = int(max_seconds * BYTES_PER_SECOND)
    pending, total = bytearray(), 0
    try:
        for frame in _frames(container, stream):
            for out in resampler.resample(frame):
                pcm = bytes(out.planes[0])[: out.samples * 2]  # planes are padded
                total += len(pcm)
                if total > most:
                    raise Refusal("too_long")
                pending += pcm
                while len(pending) >= CHUNK_BYTES:
                    yield bytes(pending[:CHUNK_BYTES])
                    del pending[:CHUNK_BYTES]
    except av.error.FFmpegError:
        raise Refusal("unreadable") from None
    if pending:
        yield bytes(pending)


def _frames(container: Any, stream: Any) -> Iterator[Any]:
    yield from container.decode(stream)
    yield None  # flushes the resampler
