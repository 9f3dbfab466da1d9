"""The reference for the playback benchmark: a bare Litestar JSON endpoint (msgspec), served the
same way as the service (uvicorn, one worker)."""

from __future__ import annotations

from litestar import Litestar, post
from msgspec import Struct


class Body(Struct):
    token: str = ""
    position: float | None = None


class Ok(Struct):
    ok: bool = True


@post("/api/v1/playback/heartbeat", status_code=200, sync_to_thread=False)
def heartbeat(data: Body) -> Ok:
    return Ok()


app = Litestar([heartbeat], logging_config=None)
