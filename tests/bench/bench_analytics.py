"""Analytics over 1,000,000 stored playback events of one video (1,000 students), PostgreSQL,
in one run: our SQL (``adapters/sql/analytics.py``) vs the seed's algorithm on the same rows
(fetch every event with its student, score and sum in a Python loop; here through a raw
server-side cursor, lighter than the seed's ORM, so the ratio is conservative). Then the CSV
export of the million rows, streamed, with its peak memory against an export of 100,000 rows."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import case, create_engine, func, select, text

from academy_video.adapters.sql import migrate, tables
from academy_video.adapters.sql.analytics import SqlAnalytics, score, severity
from academy_video.adapters.sql.projections import policy_key
from academy_video.domain.policy import ANALYTICS_WEIGHTS, ClientEventType

EVENTS, STUDENTS, VIDEO, TENANT = 1_000_000, 1_000, 1, "bench"
DATABASE = "bench_analytics"
TYPES = [t.value for t in ClientEventType]
events = tables.playback_events
# The policies sessions were judged by (the events list shows one with each event): 50 kinds.
POLICIES = [
    {
        "allow_seek": False,
        "seek": {"mode": "blocked"},
        "playback_rate": {"max": 1.0 + k / 10, "ui_control": k % 2 == 0},
        "watermark": {"enabled": True, "mode": "overlay", "fields": ["user_id"]},
        "concurrency": {"max_sessions": 9999, "max_devices": 9999},
    }
    for k in range(50)
]


def load(url: str) -> None:
    """The read models of one video with a million player events, by COPY."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO lecture_sessions (session_id, lecture_id, tenant, title) "
            "VALUES (1, 1, %s, 'S')",
            (TENANT,),
        )
        with cur.copy(
            "COPY students (student_id, tenant, user_id, name, phone, parent_phone, school,"
            " grade) FROM STDIN"
        ) as copy:
            for n in range(1, STUDENTS + 1):
                copy.write_row((n, TENANT, 10_000 + n, f"Student {n}", "", "", "", ""))
        with cur.copy(
            "COPY enrollments (enrollment_id, tenant, student_id, lecture_id, status) FROM STDIN"
        ) as copy:
            for n in range(1, STUDENTS + 1):
                copy.write_row((n, TENANT, n, 1, "ACTIVE"))
        with cur.copy(
            "COPY progress (aggregate_id, progress_id, tenant, video_id, enrollment_id, progress,"
            " last_position, completed, rejected_jumps, updated_at) FROM STDIN"
        ) as copy:
            for n in range(1, STUDENTS + 1):
                p = rng.random()
                copy.write_row((uuid.uuid4(), n, TENANT, VIDEO, n, p, p * 600, p >= 0.95, 0, now))
        sessions = {n: (uuid.uuid4(), uuid.uuid4().hex) for n in range(1, STUDENTS + 1)}
        policy_keys = [policy_key(p) for p in POLICIES]
        cur.executemany(
            "INSERT INTO playback_policies (policy_key, policy) VALUES (%s, %s)",
            [(policy_key(p), json.dumps(p)) for p in POLICIES],
        )
        with cur.copy(
            "COPY playback_events (event_id, session_aggregate_id, batch_version, item,"
            " session_id, tenant, video_id, enrollment_id, user_id, event_type, violated,"
            " violation_reason, occurred_at, client_occurred_at, received_at, payload,"
            " policy_key) FROM STDIN"
        ) as copy:
            for i in range(EVENTS):
                n = i % STUDENTS + 1
                aggregate, sid = sessions[n]
                kind = rng.choice(TYPES)
                violated = kind == "SEEK_ATTEMPT" and rng.random() < 0.3
                at = now - timedelta(seconds=rng.uniform(0, 6 * 86400))
                copy.write_row(
                    (
                        i + 1,
                        aggregate,
                        i // STUDENTS + 1,
                        0,
                        sid,
                        TENANT,
                        VIDEO,
                        n,
                        10_000 + n,
                        kind,
                        violated,
                        "seek_blocked" if violated else "",
                        at,
                        at,
                        at,
                        "{}",
                        policy_keys[n % len(POLICIES)],
                    )
                )
    _rollup(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def _rollup(url: str) -> None:
    """What the projection keeps per video, student and hour as it writes (COPY bypassed it)."""
    hours = tables.playback_event_hours
    sev = severity()
    hour = func.date_trunc("hour", events.c.occurred_at)
    rollup = hours.insert().from_select(
        [c.name for c in hours.columns],
        select(
            events.c.video_id,
            events.c.enrollment_id,
            hour,
            events.c.tenant,
            func.count(),
            func.sum(score(ANALYTICS_WEIGHTS)),
            func.count(case((sev == "danger", 1))),
            func.count(case((sev == "warn", 1))),
            func.count(case((sev == "info", 1))),
            func.max(events.c.occurred_at),
        ).group_by(events.c.video_id, events.c.enrollment_id, hour, events.c.tenant),
    )
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("SET TIME ZONE 'UTC'"))
        conn.execute(rollup)
    engine.dispose()


