"""The media edge of the embedded default, and the AES-128 key endpoint (docs/cdn.md).

``/hls/…`` and ``/media/hls/…`` (the old workers' prefix, which imported videos keep)
(``media_router``, mounted on the local disk only: with S3 a CDN edge serves the bucket) answer
a URL signed for its own path, or scoped to a prefix it lies under, and not expired (403
otherwise). Playlists are rewritten so each variant, segment and key URI they name
carries a signature scoped to the video's prefix. The key endpoint (``key_router``, mounted
whatever the storage) checks the URL's signature (for its path, or scoped to a prefix) and
hands the rest to ``app/playback/keys.py: MediaKeys.key``: the scope must be its video's prefix,
then an active, live session of that user and video under the rules still in force,
rate-limited."""

from __future__ import annotations

import posixpath
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get
from litestar.params import FromPath
from litestar.response import File

from academy_video.adapters.cdn.playlists import rewrite
from academy_video.adapters.cdn.signing import PARAMS, HmacUrlSigner, is_scope
from academy_video.adapters.storage.local import BadKey, LocalDiskStorage
from academy_video.app.errors import Denied, NotFound
from academy_video.bootstrap import Container

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",  # a published caption track's segments
}
PRIVATE = {"Cache-Control": "private, no-store"}  # per user: no shared cache may keep it


def _signer(request: Request[Any, Any, Any]) -> HmacUrlSigner:
    signer: HmacUrlSigner = request.app.state.media_signer
    if not signer.secret:
        raise Denied("media_signing_not_configured")  # an unsigned edge would let anyone in
    return signer


@get("/hls/{rest:path}", sync_to_thread=True, include_in_schema=False)
def media(request: Request[Any, Any, Any], rest: FromPath[str]) -> Response[bytes] | File:
    return _served(request, f"/hls{rest}")


@get("/media/hls/{rest:path}", sync_to_thread=True, include_in_schema=False)
def old_prefix_media(
    request: Request[Any, Any, Any], rest: FromPath[str]
) -> Response[bytes] | File:
    return _served(request, f"/media/hls{rest}")


def _served(request: Request[Any, Any, Any], path: str) -> Response[bytes] | File:
    """The file at ``path`` (the storage key, with a leading slash), as the edge serves it."""
    signer, query = _signer(request), request.query_params
    if not signer.accepts(path, query, now=int(time.time())):
        raise Denied("invalid_signature")
    storage: LocalDiskStorage = request.app.state.local_storage
    try:
        file = storage.path(path.lstrip("/"))
    except BadKey:
        raise NotFound() from None
    if not file.is_file():
        raise NotFound()
    suffix = file.suffix.lower()
    if suffix != ".m3u8":
        return File(file, content_disposition_type="inline", media_type=CONTENT_TYPES.get(suffix))
    scope = _scope_for_children(signer, path, query)
    body = rewrite(file.read_text(), path, lambda child: f"{signer.base_url}{child}?{scope}")
    return Response(body.encode(), media_type=CONTENT_TYPES[".m3u8"], headers=PRIVATE)


def _scope_for_children(signer: HmacUrlSigner, path: str, query: Mapping[str, str]) -> str:
    """The query every URI of a playlist carries: the request's own scope, passed along; for a
    playlist signed for its own path (the master), a scope of its directory (the video's prefix)
    for the same user, expiry and session. A playlist is only ever a user's."""
    if "acl" in query:
        return urlencode({name: query[name] for name in PARAMS if query.get(name)})
    uid, acl = query.get("uid", ""), posixpath.dirname(path) + "/"
    if not uid or not is_scope(acl):
        raise Denied("invalid_signature")
    sid = query.get("sid") or None
    return signer.scope(acl, expires_at=int(query["exp"]), user_id=int(uid), session_id=sid)


@get("/api/v1/playback/key/{video_id:int}", sync_to_thread=True, include_in_schema=False)
def key(request: Request[Any, Any, Any], video_id: FromPath[int]) -> Response[bytes]:
    signer, query, now = _signer(request), request.query_params, int(time.time())
    scope = query.get("acl")
    if scope is not None:
        if signer.valid_scope(query, now) is None:
            raise Denied("invalid_signature")
    elif not signer.accepts(f"/api/v1/playback/key/{video_id}", query, now):
        raise Denied("invalid_signature")
    app: Container = request.app.state.container
    secret = app.playback.keys.key(
        session_id=query.get("sid", ""),
        user_id=int(query.get("uid") or 0),
        video_id=video_id,
        scope=scope,
    )
    return Response(secret, media_type="application/octet-stream", headers=PRIVATE)


media_router = Router("/", route_handlers=[media, old_prefix_media])
key_router = Router("/", route_handlers=[key])
