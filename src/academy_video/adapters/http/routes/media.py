"""Media on the embedded default: the service takes and serves objects itself, through the
signed, expiring URLs ``LocalDiskStorage`` hands out (S3's presigned URLs, played locally).
Bodies stream to disk; they are never held in memory. Only mounted with local storage.

PUT refusals: 413 ``upload_too_large`` (an object over ``ACADEMY_VIDEO_MAX_UPLOAD_BYTES``),
413 ``part_too_large`` (a part over its upload's part size), 409 ``upload_closed`` (the key was
sealed: its video was confirmed or deleted); nothing of a refused body is kept."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, put
from litestar.params import FromPath
from litestar.response import File

from academy_video.adapters.storage.local import BadKey, LocalDiskStorage
from academy_video.app.errors import Denied, Invalid, NotFound

from ..deps import ERRORS


def _storage(request: Request[Any, Any, Any], method: str) -> LocalDiskStorage:
    storage: LocalDiskStorage = request.app.state.local_storage
    refusal = storage.refusal(
        method,
        request.scope["raw_path"].decode().partition("?")[0],  # the path as sent
        request.query_params.get("exp", ""),
        request.query_params.get("sig", ""),
    )
    if refusal:
        raise Denied(refusal)
    return storage


@put(
    "/objects/{key:path}",
    request_max_body_size=None,  # capped while streaming, by ACADEMY_VIDEO_MAX_UPLOAD_BYTES
    responses=ERRORS,
    include_in_schema=False,
)
async def put_object(request: Request[Any, Any, Any], key: FromPath[str]) -> Response[None]:
    storage = _storage(request, "PUT")
    try:
        etag = await storage.receive(key.lstrip("/"), request.stream())
    except BadKey:
        raise Invalid("invalid_key") from None
    return Response(None, status_code=200, headers={"ETag": f'"{etag}"'})


@get("/objects/{key:path}", include_in_schema=False, sync_to_thread=False)
def get_object(request: Request[Any, Any, Any], key: FromPath[str]) -> File:
    storage = _storage(request, "GET")
    try:
        path = storage.path(key.lstrip("/"))
    except BadKey:
        raise Invalid("invalid_key") from None
    if not path.is_file():
        raise NotFound()
    return File(path, filename=path.name, content_disposition_type="inline")


@put(
    "/multipart/{upload_id:str}/{part_number:int}",
    request_max_body_size=None,  # capped while streaming, by the upload's part size
    responses=ERRORS,
    include_in_schema=False,
)
async def put_part(
    request: Request[Any, Any, Any], upload_id: FromPath[str], part_number: FromPath[int]
) -> Response[None]:
    storage = _storage(request, "PUT")
    try:
        etag = await storage.receive_part(upload_id, part_number, request.stream())
    except (KeyError, FileNotFoundError):  # no such upload, or it was completed meanwhile
        raise NotFound() from None
    except BadKey as error:
        raise Invalid("invalid_part", str(error)) from None
    return Response(None, status_code=200, headers={"ETag": f'"{etag}"'})


router = Router("/media", route_handlers=[put_object, get_object, put_part])
