"""Runs the projections: reads each Application's notification log from the tracked position,
writes the rows, and moves the position, all in one read-model transaction.

- Exactly once: the position and the rows commit together. A crash before the commit leaves
  neither, so the next catch-up applies the same events again, once.
- One writer at a time per log: the tracking row is locked (``SELECT … FOR UPDATE`` on
  PostgreSQL; SQLite's ``BEGIN IMMEDIATE``), so API processes can all catch up safely.
- Sealed: with an audit key, every event applied also gets its link of the audit chain
  (``audit_chain.py``), in the same transaction, so the seal covers exactly what was projected.
- Read your writes: ``attach()`` makes every save catch its log up to the saved notification
  before the use case returns. Events saved by other processes are picked up by ``follow()``
  or by the next catch-up (the SQLite recorder cannot push notifications, so it is a pull).
- The webhooks' outbox: each event's public events are enqueued (``outbox.py``) in the same
  transaction, so exactly once; a rebuild (``rebuild.py``) enqueues only what the projection
  had not reached when it began (what was sent is not sent again).
- Behind the saves, for a bulk writer that reads no read model (the import): ``behind()``
  catches up in one thread while the saves go on, and projects everything before it returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification, Recording
from sqlalchemy import Connection, Engine

from academy_video.app.applications import EventSourcedApp

from .audit_chain import Sealer
from .batch import Batch
from .behind import Behind
from .outbox import enqueue, message_rows
from .projected_states import ProjectedStates
from .projections import PROJECTIONS
from .rebuild import count_rows, rebuild_projections
from .tracking import lock_position, move_position, tracked_positions
from .transcript_tables import CueSource, TranscriptProjection

__all__ = ["BATCH", "CACHE_SIZE", "Projector", "count_rows"]  # count_rows: re-exported (the CLI)

log = logging.getLogger(__name__)

# An event to apply: its notification, the event, and its aggregate as its save left it (if kept).
Applied = tuple[Notification, Any, Aggregate | None]

BATCH = 500
# Aggregates kept as last projected, per Application: a miss reloads from the store, so this
# holds the active progresses of a busy process (docs/benchmarks.md, Issue 22: progress writes).
CACHE_SIZE = 150_000


class Projector:
    def __init__(
        self,
        engine: Engine,
        apps: Iterable[EventSourcedApp],
        *,
        batch_size: int = BATCH,
        cache_size: int = CACHE_SIZE,
        audit_key: bytes = b"",
        cues_of: CueSource | None = None,
    ) -> None:
        self.engine = engine
        self.apps = {app.name: app for app in apps if app.name in PROJECTIONS}
        self.batch_size = batch_size
        self._locks = {name: threading.Lock() for name in self.apps}
        self._states = {name: ProjectedStates(self.apps[name], cache_size) for name in self.apps}
        # No key, no seal (and a rebuild leaves the chain as it is).
        self.sealer = Sealer(audit_key, cache_size) if audit_key else None
        # The transcript index reads the caption files (None: it is left as it is).
        self.transcripts = TranscriptProjection(cues_of) if cues_of is not None else None
        # Test hook: called after the rows are written and before the position is.
        self.before_tracking: Callable[[str, int], None] | None = None
        # When deliveries are queued (the outbox): the use cases' clock, where there is one.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        # Told, after each commit, the aggregates the events just applied touched (e.g. for the
        # versions mirror). A listener's failure is logged: the rows are committed.
        self.listeners: list[Callable[[str, list[Any]], None]] = []
        # Told, after a commit that queued webhook deliveries: a delivery process in this
        # process sends them now instead of at its next poll.
        self.on_queued: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._followers: list[threading.Thread] = []
        self._behind: Behind | None = None

    # Keeping up ----------------------------------------------------------------------------

    def attach(self) -> None:
        """Catch up after every save, in the saving thread (read-your-writes)."""
        for app in self.apps.values():
            app.listen(self._saved)

    def _saved(self, app_name: str, recordings: Sequence[Recording[UUID]]) -> None:
        if app_name not in self.apps or not recordings:
            return
        if self._behind is not None:
            self._behind.saved(app_name, max(r.notification.id for r in recordings))
            return
        try:
            self.catch_up(
                app_name, until=max(r.notification.id for r in recordings), saved=recordings
            )
        except Exception:
            # The event is stored: failing the use case now would invite a retry of something
            # that happened. The next catch-up (or ``follow``) applies it; lag shows meanwhile.
            log.exception("projector: catch-up after a save failed; it will be retried")

    def catch_up(
        self, app_name: str, until: int | None = None, saved: Sequence[Recording[UUID]] = ()
    ) -> int:
        """Apply what is new in ``app_name``'s log (at least up to ``until``); how many events.

        ``saved``: the recordings of a save this process just made. Those are applied as they
        are, not read back from the log (the most of a catch-up's cost), once everything before
        them is applied; their aggregates as the save left them come from the Application when
        it keeps them (``saved_state``)."""
        app, applied = self.apps[app_name], 0
        own = sorted(saved, key=lambda recording: recording.notification.id)
        with self._locks[app_name]:
            while True:
                with self.engine.begin() as conn:
                    position = lock_position(conn, app_name)
                    if until is not None and position >= until:
                        return applied
                    own = [r for r in own if r.notification.id > position]
                    items = self._next(app, position, own)
                    if not items:
                        return applied
                    states, queued = self._apply_events(conn, app_name, items)
                    applied += len(items)
                self._tell(app_name, states)
                if queued:
                    self._wake_deliverers()
                reached = until is not None and items[-1][0].id >= until
                if reached or (len(items) < self.batch_size and not own):
                    return applied

    def _next(
        self, app: EventSourcedApp, position: int, own: list[Recording[UUID]]
    ) -> list[Applied]:
        """The next events after ``position``, each with the aggregate its save left when the
        Application kept it: read from the log up to the first of ``own``, then ``own``'s."""
        stop = own[0].notification.id - 1 if own else None
        if stop is None or stop > position:
            notifications = app.recorder.select_notifications(
                start=position, limit=self.batch_size, stop=stop, inclusive_of_start=False
            )
            if notifications or not own:
                return [(n, app.mapper.to_domain_event(n), None) for n in notifications]
        return [
            (r.notification, r.domain_event, app.saved_state(r.domain_event.originator_id))
            for r in own[: self.batch_size]
        ]

    @contextmanager
    def behind(self) -> Iterator[None]:
        """Inside, a save does not wait for its rows: one thread catches the logs up meanwhile
        (the read models lag the store; for a bulk writer that does not read them, such as the
        import). On the way out, whatever happens inside, everything stored is projected before
        it returns (a failure then is raised), so the read models are whole again after it."""
        if self._behind is not None:
            yield
            return
        self._behind = Behind(lambda name, until: self.catch_up(name, until=until))
        try:
            yield
        finally:
            behind, self._behind = self._behind, None
            behind.finish()
            self.catch_up_all()

    def catch_up_all(self) -> int:
        return sum(self.catch_up(name) for name in self.apps)

    def follow(self, interval: float = 0.5) -> threading.Thread:
        """A daemon thread that picks up other processes' events every ``interval`` seconds."""

        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    self.catch_up_all()
                except Exception:  # keep following: the next round retries from the position
                    log.exception("projector: catch-up failed; retrying")

        thread = threading.Thread(target=run, name="projector", daemon=True)
        thread.start()
        self._followers.append(thread)
        return thread

    def stop(self) -> None:
        """Stop following, and wait for a round in progress: the Applications it reads are
        closed next (a round racing their close fails with "pool is closed")."""
        self._stop.set()
        for thread in self._followers:
            if thread is not threading.current_thread():
                thread.join(timeout=30)

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            tracked = tracked_positions(conn)
        return {name: tracked.get(name, 0) for name in self.apps}

    def lag(self) -> dict[str, int]:
        """Events stored but not yet in the read models, per Application."""
        positions = self.positions()
        return {
            name: max(0, (app.recorder.max_notification_id() or 0) - positions[name])
            for name, app in self.apps.items()
        }

    # Rebuilding ----------------------------------------------------------------------------

    def rebuild(self, up_to: dict[str, int] | None = None) -> int:
        """Empty every projected table and replay every log, in one transaction (readers see
        the old rows until it commits; the outbox gets only what it had not had: ``rebuild.py``).
        ``up_to`` stops each log at a position."""
        for lock in self._locks.values():
            lock.acquire()
        try:
            for cache in self._states.values():
                cache.clear()
            with self.engine.begin() as conn:
                applied, touched = rebuild_projections(
                    conn,
                    self.apps,
                    self._apply,
                    batch_size=self.batch_size,
                    up_to=up_to,
                    sealer=self.sealer,  # re-sealed: the log as it stands now
                )
            for name, states in touched:
                self._tell(name, states)
            return applied
        finally:
            for lock in self._locks.values():
                lock.release()

    # Internals -----------------------------------------------------------------------------

    def _apply(
        self,
        conn: Connection,
        app_name: str,
        notifications: Sequence[Notification],
        *,
        outbox: bool = True,
    ) -> tuple[list[Any], int]:
        """Write the rows of ``notifications`` (and with ``outbox``, their public events); the
        aggregates they touched, as they stand after the batch (one entry per event: an
        aggregate touched twice appears twice), and how many deliveries were queued."""
        mapper = self.apps[app_name].mapper
        items = [(n, mapper.to_domain_event(n), None) for n in notifications]
        return self._apply_events(conn, app_name, items, outbox=outbox)

    def _apply_events(
        self, conn: Connection, app_name: str, items: Sequence[Applied], *, outbox: bool = True
    ) -> tuple[list[Any], int]:
        """``_apply`` of events already decoded."""
        project, states = PROJECTIONS[app_name], self._states[app_name]
        batch, after, messages = Batch(), [], []
        notifications = [notification for notification, _, _ in items]
        for notification, event, kept in items:
            state = states.after(event, kept)
            project(batch, state, event, notification.id)
            if self.transcripts is not None and app_name == "Videos":
                self.transcripts.project(batch, state, event)
            after.append(state)
            if outbox:
                messages += message_rows(app_name, notification.id, event, state)
        batch.flush(conn)
        queued = enqueue(conn, messages, now=self.clock())
        if self.sealer is not None:
            self.sealer.seal(conn, app_name, notifications)
        last = notifications[-1].id
        if self.before_tracking is not None:
            self.before_tracking(app_name, last)
        move_position(conn, app_name, last)
        return after, queued

    def _wake_deliverers(self) -> None:
        for wake in self.on_queued:
            try:
                wake()
            except Exception:
                log.exception("projector: waking %r failed", wake)

    def _tell(self, app_name: str, states: list[Any]) -> None:
        for listener in self.listeners:
            try:
                listener(app_name, states)
            except Exception:
                log.exception("projector: listener %r failed", listener)
