"""The write load of heartbeats on PostgreSQL: 10,000 students heart-beating every 30 s.

Simulated time, real PostgreSQL: one minute of heartbeats (20,000) goes through
``ProgressService.submit`` and is flushed every 5 simulated seconds, as ``serve`` does. Prints
transactions and events per flush and how long each flush takes, next to what writing each
heartbeat on its own would cost (one transaction per heartbeat, measured on a sample)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from academy_video.app.config import Settings
from academy_video.bootstrap import Adapters, build
from academy_video.domain.progress import Sample
from tests.fakes.media import InMemoryObjectStorage

STUDENTS = 10_000
BEAT_SECONDS = 30
FLUSH_SECONDS = 5
SIMULATED_SECONDS = 60


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
    inserts: list[int] = []
    recorder: Any = app.progresses.recorder
    insert = recorder.insert_events

    def counting(stored_events: Any, **kwargs: Any) -> Any:
        inserts.append(len(stored_events))
        return insert(stored_events, **kwargs)

    recorder.insert_events = counting
    start = datetime(2026, 1, 1, tzinfo=UTC)
    flushes: list[tuple[float, int, int]] = []
    for tick in range(0, SIMULATED_SECONDS, FLUSH_SECONDS):
        # The students whose 30-second beat falls in this 5-second window.
        for student in range(STUDENTS):
            if (student % BEAT_SECONDS) // FLUSH_SECONDS == (tick % BEAT_SECONDS) // FLUSH_SECONDS:
                at = start + timedelta(seconds=tick + student % FLUSH_SECONDS)
                app.progress.submit(
                    video_id=1,
                    enrollment_id=student + 1,
                    tenant="demo",
                    duration=3600.0,
                    max_rate=1.0,
                    samples=[Sample(f"s{student}", float(tick), at)],
                )
        began = len(inserts)
        t0 = time.perf_counter()
        app.progress.flush()
        flushes.append((time.perf_counter() - t0, sum(inserts[began:]), len(inserts) - began))
    steady = flushes[len(flushes) // 2 :]  # after every student's progress exists
    per_flush = statistics.median(s for s, _, _ in steady)
    events = statistics.median(e for _, e, _ in steady)
    transactions = max(t for _, _, t in steady)

    # The same heartbeats one transaction each, timed on a sample of 500.
    settings_through = Settings(**{**settings.__dict__, "progress_flush_seconds": 0})
    through = build(settings_through, Adapters(storage=InMemoryObjectStorage()))
    t0 = time.perf_counter()
    for student in range(500):
        through.progress.submit(
            video_id=1,
            enrollment_id=student + 1,
            tenant="demo",
            duration=3600.0,
            max_rate=1.0,
            samples=[Sample(f"s{student}", 75.0, start + timedelta(seconds=75))],
        )
    each = (time.perf_counter() - t0) / 500
    rate = STUDENTS / BEAT_SECONDS
    print(f"{STUDENTS:,} students, a heartbeat every {BEAT_SECONDS} s ({rate:,.0f}/s), PostgreSQL")
    print(
        f"  buffered, flushed every {FLUSH_SECONDS} s: {transactions} transaction per flush, "
        f"{events:,.0f} events, {per_flush * 1000:,.0f} ms per flush "
        f"({per_flush / FLUSH_SECONDS:.0%} of the interval), {1 / FLUSH_SECONDS:.1f} transactions/s"
    )
    print(
        f"  one transaction per heartbeat: {rate:,.0f} transactions/s, "
        f"{each * 1000:.2f} ms each ({rate * each:.0%} of one connection's time)"
    )
    app.close()
    through.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
