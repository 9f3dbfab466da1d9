"""Event store appends vs raw psycopg inserts, and projection rebuild rate, on one PostgreSQL.

Run by `make bench` (which starts a throwaway PostgreSQL). Prints events/s and the ratios.
- Appends: ``Application.save`` of new aggregates holding 1, 10 or 100 events, configured as
  deployed (MessagePack, zlib, our recorder), vs raw psycopg inserting the same number of rows of
  the same size per transaction (``executemany``) into a table shaped like the event store's.
  Only the saving is timed on both sides: the aggregates are built before the clock starts, as
  the raw side's rows are. COPY is printed as the ceiling.
- Rebuild: `Projector.rebuild()` over a realistic mix (videos, grants, playback sessions with
  event batches, progress heartbeats), events/s and rows written/s, against raw psycopg writing
  the very rows the rebuild wrote into the same tables in the same run (one transaction: the
  tables emptied, then one ``executemany`` INSERT per table in chunks of ``RAW_CHUNK`` rows, no
  COPY). Target: the rebuild's rows/s >= 30 % of the raw rows/s.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import psycopg
from eventsourcing.domain import Aggregate, event
from psycopg.types.json import Jsonb

from academy_video.adapters.sql import migrate
from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.engine import postgres_engine
from academy_video.adapters.sql.projector import Projector
from academy_video.app.applications import EventSourcedApp
from academy_video.app.grants import Grants
from academy_video.app.persistence import COMMON, postgres_env
from academy_video.app.progresses import Progresses
from academy_video.app.sessions import PlaybackSessions
from academy_video.app.videos import Videos
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import ClientEvent, PlaybackSession, RevokeRule
from academy_video.domain.policy import GrantRules, Limits, Rule, VideoDefaults, effective_policy
from academy_video.domain.progress import Plausibility, Sample, WatchProgress
from academy_video.domain.video import Video
from tests.bench.figures import record

URL = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL", "")
EVENTS_PER_RUN = 4_000
REPEATS = 3
RAW_CHUNK = 500  # rows per executemany on the raw side, as the projector's batch of events
REBUILD_TARGET = 0.30  # the rebuild's rows/s against raw inserts of the same rows


class Beat(Aggregate):
    """A bench aggregate whose events carry what a heartbeat event carries."""

    @event("Started")
    def __init__(self, session_id: str, position: float) -> None:
        self.position = position

    @event("Moved")
    def move(self, session_id: str, position: float, at: datetime) -> None:
        self.position = position


class BenchApp(EventSourcedApp):
    pass


def fresh_database(name: str) -> str:
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return URL.rsplit("/", 1)[0] + "/" + name


def best_rate(run: Callable[[], int], prepare: Callable[[], object] | None = None) -> float:
    """Events per second of the fastest of REPEATS runs (``prepare`` is not timed)."""
    rates = []
    for _ in range(REPEATS):
        if prepare is not None:
            prepare()
        started = time.perf_counter()
        events = run()
        rates.append(events / (time.perf_counter() - started))
    return max(rates)


def bench_appends(url: str) -> list[tuple[int, float, float]]:
    app = BenchApp({**COMMON, **postgres_env(url)})
    at = datetime.now(UTC)
    sample = Beat(session_id="s" * 32, position=1.0)
    sample.move("s" * 32, 2.0, at)
    state_size = len(app.mapper.to_stored_event(sample.collect_events()[1]).state)
    results = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE raw_events (originator_id uuid NOT NULL, originator_version integer "
            "NOT NULL, topic text NOT NULL, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute("CREATE UNIQUE INDEX ON raw_events (notification_id)")
    state = zlib.compress(os.urandom(state_size))[:state_size]
    for per_save in (1, 10, 100):
        saves = EVENTS_PER_RUN // per_save
        built: list[Beat] = []

        def build(per_save: int = per_save, saves: int = saves, built: list[Beat] = built) -> None:
            built.clear()
            for _ in range(saves):
                beat = Beat(session_id="s" * 32, position=0.0)
                for n in range(per_save - 1):
                    beat.move("s" * 32, float(n), at)
                built.append(beat)

        def through_event_store(per_save: int = per_save, built: list[Beat] = built) -> int:
            for beat in built:
                app.save(beat)
            return len(built) * per_save

        def raw_insert(per_save: int = per_save, saves: int = saves) -> int:
            with psycopg.connect(url) as conn:
                for _ in range(saves):
                    originator = uuid.uuid4()
                    with conn.cursor() as cursor:
                        cursor.executemany(
                            "INSERT INTO raw_events (originator_id, originator_version, topic, "
                            "state) VALUES (%s, %s, %s, %s)",
                            [(originator, v, "bench:Beat.Moved", state) for v in range(per_save)],
                        )
                    conn.commit()
            return saves * per_save

        store = best_rate(through_event_store, prepare=build)
        results.append((per_save, store, best_rate(raw_insert)))

    def copy() -> int:
        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            columns = "originator_id, originator_version, topic, state"
            with cursor.copy(f"COPY raw_events ({columns}) FROM STDIN") as rows:
                for _ in range(EVENTS_PER_RUN // 100):
                    originator = uuid.uuid4()
                    for v in range(100):
                        rows.write_row((originator, v, "bench:Beat.Moved", state))
        return EVENTS_PER_RUN

    results.append((0, 0.0, best_rate(copy)))
    app.close()
    return results


def populate(apps: dict[str, EventSourcedApp], sessions: int) -> int:
    """Videos, grants, sessions with event batches and progress heartbeats, as a day would leave."""
    now = datetime.now(UTC)
    stored = 0
    videos, grants = apps["Videos"], apps["Grants"]
    playback, progresses = apps["PlaybackSessions"], apps["Progresses"]
    for video_id in range(1, 21):
        video = Video.register(
            video_id=video_id,
            tenant="demo",
            session_id=1,
            title=f"Lecture {video_id}",
            file_key=f"videos/demo/1/{video_id}.mp4",
            order=video_id,
            defaults=VideoDefaults(),
        )
        video.confirm_upload(size=10_000_000, probe={"duration": 600.0})
        video.start_processing(worker_id="w", now=now, lease_seconds=60, max_attempts=3)
        video.complete_processing(
            worker_id="w", now=now, hls_path=f"hls/demo/videos/{video_id}/master.m3u8"
        )
        videos.save(video)
        stored += video.version
    policy = effective_policy(
        VideoDefaults(), None, completed=False, limits=Limits(max_sessions=2, max_devices=2)
    )
    for n in range(sessions):
        video_id, enrollment = n % 20 + 1, n
        grant = PermissionGrant(
            video_id=video_id, enrollment_id=enrollment, tenant="demo", permission_id=n + 1
        )
        grant.set_rules(GrantRules(rule=Rule.ONCE), is_override=True)
        grants.save(grant)
        session = PlaybackSession(
            session_id=uuid.uuid4().hex,
            tenant="demo",
            video_id=video_id,
            enrollment_id=enrollment,
            user_id=enrollment + 10_000,
            device_id="device",
            policy=policy,
            policy_version=1,
            grant_version=grant.version,
            started_at=now,
            expires_at=now + timedelta(minutes=10),
        )
        for _ in range(8):
            session.report_events(
                [ClientEvent("VISIBILITY_HIDDEN"), ClientEvent("VISIBILITY_VISIBLE")],
                now=now,
                rule=RevokeRule(threshold=1000, ratio=1.1),
            )
        session.end(now=now)
        playback.save(session)
        progress = WatchProgress(
            video_id=video_id, enrollment_id=enrollment, tenant="demo", progress_id=n + 1
        )
        for beat in range(8):
            progress.record(
                [Sample(session.session_id, beat * 10.0, now + timedelta(seconds=beat * 10))],
                duration=600.0,
                plausibility=Plausibility(),
            )
        progresses.save(progress)
        stored += grant.version + session.version + progress.version
    return stored


class Rebuilt(NamedTuple):
    events: int
    rows: int
    events_per_s: float
    rows_per_s: float
    raw_rows_per_s: float
    log_bytes_per_event: float  # the event stores' tables and indexes, per stored event
    read_model_bytes_per_event: float  # the read models' tables and indexes, per event applied


def database_bytes(url: str) -> int:
    """Tables and indexes of the public schema, in bytes, compacted first (the rebuilds and the
    raw inserts leave dead rows behind; a day of appends would not)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM FULL")
        total = conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchone()
    return int(total[0] or 0) if total else 0


