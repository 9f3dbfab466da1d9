"""Progress use cases: credit heartbeats, correct by hand, and promote ``once`` on completion.

Both paths end here so the once→free rule has one home.

Heartbeats are buffered (``submit``) and written together (``flush``, every
``ACADEMY_VIDEO_PROGRESS_FLUSH_SECONDS``): the students heard from in an interval go into a few
saves (``Progresses.record_many``: 2,000 students each), instead of one per heartbeat: at a large
academy's load, a few writes every few seconds instead of thousands a second (docs/benchmarks.md,
Issue 22: progress writes). The price: progress shows up an interval later. ``0`` writes each
heartbeat through at once.

One flush writes at most ``MAX_FLUSH_STUDENTS``, the longest waiting first; the rest wait for the
next (started at once in the background when a whole flush's worth waits). Flushes never run
side by side. Past ``MAX_BUFFERED_STUDENTS`` waiting, a student not yet waiting is refused
(counted in ``refused_beats`` and logged), and so is a video of a student who already has
``MAX_VIDEOS_PER_STUDENT`` waiting: their next heartbeat, once there is room, credits the interval
missed, since plausibility is judged from their last recorded position and time. A crash loses
what waits: one interval's heartbeats, or a few under a backlog (they re-anchor the same way).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from itertools import islice

from academy_video.domain.progress import Plausibility, Sample, WatchProgress

from .config import Settings
from .grants import Grants
from .ports import IdAllocator
from .progresses import PartlyRecorded, ProgressBatch, Progresses
from .videos import Videos

log = logging.getLogger(__name__)

# A flush's students: its time is this × the cost per student (docs/benchmarks.md, Issue 22:
# progress writes: 140-270 µs when their progresses are kept, 3.5-7 s for this many), so that one
# flush of a process beyond its capacity still ends within a couple of intervals.
MAX_FLUSH_STUDENTS = 25_000
# Students waiting at most (each a batch of a few samples): four flushes' worth, for a database
# away a while.
MAX_BUFFERED_STUDENTS = 4 * MAX_FLUSH_STUDENTS
# A player beats every 30 s; beats of one session closer than this add nothing to progress (the
# liveness they renew is Redis's) and are not buffered, so a client beating in a loop costs the
# flush no more than a well-behaved one.
MIN_SPACING_SECONDS = 1.0
# Samples kept per student and video, the most recent (after a failed flush too): an hour of
# 10 s heartbeats; a client alternating sessions cannot grow one batch past it.
MAX_SAMPLES = 360
REQUEUED_SAMPLES = MAX_SAMPLES
# Videos one enrollment may have waiting at once: a student watches one or two in an interval;
# a client starting sessions of many videos cannot take the buffer from other students.
MAX_VIDEOS_PER_STUDENT = 8


class ProgressService:
    def __init__(
        self,
        *,
        videos: Videos,
        progresses: Progresses,
        grants: Grants,
        ids: IdAllocator,
        settings: Settings,
    ) -> None:
        self.videos = videos
        self.progresses = progresses
        self.grants = grants
        self.ids = ids
        self.settings = settings
        self._buffer: dict[tuple[int, int], ProgressBatch] = {}
        self._videos_waiting: Counter[int] = Counter()  # enrollment -> its videos in the buffer
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # held through a flush: one at a time
        self.refused_beats = 0  # heartbeats refused since start: MAX_BUFFERED_STUDENTS waited
        self._refusing = False  # warned of refusals, until a flush makes room
        self._early: threading.Thread | None = None
        self._failing = False  # the last flush failed: no early flushes until one succeeds
        self._unpromoted: set[tuple[int, int]] = set()  # completions whose promotion failed

    @property
    def buffered(self) -> bool:
        """Whether ``submit`` only buffers (no I/O), to be written by ``flush``."""
        return self.settings.progress_flush_seconds > 0

    @property
    def buffered_students(self) -> int:
        """Students whose heartbeats wait for the next flush (for metrics)."""
        return len(self._buffer)

    def submit(
        self,
        *,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        duration: float,
        max_rate: float,
        samples: list[Sample],
    ) -> None:
        """Credit heartbeats, at the next flush (or now, when flushing is off)."""
        if not self.buffered:
            self._write([self._batch(video_id, enrollment_id, tenant, duration, max_rate, samples)])
            return
        with self._lock:
            batch = self._buffer.get((video_id, enrollment_id))
            if batch is None:
                if len(self._buffer) >= MAX_BUFFERED_STUDENTS:
                    self._refuse(video_id, enrollment_id, len(samples))
                    return
                if self._videos_waiting[enrollment_id] >= MAX_VIDEOS_PER_STUDENT:
                    self.refused_beats += len(samples)  # counted, not logged: one client's doing
                    return
                batch = self._buffer[video_id, enrollment_id] = self._batch(
                    video_id, enrollment_id, tenant, duration, max_rate, []
                )
                self._videos_waiting[enrollment_id] += 1
            for sample in samples:
                last = _last_of_session(batch.samples, sample.session_id)
                if last is None or (sample.at - last.at).total_seconds() >= MIN_SPACING_SECONDS:
                    batch.samples.append(sample)
            if len(batch.samples) > MAX_SAMPLES:
                del batch.samples[:-MAX_SAMPLES]
            full = len(self._buffer) >= MAX_FLUSH_STUDENTS
            # While flushes fail (the database is away), the periodic flush alone tries again:
            # a full buffer would otherwise start a write with every heartbeat.
            idle = not self._flushing.locked() and (
                self._early is None or not self._early.is_alive()
            )
            if full and idle and not self._failing:
                # Written in the background: the caller may be the event loop.
                self._early = threading.Thread(target=self._flush_early, name="progress-flush")
                self._early.start()

    def _flush_early(self) -> None:
        """An early flush, on its own thread: a failure is logged (the periodic one tries again)."""
        try:
            self.flush()
        except Exception:
            log.exception("progress: an early flush failed; the next periodic flush tries again")

    def _refuse(self, video_id: int, enrollment_id: int, beats: int) -> None:
        if not self._refusing:  # once until a flush makes room: a full buffer refuses many
            self._refusing = True
            log.warning(
                "progress: %d students wait to be written; heartbeats of others are refused "
                "until a flush makes room (first: video %s, enrollment %s)",
                len(self._buffer),
                video_id,
                enrollment_id,
            )
        self.refused_beats += beats

    def flush(self) -> int:
        """Write the heartbeats of the ``MAX_FLUSH_STUDENTS`` students waiting longest; returns
        how many students it covered. Waits for a flush in progress (an early one) to end first.
        What a failed save did not write goes back in front of the buffer."""
        with self._flushing:
            with self._lock:
                keys = list(islice(self._buffer, MAX_FLUSH_STUDENTS))
                batches = [self._buffer.pop(key) for key in keys]
                self._videos_waiting.subtract(enrollment for _, enrollment in keys)
                self._videos_waiting += Counter()  # drops those at zero
                self._refusing = self._refusing and len(self._buffer) >= MAX_BUFFERED_STUDENTS
            try:
                results = self.progresses.record_many(batches) if batches else []
            except PartlyRecorded as partly:  # only what was not saved is tried again
                self._failing = True
                self._promote(partly.recorded)
                self._requeue(partly.unrecorded)
                raise
            except Exception:
                self._failing = True
                self._requeue(batches)
                raise
            self._failing = False
            return len(self._promote(results))

    def drain(self) -> int:
        """Flush what waits now, a flush's worth at a time (at shutdown); returns how many
        students it covered."""
        total = 0
        for _ in range(len(self._buffer) // MAX_FLUSH_STUDENTS + 1):
            total += self.flush()
        return total

    def _requeue(self, batches: list[ProgressBatch]) -> None:
        """A failed save's heartbeats, in front of the buffer (they waited longest), followed by
        those that arrived meanwhile (the most recent REQUEUED_SAMPLES per student, so an outage
        cannot grow the buffer without bound)."""
        with self._lock:
            waiting, self._buffer = self._buffer, {}
            for old in batches:
                new = waiting.pop((old.video_id, old.enrollment_id), None)
                old.samples = (old.samples + (new.samples if new else []))[-REQUEUED_SAMPLES:]
                self._buffer[old.video_id, old.enrollment_id] = old
            self._buffer.update(waiting)
            self._videos_waiting = Counter(enrollment for _, enrollment in self._buffer)

    def record(
        self,
        *,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        duration: float,
        max_rate: float,
        samples: list[Sample],
    ) -> WatchProgress:
        """Credit heartbeats now (one save)."""
        batch = self._batch(video_id, enrollment_id, tenant, duration, max_rate, samples)
        [progress] = self._write([batch])
        return progress

    def _batch(
        self,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        duration: float,
        max_rate: float,
        samples: list[Sample],
    ) -> ProgressBatch:
        return ProgressBatch(
            video_id=video_id,
            enrollment_id=enrollment_id,
            tenant=tenant,
            duration=duration,
            plausibility=Plausibility(max_rate, self.settings.progress_grace_seconds),
            completion_threshold=self.settings.completion_threshold,
            allocate_id=lambda: self.ids.next_id("progress"),
            samples=samples,
        )

    def _write(self, batches: list[ProgressBatch]) -> list[WatchProgress]:
        """One save for all the batches, then the once→free promotion of those just completed."""
        if not batches:
            return []
        return self._promote(self.progresses.record_many(batches))

    def _promote(self, results: list[tuple[WatchProgress, bool]]) -> list[WatchProgress]:
        """The once→free promotion of those just completed, each on its own: one refused does
        not keep the others from it, and is tried again with every later write (in this
        process; the read side already treats once + completed as free meanwhile)."""
        with self._lock:
            due, self._unpromoted = self._unpromoted, set()
        due |= {(p.video_id, p.enrollment_id) for p, completed_now in results if completed_now}
        for video_id, enrollment_id in sorted(due):
            try:
                self.grants.promote_to_free(video_id, enrollment_id)
            except Exception:
                log.exception(
                    "progress: promoting video %s, enrollment %s to free failed; will try again",
                    video_id,
                    enrollment_id,
                )
                with self._lock:
                    self._unpromoted.add((video_id, enrollment_id))
        return [progress for progress, _ in results]

    def correct(
        self,
        *,
        tenant: str,
        video_id: int,
        enrollment_id: int,
        progress: float | None = None,
        completed: bool | None = None,
        last_position: float | None = None,
    ) -> WatchProgress:
        """Staff's manual correction; completing this way promotes ``once`` too."""
        self.videos.get(video_id, tenant=tenant)
        corrected, completed_now = self.progresses.correct(
            video_id,
            enrollment_id,
            progress=progress,
            completed=completed,
            last_position=last_position,
        )
        if completed_now:
            self.grants.promote_to_free(video_id, enrollment_id)
        return corrected


def _last_of_session(samples: list[Sample], session_id: str) -> Sample | None:
    """The latest of ``samples`` heard from ``session_id`` (at most MAX_SAMPLES to look at)."""
    for sample in reversed(samples):
        if sample.session_id == session_id:
            return sample
    return None
