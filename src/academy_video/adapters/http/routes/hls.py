"""Media on the embedded default, checked as the CDN edge would check it: ``/hls/…`` answers only
to a URL signed with the seed's scheme (``{path}|{exp}|{kid}|{uid}``) and not expired (403
otherwise). Playlists are rewritten so each variant, segment and key URI they name is signed for
the same user and expiry. The AES-128 key endpoint answers as ``PlaybackService.allow_key``
rules: an active, live session of that user and video under the rules still in force,
rate-limited."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, Response, Router, get
from litestar.params import FromPath
from litestar.response import File

from academy_video.adapters.cdn.playlists import rewrite
from academy_video.adapters.cdn.signing import HmacUrlSigner
from academy_video.adapters.storage.local import BadKey, LocalDiskStorage
from academy_video.app.bootstrap import Container
from academy_video.app.errors import Denied, NotFound
from academy_video.domain.video import key_object

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".jpg": "image/jpeg",
}


def _signed(request: Request[Any, Any, Any], path: str) -> tuple[HmacUrlSigner, dict[str, str]]:
    signer: HmacUrlSigner = request.app.state.media_signer
    if not signer.secret:
        raise Denied("media_signing_not_configured")  # an unsigned edge would let anyone in
    q = request.query_params
    params = {name: q.get(name, "") for name in ("exp", "sig", "kid", "uid", "sid")}
    if not signer.verify(
        path,
        exp=params["exp"],
        sig=params["sig"],
        kid=params["kid"],
        uid=params["uid"],
        now=int(time.time()),
    ):
        raise Denied("invalid_signature")
    return signer, params


@get("/hls/{rest:path}", sync_to_thread=True, include_in_schema=False)
def media(request: Request[Any, Any, Any], rest: FromPath[str]) -> Response[bytes] | File:
    path = f"/hls{rest}"
    signer, params = _signed(request, path)
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
    uid = int(params["uid"]) if params["uid"] else None

    def sign(child: str) -> str:
        return signer.sign(
            child, expires_at=int(params["exp"]), user_id=uid, session_id=params["sid"] or None
        )

    body = rewrite(file.read_text(), path, sign)
    return Response(
        body.encode(),
        media_type=CONTENT_TYPES[".m3u8"],
        headers={"Cache-Control": "private, no-store"},
    )


@get("/api/v1/playback/key/{video_id:int}", sync_to_thread=True, include_in_schema=False)
def key(request: Request[Any, Any, Any], video_id: FromPath[int]) -> Response[bytes]:
    _, params = _signed(request, f"/api/v1/playback/key/{video_id}")
    app: Container = request.app.state.container
    app.playback.allow_key(
        session_id=params["sid"], user_id=int(params["uid"] or 0), video_id=video_id
    )
    video = app.videos.get(video_id)
    with app.storage.open(key_object(video.tenant, video_id)) as stream:
        secret = stream.read()
    return Response(
        secret,
        media_type="application/octet-stream",
        headers={"Cache-Control": "private, no-store"},
    )


router = Router("/", route_handlers=[media, key])