def projected_rows(url: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row the rebuild left in the projected tables, per table: its columns and rows."""
    written = {}
    with psycopg.connect(url) as conn:
        for table in (*t.PROJECTED, *t.INDEXED):
            cursor = conn.execute(f'SELECT * FROM "{table.name}"')
            rows = cursor.fetchall()
            if rows:
                columns = [c.name for c in cursor.description or ()]
                written[table.name] = (columns, rows)
    return written


def raw_insert_rows(url: str, written: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> int:
    """The rebuild's writes done by hand: the same tables emptied, the same rows inserted, in
    one transaction; how many rows."""
    inserted = 0
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        for table in (*t.PROJECTED, *t.INDEXED):
            cursor.execute(f'DELETE FROM "{table.name}"')
        for name, (columns, rows) in written.items():
            values = [
                tuple(Jsonb(v) if isinstance(v, dict | list) else v for v in row) for row in rows
            ]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            insert = f'INSERT INTO "{name}" ({names}) VALUES ({marks})'
            for start in range(0, len(values), RAW_CHUNK):
                cursor.executemany(insert, values[start : start + RAW_CHUNK])
            inserted += len(rows)
    return inserted


def bench_rebuild(url: str, sessions: int) -> Rebuilt:
    env = {**COMMON, **postgres_env(url)}
    apps: dict[str, EventSourcedApp] = {
        app.name: app for app in (Videos(env), Grants(env), PlaybackSessions(env), Progresses(env))
    }
    stored = populate(apps, sessions)
    log_bytes = database_bytes(url)  # only the event stores so far
    engine = postgres_engine(url)
    migrate.upgrade(engine)
    projector = Projector(engine, apps.values())
    rebuilds, raws = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        applied = projector.rebuild()
        rebuilds.append(time.perf_counter() - started)
        assert applied == stored, (applied, stored)
        written = projected_rows(url)
        rows = sum(len(r) for _, r in written.values())
        started = time.perf_counter()
        assert raw_insert_rows(url, written) == rows
        raws.append(time.perf_counter() - started)
    engine.dispose()
    for app in apps.values():
        app.close()
    read_model_bytes = database_bytes(url) - log_bytes
    rebuild, raw = statistics.median(rebuilds), statistics.median(raws)
    return Rebuilt(
        stored,
        rows,
        stored / rebuild,
        rows / rebuild,
        rows / raw,
        log_bytes / stored,
        read_model_bytes / stored,
    )


def main() -> int:
    if not URL:
        print("ACADEMY_VIDEO_TEST_DATABASE_URL is not set: run `make bench`", file=sys.stderr)
        return 2
    print(
        f"PostgreSQL at {URL.rsplit('@', 1)[-1]}; best of {REPEATS} runs of {EVENTS_PER_RUN} events"
    )
    print("events/save  event store (events/s)  raw psycopg (rows/s)  ratio")
    for per_save, store, raw in bench_appends(fresh_database("bench_appends")):
        if per_save:
            print(f"{per_save:>11}  {store:>22,.0f}  {raw:>20,.0f}  {store / raw:>5.0%}")
            name = f"appends.events_per_s_{per_save}_per_save"
            record(name, store, "events/s", bench="bench_persistence", note="one process")
        else:
            print(f"{'(COPY)':>11}  {'':>22}  {raw:>20,.0f}")
    rebuilt = bench_rebuild(fresh_database("bench_rebuild"), sessions=2_000)
    ratio = rebuilt.rows_per_s / rebuilt.raw_rows_per_s
    print(
        f"projection rebuild: {rebuilt.events:,} events, {rebuilt.rows:,} rows; median of "
        f"{REPEATS}: {rebuilt.events_per_s:,.0f} events/s, {rebuilt.rows_per_s:,.0f} rows/s"
    )
    by_hand = f"{rebuilt.raw_rows_per_s:,.0f} rows/s"
    print(f"raw psycopg, the same rows (executemany, {RAW_CHUNK} a call): {by_hand}")
    verdict = "met" if ratio >= REBUILD_TARGET else "NOT met"
    print(f"rebuild / raw: {ratio:.0%} (target >= {REBUILD_TARGET:.0%}: {verdict})")
    bench = "bench_persistence"
    record("rebuild.events_per_s", rebuilt.events_per_s, "events/s", bench=bench)
    record("rebuild.rows_per_s", rebuilt.rows_per_s, "rows/s", bench=bench)
    record("rebuild.raw_rows_per_s", rebuilt.raw_rows_per_s, "rows/s", bench=bench)
    record("rebuild.ratio_to_raw", ratio, "ratio", bench=bench)
    print(
        f"disk: {rebuilt.log_bytes_per_event:,.0f} bytes per stored event (event stores), "
        f"{rebuilt.read_model_bytes_per_event:,.0f} bytes of read models per event"
    )
    record("postgres.log_bytes_per_event", rebuilt.log_bytes_per_event, "bytes", bench=bench)
    note = "read models' tables and indexes over events applied, on the rebuild's mix"
    record(
        "postgres.read_model_bytes_per_event",
        rebuilt.read_model_bytes_per_event,
        "bytes",
        bench=bench,
        note=note,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
