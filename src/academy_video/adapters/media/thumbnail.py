"""The video's thumbnail: a picture about a second in, at most 640 wide, as a JPEG.

Taken from the pass itself when it decodes (free); a copy-only pass decodes one keyframe for it,
and when even that found none, the source is opened again and decoded from the keyframe before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av

THUMBNAIL_AT = 1.0  # seconds into the video
THUMBNAIL_WIDTH = 640


def grab_thumbnail(container: Any, at: float) -> Any:
    """The picture at ``at`` seconds, by seeking to the keyframe before it and decoding on."""
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    if stream.time_base is not None:
        container.seek(int(at / stream.time_base), stream=stream, backward=True)
    first = None
    for frame in container.decode(stream):
        first = first or frame
        if frame.pts is None or frame.time_base is None or float(frame.pts * frame.time_base) >= at:
            return thumbnail_of(frame)
    return None if first is None else thumbnail_of(first)


def thumbnail_of(frame: Any) -> Any:
    width = min(THUMBNAIL_WIDTH, frame.width)
    height = max(2, round(frame.height * width / frame.width / 2) * 2)
    return frame.reformat(width=width, height=height, format="yuvj420p")


def write_jpeg(frame: Any, path: Path) -> None:
    with av.open(str(path), "w", format="image2") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuvj420p"
        frame.pts = None
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
