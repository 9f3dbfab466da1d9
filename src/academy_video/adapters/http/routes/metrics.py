"""``GET /metrics``: the process's metrics for Prometheus (text format 0.0.4).

No token: Prometheus scrapes without one. It tells nothing about students, but it should be
reachable only from the operators' network (docs/operations.md). Not in the OpenAPI description:
it is not part of the API's contract.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from litestar import Response, get

from academy_video.app.metrics import CONTENT_TYPE, REGISTRY, gauge
from academy_video.bootstrap import Container

from ..deps import AppDep

log = logging.getLogger(__name__)

SCRAPE_ERRORS = REGISTRY.counter(
    "academy_video_metrics_errors_total",
    "Gauges left out of a scrape because computing them failed (e.g. the database is down).",
    ("gauge",),
)

Samples = list[tuple[Mapping[str, str], float]]


def _active_sessions(app: Container) -> Samples:
    assert app.reads is not None  # create_app refuses a container without read models
    return [({}, app.reads.active_sessions())]


def _queue_depth(app: Container) -> Samples:
    # The readers' engine: on SQLite the writer's would queue this count behind every write.
    assert app.reads is not None
    return [({}, app.reads.queue_depth())]


def _projection_lag(app: Container) -> Samples:
    if app.projector is None:
        return []
    return [({"application": name}, lag) for name, lag in sorted(app.projector.lag().items())]


def _buffered(app: Container) -> Samples:
    return [({}, app.progress.buffered_students)]


def _refused(app: Container) -> Samples:
    return [({}, app.progress.refused_beats)]


GAUGES: list[tuple[str, str, Callable[[Container], Samples]]] = [
    (
        "academy_video_playback_sessions_active",
        "Playback sessions recorded as ACTIVE in the read models.",
        _active_sessions,
    ),
    (
        "academy_video_transcode_queue_depth",
        "Videos waiting for a transcoding worker or being transcoded (job_queue rows).",
        _queue_depth,
    ),
    (
        "academy_video_projection_lag_events",
        "Events stored but not yet projected into the read models, per Application.",
        _projection_lag,
    ),
    (
        "academy_video_progress_buffered_students",
        "Students whose heartbeats wait in this process for the next progress flush.",
        _buffered,
    ),
]
# Counts another object keeps, rendered as counters (they only grow while the process lives).
COUNTS: list[tuple[str, str, Callable[[Container], Samples]]] = [
    (
        "academy_video_progress_refused_heartbeats_total",
        "Heartbeats this process refused to buffer since it started: the buffer's cap waited.",
        _refused,
    ),
]

for _gauge in GAUGES + COUNTS:
    SCRAPE_ERRORS.inc(_gauge[0], amount=0)  # every series present from the start: rate() needs it


@get("/metrics", sync_to_thread=True, include_in_schema=False)
def metrics(app: AppDep) -> Response[str]:
    lines: list[str] = []
    families = [(*family, "gauge") for family in GAUGES] + [(*c, "counter") for c in COUNTS]
    for name, help_text, compute, kind in families:
        try:
            samples = compute(app)
        except Exception:
            # One gauge's store being down must not hide every other metric.
            log.warning("metrics: %s could not be computed", name, exc_info=True)
            SCRAPE_ERRORS.inc(name)
            continue
        lines += gauge(name, help_text, samples, kind)
    lines += REGISTRY.render()  # after the gauges: includes this scrape's errors
    return Response("\n".join(lines) + "\n", media_type=CONTENT_TYPE)
