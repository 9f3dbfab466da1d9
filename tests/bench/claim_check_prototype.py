"""PROTOTYPE, not the import: what the claim-check design of issue 19 would cost in SQL, and
whether its set-based projection gives the projector's rows (docs/benchmarks.md, Issue 19).

Fills the old academy (``BENCH_IMPORT_EVENTS`` events, as bench_import.py), imports it with the
command as it is, then, in the service's database, in temporary tables only (nothing is left):

1. stages the old playback events by ``COPY`` into an append-only copy keyed by (source, old id),
   as the claim-check's immutable ``imported_playback_events`` would hold them;
2. per old session, the facts a claim-check event would carry (last old id, count, violations);
3. projects every session's staged events set-based: ``playback_events`` rows by one
   ``INSERT … SELECT`` (the rules of ``_item``: the session's video and enrollment, a known
   type) and the hourly sums by one grouped upsert with the analytics rules in SQL
   (``adapters/sql/rules.py``), into copies of the two tables;
4. compares them with what the projector wrote from the stored events.

Run: ``PYTHONPATH=. .venv/bin/python tests/bench/claim_check_prototype.py`` with the services'
``ACADEMY_VIDEO_TEST_DATABASE_URL`` (``scripts/services start``). Not run by ``make bench``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import psycopg
from sqlalchemy import Boolean, String, column
from sqlalchemy.dialects import postgresql

from academy_video.adapters.sql import rules
from academy_video.adapters.sql.projections import policy_key
from academy_video.domain.policy import ANALYTICS_WEIGHTS, ClientEventType
from tests.bench.bench_import import EVENTS, command, fresh_database, old_database
from tests.legacy_django import academy, database

OLD, NEW, SCHEMA = "claim_check_old", "claim_check_new", "legacy"
SOURCE = "video_videoplaybackevent"
OLD_COLUMNS = (
    "id, session_id, video_id, enrollment_id, user_id, event_type, event_payload, "
    "policy_snapshot, violated, violation_reason, occurred_at, received_at"
)
STAGED = """CREATE TEMP TABLE staged (
    source varchar(64) NOT NULL DEFAULT 'video_videoplaybackevent', old_id bigint NOT NULL,
    session_key varchar(64) NOT NULL, video_id bigint NOT NULL, enrollment_id bigint NOT NULL,
    user_id bigint NOT NULL, event_type varchar(32) NOT NULL, event_payload jsonb NOT NULL,
    policy_snapshot jsonb NOT NULL, violated boolean NOT NULL,
    violation_reason varchar(64) NOT NULL, occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL, PRIMARY KEY (source, old_id))"""
# What a batch of claim-check events hands the flush: one row per claim, in log order.
CLAIMS = """CREATE TEMP TABLE claims (aggregate_id uuid, session_key text, tenant text,
    video_id bigint, enrollment_id bigint, user_id bigint, after_id bigint, through_id bigint,
    position bigint)"""
JOINED = """FROM claims c JOIN staged s ON s.source = '{source}' AND s.session_key = c.session_key
    AND s.old_id > c.after_id AND s.old_id <= c.through_id AND s.video_id = c.video_id
    AND s.enrollment_id = c.enrollment_id AND s.event_type IN ({types})"""
# Compared: every column but where the row is stored (the claim's version and item numbering
# and the public id follow the claim-check's shape, not the EventsImported batches').
COMPARED = (
    "session_aggregate_id, session_id, tenant, video_id, enrollment_id, user_id, event_type, "
    "violated, violation_reason, occurred_at, client_occurred_at, received_at, payload::jsonb, "
    "policy_key"
)


def sql(expression: Any) -> str:
    compiled = expression.compile(
        dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs={"literal_binds": True},
    )
    return str(compiled)


def timed(label: str, started: float) -> None:
    print(f"  {label:58} {time.perf_counter() - started:6.3f} s", flush=True)


def stage(old_url: str, new: psycopg.Connection[Any]) -> None:
    started = time.perf_counter()
    new.execute(STAGED)
    with (
        psycopg.connect(old_url) as old,
        old.cursor().copy(
            f"COPY (SELECT {OLD_COLUMNS} FROM {SCHEMA}.{SOURCE} ORDER BY id) "
            "TO STDOUT (FORMAT binary)"
        ) as out,
        new.cursor().copy(
            "COPY staged (old_id, session_key, video_id, enrollment_id, user_id, event_type, "
            "event_payload, policy_snapshot, violated, violation_reason, occurred_at, "
            "received_at) FROM STDIN (FORMAT binary)"
        ) as into,
    ):
        for block in out:
            into.write(block)
    new.commit()
    timed("staging: the old events COPY'd in, keyed (source, old id)", started)


def claim_facts(new: psycopg.Connection[Any]) -> None:
    started = time.perf_counter()
    facts = new.execute(
        "SELECT session_key, max(old_id), count(*), count(*) FILTER (WHERE violated) "
        "FROM staged GROUP BY session_key"
    ).fetchall()
    timed(f"a claim-check's facts for each of {len(facts):,} sessions", started)


def project(new: psycopg.Connection[Any]) -> None:
    started = time.perf_counter()
    kind, violated, reason = (
        column("event_type", String),
        column("violated", Boolean),
        column("violation_reason", String),
    )
    score = sql(rules.event_score(kind, violated, reason, ANALYTICS_WEIGHTS))
    level = sql(rules.severity(kind, violated))
    types = ", ".join(f"'{name}'" for name in ClientEventType.__members__)
    joined = JOINED.format(source=SOURCE, types=types)
    new.execute("CREATE TEMP TABLE pe (LIKE playback_events INCLUDING ALL)")
    new.execute("CREATE TEMP TABLE peh (LIKE playback_event_hours INCLUDING ALL)")
    new.execute(CLAIMS)
    sessions = new.execute(
        "SELECT aggregate_id, session_id, tenant, video_id, enrollment_id, user_id "
        "FROM playback_sessions ORDER BY session_id"
    ).fetchall()
    with new.cursor().copy("COPY claims FROM STDIN") as claims:
        for position, session in enumerate(sessions):
            claims.write_row((*session, 0, 2**62, position))
    # The policies judged by: one key per distinct snapshot, made by the projection's own
    # ``policy_key`` (PostgreSQL has no BLAKE2b; the distinct snapshots are few).
    new.execute("CREATE TEMP TABLE keys (snapshot jsonb, key bigint)")
    snapshots = [row[0] for row in new.execute("SELECT DISTINCT policy_snapshot FROM staged")]
    with new.cursor().copy("COPY keys FROM STDIN") as keys:
        for snapshot in snapshots:
            keys.write_row((json.dumps(snapshot), policy_key(snapshot)))
    new.execute("ANALYZE claims")
    new.execute("ANALYZE keys")
    timed(f"claims listed, {len(snapshots)} policy keys", started)
    step = time.perf_counter()
    inserted = new.execute(
        "INSERT INTO pe (event_id, session_aggregate_id, batch_version, item, session_id, "
        "tenant, video_id, enrollment_id, user_id, event_type, violated, violation_reason, "
        "occurred_at, client_occurred_at, received_at, payload, policy_key) "
        "SELECT row_number() OVER (ORDER BY c.position, s.old_id), c.aggregate_id, 2, "
        "row_number() OVER (PARTITION BY c.aggregate_id ORDER BY s.old_id) - 1, "
        "c.session_key, c.tenant, c.video_id, c.enrollment_id, c.user_id, s.event_type, "
        "s.violated, s.violation_reason, s.occurred_at, s.occurred_at, s.received_at, "
        f"s.event_payload::json, k.key {joined} JOIN keys k ON k.snapshot = s.policy_snapshot"
    ).rowcount
    timed(f"playback_events: {inserted:,} rows, INSERT … SELECT", step)
    step = time.perf_counter()
    hours = new.execute(
        "INSERT INTO peh (video_id, enrollment_id, hour, tenant, events, score, danger, warn, "
        "info, last_occurred_at) SELECT c.video_id, c.enrollment_id, "
        "date_trunc('hour', s.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', "
        f"min(c.tenant), count(*), sum({score}), "
        f"count(*) FILTER (WHERE ({level}) = 'danger'), "
        f"count(*) FILTER (WHERE ({level}) = 'warn'), "
        f"count(*) FILTER (WHERE ({level}) = 'info'), max(s.occurred_at) {joined} "
        "GROUP BY 1, 2, 3 ON CONFLICT (video_id, enrollment_id, hour) DO UPDATE SET "
        "events = peh.events + excluded.events, score = peh.score + excluded.score, "
        "danger = peh.danger + excluded.danger, warn = peh.warn + excluded.warn, "
        "info = peh.info + excluded.info, "
        "last_occurred_at = greatest(peh.last_occurred_at, excluded.last_occurred_at)"
    ).rowcount
    timed(f"playback_event_hours: {hours:,} rows, one grouped upsert", step)
    new.commit()
    timed("the set-based projection, whole", started)


def compare(new: psycopg.Connection[Any]) -> int:
    def count(query: str) -> int:
        row = new.execute(query).fetchone()
        return int(row[0]) if row else 0

    differing = {
        "playback_events rows only the projector wrote": count(
            f"SELECT count(*) FROM (SELECT {COMPARED} FROM playback_events "
            f"EXCEPT ALL SELECT {COMPARED} FROM pe) d"
        ),
        "playback_events rows only the set-based wrote": count(
            f"SELECT count(*) FROM (SELECT {COMPARED} FROM pe "
            f"EXCEPT ALL SELECT {COMPARED} FROM playback_events) d"
        ),
        "hours only the projector wrote": count(
            "SELECT count(*) FROM (SELECT * FROM playback_event_hours EXCEPT SELECT * FROM peh) d"
        ),
        "hours only the set-based wrote": count(
            "SELECT count(*) FROM (SELECT * FROM peh EXCEPT SELECT * FROM playback_event_hours) d"
        ),
    }
    for label, n in differing.items():
        print(f"  {label:58} {n:6}")
    return sum(differing.values())


def main() -> int:
    base = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL")
    if not base:
        print("start the services first (scripts/services start)", file=sys.stderr)
        return 2
    old_url, old = old_database(base, OLD, SCHEMA)
    academy.fill_academy(old, events=EVENTS)
    env = {**os.environ, "ACADEMY_VIDEO_DATABASE_URL": fresh_database(base, NEW)}
    took, _ = command(["import", "django", "--dsn", old_url, "--schema", SCHEMA], env)
    print(f"the import as it is (the command, whole)               {took:8.2f} s")
    try:
        with psycopg.connect(env["ACADEMY_VIDEO_DATABASE_URL"]) as new:
            stage(old_url, new)
            claim_facts(new)
            project(new)
            return 0 if compare(new) == 0 else 1
    finally:
        database.close(old)


if __name__ == "__main__":
    sys.exit(main())
