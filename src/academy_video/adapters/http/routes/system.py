"""Liveness for load balancers and operators."""

from __future__ import annotations

from litestar import Response, get

from academy_video import __version__

from ..deps import AppDep
from ..schemas import Health


@get("/health", sync_to_thread=True, tags=["system"])
def health(app: AppDep) -> Response[Health]:
    """200 once the service can take requests: its databases answer (503 otherwise)."""
    store = "postgresql" if app.settings.database_url else "sqlite"
    try:
        behind = sum(app.projector.lag().values()) if app.projector else 0
    except Exception:
        return Response(Health("unavailable", __version__, store, -1), status_code=503)
    return Response(Health("ok", __version__, store, behind))
