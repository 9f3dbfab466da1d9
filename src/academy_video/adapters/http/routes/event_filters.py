"""What the playback events list, the risk ranking and the export accept as filters, read from
the service's own constants: the console builds its event-type chips and range menus from this
answer, so a type or range added on the server shows up there without a second copy in JS."""

from __future__ import annotations

from litestar import Router, get

from academy_video.app.analytics import DEFAULT_RANGES, RANGES
from academy_video.domain.policy import ClientEventType

from ..auth import STAFF, requires
from ..deps import ERRORS
from ..schemas import EventFiltersOut, TimeRange

FILTERS = EventFiltersOut(
    event_types=[t.value for t in ClientEventType],
    ranges=[
        TimeRange(key, None if span is None else int(span.total_seconds()))
        for key, span in RANGES.items()
    ],
    default_ranges=dict(DEFAULT_RANGES),
)


@get("/video-playback-events/filters", sync_to_thread=False, responses=ERRORS)
def event_filters() -> EventFiltersOut:
    """The playback event types (in the order players report them) and the time ranges."""
    return FILTERS


router = Router("/", route_handlers=[event_filters], guards=[requires(*STAFF)], tags=["analytics"])
