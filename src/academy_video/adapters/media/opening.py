"""How an uploaded source is opened: only plain containers, only the source itself, within limits.

An uploader chooses every byte of a source. FFmpeg left to itself picks a demuxer from those bytes
and from the name, and some demuxers open other files: an HLS playlist or a concat script names
entries (another tenant's published segments by a relative or absolute path, ``file://`` URLs,
``http://`` addresses inside the network), a MOV's data references name external files, an SDP
opens network streams. So a source is opened with:

- a **demuxer allow-list** (``ALLOWED_FORMATS``): the containers lecture recordings arrive in;
  FFmpeg detects the format from the content, and one outside the list is ``unsupported_format``
  before anything it names is read (checked again on what was detected);
- a **protocol allow-list**: ``file`` for a local path, ``http``/``https`` (with ``tcp``/``tls``
  beneath, the peer's certificate verified) for the storage's presigned URL, nothing else; MOV
  data references are never followed;
- **limits**: streams (``too_many_streams``), the bytes and time spent detecting the streams, the
  picture size a stream declares (``frame_too_large``) and that its decoder accepts
  (``max_pixels``), network timeouts.

All of this runs in the sandboxed child (``sandbox.py``); these limits keep a trick from working,
the sandbox keeps a crash or a runaway decoder from reaching anyone else.
"""

from __future__ import annotations

import ssl
from typing import Any

import av

from .confinement import Refusal

# Demuxer names as FFmpeg knows them: MP4/MOV/3GP, Matroska/WebM, MPEG-TS (camcorder .mts too),
# AVI, FLV (screen recorders), ASF (.wmv), MPEG program streams (.mpg/.vob).
ALLOWED_FORMATS = ("mov", "matroska", "mpegts", "avi", "flv", "asf", "mpeg")
MAX_STREAMS = 16  # a recording has a picture, a few sound tracks, perhaps subtitles
MAX_SIDE = 8192
MAX_PIXELS = 7680 * 4320  # 8K UHD: the largest picture a decoder may produce
PROBE_BYTES = 32 * 1024 * 1024
ANALYZE_MICROSECONDS = 10_000_000
NETWORK_TIMEOUT_MICROSECONDS = 15_000_000


def open_source(url: str, *, timeout: float = 30.0, headers: str = "") -> Any:
    """The source at ``url`` (a local path or an http(s) URL), opened and checked; raises
    ``Refusal`` with the reason it may not be used. ``headers``: extra HTTP request headers
    (CRLF-separated), e.g. a condition on the object's version."""
    try:
        container = av.open(
            url, container_options=_options(url, headers), timeout=timeout, metadata_errors="ignore"
        )
    except av.error.ArgumentError:
        # EINVAL at open: what FFmpeg detected is not on the allow-list ("Format not on
        # whitelist"), or a protocol the source may not use.
        raise Refusal("unsupported_format") from None
    except MemoryError:
        raise Refusal("memory_limit") from None
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        raise Refusal("unreadable") from None
    try:
        check_container(container)
    except BaseException:
        container.close()
        raise
    return container


def check_container(container: Any) -> None:
    """The limits on what was opened; every video stream's decoder refuses larger pictures."""
    if not set(container.format.name.split(",")) & set(ALLOWED_FORMATS):
        raise Refusal("unsupported_format")
    if len(container.streams) > MAX_STREAMS:
        raise Refusal("too_many_streams")
    for stream in container.streams.video:
        context = stream.codec_context
        width, height = int(context.width or 0), int(context.height or 0)
        if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
            raise Refusal("frame_too_large")
        context.options = {**context.options, "max_pixels": str(MAX_PIXELS)}


def _options(url: str, headers: str) -> dict[str, str]:
    options = {
        "format_whitelist": ",".join(ALLOWED_FORMATS),
        "probesize": str(PROBE_BYTES),
        "analyzeduration": str(ANALYZE_MICROSECONDS),
        # FFmpeg's own stream cap guards its allocations; ours (MAX_STREAMS) names the reason.
        "max_streams": str(MAX_STREAMS * 4),
        "enable_drefs": "0",
        "use_absolute_path": "0",
    }
    if url.startswith("https://"):
        options["protocol_whitelist"] = "https,tls,tcp"
    elif url.startswith("http://"):
        options["protocol_whitelist"] = "http,tcp"
    elif "://" in url or ":" in url.split("/", 1)[0]:
        raise Refusal("unsupported_format")  # no other protocol, named or implied
    else:
        options["protocol_whitelist"] = "file"
    if url.startswith(("http://", "https://")):
        options |= {
            "timeout": str(NETWORK_TIMEOUT_MICROSECONDS),
            "rw_timeout": str(NETWORK_TIMEOUT_MICROSECONDS),
            "reconnect": "0",
        }
        if url.startswith("https://"):
            # FFmpeg's TLS checks the peer only when told to, against a bundle it is given (the
            # wheel's gnutls looks where Debian has none): no bundle, no source.
            ca_file = ssl.get_default_verify_paths().cafile
            if not ca_file:
                raise Refusal("source_unverifiable")
            options |= {"tls_verify": "1", "ca_file": ca_file}
        if headers:
            options["headers"] = headers
    return options
