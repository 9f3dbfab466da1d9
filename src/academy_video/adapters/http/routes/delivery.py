"""The published ladder's delivery figures for the console (admin/staff): per rung, bytes per
hour as the completion stored them (``app/ladder_inspection.py``). Nothing is read from
storage here: a video published before the figures were stored answers no rungs."""

from __future__ import annotations

from litestar import Router, get

from academy_video.app.ladder_inspection import LadderInspection
from academy_video.domain.ladder_figures import ladder_bytes_per_hour

from ..auth import STAFF, requires
from ..deps import ERRORS, AppDep, CallerDep, PathId
from ..schemas.delivery import DeliveryOut, DeliveryRung


@get("/videos/{video_id:int}/delivery", sync_to_thread=True, responses=ERRORS)
def delivery(caller: CallerDep, app: AppDep, video_id: PathId) -> DeliveryOut:
    """Bytes per hour of each published rung; 404 for a missing or another tenant's video."""
    status, rungs = LadderInspection(app.videos, app.storage).delivery(video_id, caller.tenant)
    return DeliveryOut(
        video_id=video_id,
        status=status,
        rungs=[
            DeliveryRung(
                name=rung.name,
                width=rung.width,
                height=rung.height,
                average_bandwidth=rung.average_bandwidth,
                bytes_per_hour=round(rung.bytes_per_hour),
            )
            for rung in rungs
        ],
        bytes_per_hour=round(ladder_bytes_per_hour(rungs)) if rungs else None,
    )


router = Router("/", route_handlers=[delivery], tags=["videos"], guards=[requires(*STAFF)])