def seed_risk(url: str, since: datetime | None) -> list[tuple[int, int]]:
    """The seed's risk and summary loop: every event with its student, scored in Python."""
    agg: dict[int, dict[str, Any]] = {}
    with psycopg.connect(url) as conn, conn.cursor(name="events") as cur:
        cur.itersize = 2000
        cur.execute(
            "SELECT e.enrollment_id, s.name, e.event_type, e.violated, e.violation_reason,"
            " e.occurred_at FROM playback_events e JOIN enrollments en"
            " ON en.enrollment_id = e.enrollment_id JOIN students s"
            " ON s.student_id = en.student_id WHERE e.video_id = %s AND e.occurred_at >= %s",
            (VIDEO, since or datetime(1970, 1, 1, tzinfo=UTC)),
        )
        for eid, name, kind, violated, reason, at in cur:
            row = agg.get(eid)
            if row is None:
                row = agg[eid] = {
                    "name": name,
                    "score": 0,
                    "danger": 0,
                    "warn": 0,
                    "info": 0,
                    "last": None,
                }
            score = ANALYTICS_WEIGHTS.get(kind, 1)
            if violated:
                score *= 2
            if reason:
                score += 1
            row["score"] += score
            if violated:
                row["danger"] += 1
            elif kind in ("SEEK_ATTEMPT", "SPEED_CHANGE_ATTEMPT", "FOCUS_LOST"):
                row["warn"] += 1
            else:
                row["info"] += 1
            if row["last"] is None or at > row["last"]:
                row["last"] = at
    top = sorted(agg.items(), key=lambda kv: (kv[1]["score"], kv[1]["danger"], kv[1]["warn"]))
    return [(eid, row["score"]) for eid, row in reversed(top[-5:])]


def best(function: Any, repeats: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def list_events(analytics: SqlAnalytics) -> None:
    """The events list as the console reads it (a page of 5,000, newest first) and as the
    seed's clients do (every match, streamed; the first 100,000 rows timed)."""
    print("events list                          seconds")
    for label, since in (("range all", None), ("range 24h", datetime.now(UTC) - timedelta(1))):

        def first(rows: int, limit: int | None, since: datetime | None = since) -> int:
            listed, _ = analytics.events(
                TENANT,
                video_id=VIDEO,
                enrollment_id=None,
                violated=None,
                since=since,
                event_types=[],
                search=None,
                limit=limit,
                offset=0,
            )
            return sum(1 for _, _ in zip(range(rows), listed, strict=False))

        page_s, _ = best(lambda: first(5_000, 5_000))
        stream_s, _ = best(lambda: first(100_000, None), repeats=2)
        print(f"  {label:12} page of 5,000 {page_s:8.3f}; first 100,000 streamed {stream_s:6.2f}")


def export_child(url: str, limit: int) -> tuple[float, float]:
    """Export in a child process (so its peak memory is its own): seconds, peak RSS MiB."""
    code = (
        "import sys, time, resource\n"
        "from sqlalchemy import create_engine\n"
        "from academy_video.adapters.sql.analytics import SqlAnalytics\n"
        "from academy_video.adapters.http.analytics_views import export_csv\n"
        "engine = create_engine(sys.argv[1].replace('postgresql://', 'postgresql+psycopg://'))\n"
        "limit, n, size = int(sys.argv[2]), 0, 0\n"
        "started = time.perf_counter()\n"
        "rows = SqlAnalytics(engine).export('bench', 1, since=None)\n"
        "def first(rows):\n"
        "    for i, row in enumerate(rows):\n"
        "        if i >= limit: return\n"
        "        yield row\n"
        "for chunk in export_csv(first(rows)): size += len(chunk)\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(time.perf_counter() - started, rss, size)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, url, str(limit)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> int:
    base = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL")
    if not base:
        print("run with `make bench` (PostgreSQL)", file=sys.stderr)
        return 2
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    url = base.rsplit("/", 1)[0] + "/" + DATABASE
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    migrate.upgrade(engine)
    started = time.perf_counter()
    load(url)
    took = time.perf_counter() - started
    print(f"loaded {EVENTS:,} events of one video, {STUDENTS:,} students, in {took:.1f} s")
    analytics = SqlAnalytics(engine)
    video = {"video_id": VIDEO, "session_id": 1, "duration": 600}

    print("risk + summary over 1M events      ours s   seed's loop s   ratio")
    day_ago = datetime.now(UTC) - timedelta(hours=24)
    for label, since in (
        ("range all (1,000,000 rows)", None),
        ("range 24h (~167,000 rows)", day_ago),
    ):

        def ours(since: datetime | None = since) -> list[tuple[int, int]]:
            analytics.completion(TENANT, video)
            rows = analytics.risk(TENANT, VIDEO, since=since, limit=5)
            return [(r["enrollment_id"], int(r["score"])) for r in rows]

        ours_s, ours_top = best(ours)
        seed_s, seed_top = best(lambda since=since: seed_risk(url, since), repeats=1)
        assert ours_top == seed_top, (ours_top, seed_top)  # the same ranking, the same scores
        print(f"  {label:30} {ours_s:8.4f} {seed_s:13.3f} {seed_s / ours_s:6.0f}×")
    print("  (target ≥ 50×)")
    list_events(analytics)
    small_s, small_rss = export_child(url, 100_000)
    full_s, full_rss = export_child(url, EVENTS)
    print("CSV export                          seconds   peak RSS MiB")
    print(f"  100,000 rows                     {small_s:8.1f} {small_rss:12.0f}")
    print(f"  1,000,000 rows                   {full_s:8.1f} {full_rss:12.0f}")
    print(f"  rows/s {EVENTS / full_s:,.0f}; memory ratio 1M/100k: {full_rss / small_rss:.2f}")
    engine.dispose()
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process, which loaded the data: {self_rss:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
