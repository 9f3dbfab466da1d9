"""Is the source a worker reads still the one ``upload/complete`` probed?

A presigned S3 upload URL stays valid for its hour after the upload was confirmed (S3 cannot
revoke one), so an uploader could replace a probed lecture with something the probe never saw.
``upload/complete`` records the source's ETag (``Video.UploadConfirmed.source_etag``); a worker
checks it before reading the source and again before publishing (``check_source_unchanged``),
and a decoder reading a URL sends it with every request it makes (``if_match_options``), so
even a replacement mid-read is refused by the store (412) instead of mixing two versions.
"""

from __future__ import annotations

from academy_video.app.ports import ObjectStorage, TranscodeFailed

SOURCE_CHANGED = "source_changed"


def check_source_unchanged(storage: ObjectStorage, key: str, etag: str | None) -> None:
    """Raise ``TranscodeFailed("source_changed")`` unless ``key`` still has ``etag``.

    No ``etag`` (a video confirmed before ETags were recorded): nothing to check against."""
    if not etag:
        return
    stored = storage.head(key)
    if stored is None or _bare(stored.etag) != _bare(etag):
        raise TranscodeFailed(SOURCE_CHANGED)


def if_match_options(source: str, etag: str | None) -> dict[str, str]:
    """FFmpeg options that make every HTTP request for ``source`` conditional on ``etag``
    (the http protocol's ``headers``: sent with the first request and with every range request
    a seek makes). To be merged into the options ``av.open`` gets. Nothing for a local path (a
    file opened once is read as it was: a later rename does not change what is read) or
    without an ETag."""
    if not etag or not source.startswith(("http://", "https://")):
        return {}
    return {"headers": f'If-Match: "{_bare(etag)}"\r\n'}


def _bare(etag: str) -> str:
    """S3 quotes its ETags in headers; stored and compared without the quotes."""
    return etag.strip().strip('"')
