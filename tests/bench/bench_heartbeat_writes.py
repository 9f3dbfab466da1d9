"""The write load of heartbeats on PostgreSQL: 100,000 students heart-beating every 30 s.

Simulated time, real PostgreSQL: two minutes of heartbeats go through ``ProgressService.submit``
and are flushed every 5 simulated seconds, as ``serve`` does (16,667 students per flush). The
first minute creates every student's progress; the second is the steady state, where each flush
credits progresses this process saved before (kept in memory: no read). Prints, as ratios
measured in this run:

- a steady flush's time against its 5 s interval (target < 100 %), beside one flush of the same
  students read from the store (the cost before the recent progresses were kept: a restart's
  first flush, or one after another process wrote them);
- the write path's CPU (submit + flush, this process) per heartbeat, times the process's own
  maximum heartbeat rate (``playback.heartbeat_rps`` from the last ``bench_playback.py`` run),
  as a share of one core (target <= 25 %);
- one transaction per heartbeat, on a sample, for reference.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from academy_video.adapters.cli.runtime import tune_collector
from academy_video.app.config import Settings
from academy_video.bootstrap import Adapters, Container, build
from academy_video.domain.progress import Sample
from tests.bench.figures import load, record
from tests.fakes.media import InMemoryObjectStorage

STUDENTS = int(os.environ.get("BENCH_PROGRESS_STUDENTS", "100000"))
BEAT_SECONDS = 30
FLUSH_SECONDS = 5
SIMULATED_SECONDS = 2 * BEAT_SECONDS
BENCH = "bench_heartbeat_writes.py"
TARGET_CPU_SHARE = 0.25


def main() -> int:
    url = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL", "")
    if not url:
        print("run with `make bench` (PostgreSQL)", file=sys.stderr)
        return 2
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_heartbeats WITH (FORCE)")
        conn.execute("CREATE DATABASE bench_heartbeats")
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp()),
        database_url=url.rsplit("/", 1)[0] + "/bench_heartbeats",
        playback_token_secret="p",
        progress_flush_seconds=FLUSH_SECONDS,
    )
    app = build(settings, Adapters(storage=InMemoryObjectStorage()))
    tune_collector()  # as ``serve`` does
    inserts = count_inserts(app)
    stages = time_stages(app)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    flushes: list[Flush] = []
    for tick in range(0, SIMULATED_SECONDS, FLUSH_SECONDS):
        flushes.append(beat_and_flush(app, inserts, stages, start, tick))
    steady = flushes[BEAT_SECONDS // FLUSH_SECONDS :]  # every student's progress exists
    stages_per_beat = {
        name: seconds / sum(f.students for f in steady)
        for name, seconds in stages.since(steady[0].stages_before).items()
    }
    # The next window's students once more, their progresses read from the store.
    app.progresses.recent.clear()
    from_store = beat_and_flush(app, inserts, stages, start, SIMULATED_SECONDS)

    per_flush = statistics.median(f.seconds for f in steady)
    students = statistics.median(f.students for f in steady)
    cpu_per_beat = sum(f.cpu for f in steady) / sum(f.students for f in steady)
    events = statistics.median(f.events for f in steady)
    transactions = max(f.transactions for f in steady)
    rate, rate_source = heartbeat_rate()
    share = cpu_per_beat * rate
    beats = STUDENTS / BEAT_SECONDS
    print(f"{STUDENTS:,} students, a heartbeat every {BEAT_SECONDS} s ({beats:,.0f}/s), PostgreSQL")
    print(
        f"  steady flush every {FLUSH_SECONDS} s, {students:,.0f} students:"
        f" {per_flush * 1000:,.0f} ms"
        f" ({per_flush / FLUSH_SECONDS:.0%} of the interval, target < 100 %), {transactions}"
        f" transactions, {events:,.0f} events; each flush: "
        + ", ".join(f"{f.seconds * 1000:,.0f}" for f in steady)
        + " ms"
    )
    print(
        f"  the same students read from the store: {from_store.seconds * 1000:,.0f} ms"
        f" ({from_store.seconds / FLUSH_SECONDS:.0%} of the interval;"
        f" {from_store.seconds / per_flush:.1f}x the steady flush)"
    )
    print(
        f"  write path CPU (submit + flush): {cpu_per_beat * 1e6:,.0f} us per heartbeat; at the"
        f" process's heartbeat rate {rate:,.0f}/s ({rate_source}): {share:.0%} of one core"
        " (target <= 25 %)"
    )
    print(
        "  of which: "
        + ", ".join(f"{name} {seconds * 1e6:,.0f} us" for name, seconds in stages_per_beat.items())
        + " per heartbeat (store: encode + insert; project: the read models; gc: the collector,"
        " partly inside the others; the rest: submit and crediting)"
    )
    each = one_transaction_each(settings, start)
    print(
        f"  one transaction per heartbeat: {beats:,.0f} transactions/s, "
        f"{each * 1000:.2f} ms each ({beats * each:.0%} of one connection's time)"
    )
    app.close()
    record(
        "progress.cpu_per_heartbeat_ms",
        cpu_per_beat * 1000,
        "ms",
        bench=BENCH,
        note="process CPU of submit + flush per heartbeat, steady state, PostgreSQL",
    )
    record(
        "progress.write_cpu_share_at_max_rate",
        share,
        "cores",
        bench=BENCH,
        note=f"at {rate:,.0f} heartbeats/s ({rate_source}); target <= 0.25",
    )
    record(
        "progress.flush_ms_per_student",
        per_flush * 1000 / students,
        "ms",
        bench=BENCH,
        note="wall time of a steady flush per student (recent progresses kept)",
    )
    record(
        "progress.flush_ms_per_student_from_store",
        from_store.seconds * 1000 / from_store.students,
        "ms",
        bench=BENCH,
        note="the same, every progress read from the store",
    )
    record(
        "progress.flush_share_100k",
        per_flush * STUDENTS / 100_000 / FLUSH_SECONDS,
        "interval",
        bench=BENCH,
        note="100,000 students at one beat per 30 s, flushed every 5 s; target < 1",
    )
    for name, seconds in stages_per_beat.items():
        record(
            f"progress.cpu_{name}_per_heartbeat_ms",
            seconds * 1000,
            "ms",
            bench=BENCH,
            note="part of progress.cpu_per_heartbeat_ms",
        )
    record("progress.pg_writes_per_flush", transactions, "transactions", bench=BENCH)
    record(
        "progress.events_per_flush_row",
        events / students,
        "events",
        bench=BENCH,
        note="events per student per flush",
    )
    missed = []
    if share > TARGET_CPU_SHARE:
        missed.append(f"write path {share:.0%} of a core > {TARGET_CPU_SHARE:.0%}")
    if per_flush * STUDENTS / 100_000 >= FLUSH_SECONDS:
        missed.append("the flush of 100,000 students does not fit its interval")
    for miss in missed:
        print(f"  MISSED: {miss}")
    return 1 if missed else 0


class Flush:
    def __init__(
        self,
        seconds: float,
        cpu: float,
        students: int,
        events: int,
        transactions: int,
        stages_before: dict[str, float],
    ):
        self.seconds, self.cpu, self.students = seconds, cpu, students
        self.events, self.transactions = events, transactions
        self.stages_before = stages_before


class Stages:
    """Process CPU spent storing the events (encode + insert), projecting them (the inline
    listeners: the read models) and collecting garbage, in total."""

    def __init__(self) -> None:
        self.totals = {"store": 0.0, "project": 0.0, "gc": 0.0}
        self._gc_started = 0.0

    def since(self, before: dict[str, float]) -> dict[str, float]:
        return {name: total - before[name] for name, total in self.totals.items()}

    def gc_phase(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.process_time()
        else:
            self.totals["gc"] += time.process_time() - self._gc_started


def time_stages(app: Container) -> Stages:
    stages, progresses = Stages(), app.progresses
    put, notify = progresses.events.put, progresses._notify

    def timed_put(events: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return put(events, **kwargs)
        finally:
            stages.totals["store"] += time.process_time() - started

    def timed_notify(recordings: Any) -> None:
        started = time.process_time()
        try:
            notify(recordings)
        finally:
            stages.totals["project"] += time.process_time() - started

    progresses.events.put = timed_put  # type: ignore[method-assign,assignment]
    progresses._notify = timed_notify  # type: ignore[method-assign]
    gc.callbacks.append(stages.gc_phase)
    return stages


def count_inserts(app: Container) -> list[int]:
    inserts: list[int] = []
    recorder: Any = app.progresses.recorder
    insert = recorder.insert_events

    def counting(stored_events: Any, **kwargs: Any) -> Any:
        inserts.append(len(stored_events))
        return insert(stored_events, **kwargs)

    recorder.insert_events = counting
    return inserts


def beat_and_flush(
    app: Container, inserts: list[int], stages: Stages, start: datetime, tick: int
) -> Flush:
    """The students whose 30-second beat falls in this 5-second window, then one flush."""
    window = (tick % BEAT_SECONDS) // FLUSH_SECONDS
    before = dict(stages.totals)
    began, cpu0 = len(inserts), time.process_time()
    students = 0
    for student in range(STUDENTS):
        if (student % BEAT_SECONDS) // FLUSH_SECONDS == window:
            at = start + timedelta(seconds=tick + student % FLUSH_SECONDS)
            submit(app, 1, student, float(tick), at)
            students += 1
    t0 = time.perf_counter()
    app.progress.flush()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return Flush(seconds, cpu, students, sum(inserts[began:]), len(inserts) - began, before)


def submit(app: Container, video: int, student: int, position: float, at: datetime) -> None:
    app.progress.submit(
        video_id=video,
        enrollment_id=student + 1,
        tenant="demo",
        duration=3600.0,
        max_rate=1.0,
        samples=[Sample(f"s{student}", position, at)],
    )


def heartbeat_rate() -> tuple[float, str]:
    """The process's maximum heartbeat rate: ``bench_playback.py``'s, if a run recorded it."""
    figure = load().get("playback.heartbeat_rps")
    if figure:
        return float(figure["value"]), f"bench_playback.py, {figure['measured']}"
    # Stand-in: the last rate docs/benchmarks.md reports (Playback over HTTP, one worker).
    return 4_390.0, "STAND-IN: no recorded playback.heartbeat_rps; docs/benchmarks.md's 4,390"


def one_transaction_each(settings: Settings, start: datetime) -> float:
    """The same heartbeats one transaction each, timed on a sample of 500."""
    through = build(
        Settings(**{**settings.__dict__, "progress_flush_seconds": 0}),
        Adapters(storage=InMemoryObjectStorage()),
    )
    t0 = time.perf_counter()
    for student in range(500):
        submit(through, 2, student, 75.0, start + timedelta(seconds=75))
    each = (time.perf_counter() - t0) / 500
    through.close()
    return each


if __name__ == "__main__":
    sys.exit(main())
