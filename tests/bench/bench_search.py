"""Transcript search over 1,000 lectures' transcripts: the endpoint's query (``SqlTranscriptIndex``:
FTS5 trigram on SQLite, pg_trgm's GIN index on PostgreSQL) against a plain ``LIKE '%q%'`` scan
of the same rows, same join, order and limit, in the same run; p50 and p99 per store.

The transcripts are generated: 1,000 lectures of 240 cues each (a 40-minute lecture, a cue
every 10 s), Korean sentences made of a vocabulary of 2,000 invented words (each 2 to 4
syllables, with particles), a tenth of the cues English; plus 100 lectures of another tenant.
The queries: Korean and English words of every frequency (rare to common), two syllables to a
phrase. PostgreSQL needs ``ACADEMY_VIDEO_TEST_DATABASE_URL`` (``make bench`` starts it).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, insert, text

from academy_video.adapters.sql import migrate
from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.engine import postgres_engine, sqlite_engine
from academy_video.adapters.sql.transcript_tables import texts
from academy_video.adapters.sql.transcript_tables import transcript_cues as c
from academy_video.adapters.sql.transcripts import SqlTranscriptIndex, cue_query, like_pattern

LECTURES, OTHER_LECTURES, CUES = 1_000, 100, 240
ROUNDS = 200  # queries timed per store and method
DATABASE = "bench_search"
SYLLABLES = [chr(0xAC00 + i) for i in range(0, 11172, 7)]  # a spread of Hangul syllables
PARTICLES = ["은", "는", "이", "가", "을", "를", "에서", "으로", "의", "도"]
ENGLISH = [
    "limit",
    "derivative",
    "integral",
    "series",
    "vector",
    "matrix",
    "function",
    "proof",
    "theorem",
    "lemma",
    "graph",
    "probability",
    "variance",
    "sample",
    "estimate",
    "algorithm",
    "complexity",
    "recursion",
    "induction",
]


def vocabulary(rng: random.Random) -> list[str]:
    return ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(2_000)]


def sentence(rng: random.Random, words: list[str]) -> str:
    if rng.random() < 0.1:
        return " ".join(rng.choices(ENGLISH, k=rng.randint(5, 10))).capitalize() + "."
    # Zipf-like: a few words said often, most rarely (as in speech).
    picked = [words[min(int(rng.paretovariate(1.0)) - 1, len(words) - 1)] for _ in range(6)]
    return " ".join(w + rng.choice(PARTICLES) for w in picked) + "니다."


def load(engine: Engine, rng: random.Random, words: list[str]) -> int:
    now, rows = datetime.now(UTC), 0
    with engine.begin() as conn:
        for number in range(LECTURES + OTHER_LECTURES):
            tenant = "demo" if number < LECTURES else "other"
            aggregate = uuid.uuid4()
            conn.execute(
                insert(t.videos),
                [
                    {
                        "aggregate_id": aggregate, "video_id": number + 1, "tenant": tenant,
                        "session_id": number // 10 + 1, "title": f"Lecture {number + 1}",
                        "file_key": "", "order": number, "status": "READY", "allow_skip": True,
                        "max_speed": 2.0, "show_watermark": False, "policy_version": 1,
                        "size": 1, "duration": 2400.0, "hls_path": "", "thumbnail_key": "",
                        "error_reason": "", "processing_progress": 100, "attempts": 1,
                        "created_at": now, "updated_at": now,
                    }
                ],
            )  # fmt: skip
            track = uuid.uuid5(aggregate, "ko")
            cues = [
                {
                    "track_id": track, "cue_index": i, "aggregate_id": aggregate,
                    "tenant": tenant, "video_id": number + 1, "language": "ko",
                    "start_ms": i * 10_000, **texts(sentence(rng, words)),
                }
                for i in range(CUES)
            ]  # fmt: skip
            conn.execute(insert(c), cues)
            rows += len(cues)
    return rows


def queries(rng: random.Random, words: list[str]) -> list[str]:
    """Words of every frequency: the commonest, the middle, the rarest; English; phrases."""
    picked = [words[0], words[3], words[30], words[300], words[1_999]]
    picked += [w + "를" for w in words[:3]] + ["integral", "Matrix", "proof theorem"]
    picked += [w[:2] for w in words[100:103]]  # two syllables: no trigram
    return picked + rng.sample(words, 6)


def plain_scan(engine: Engine, q: str, limit: int) -> list[tuple[int, int]]:
    """The same query without the index: ``LIKE '%q%'`` (ILIKE on PostgreSQL, its bitmap scans,
    the only kind a GIN index has, turned off) over the tenant's rows, the same LIMIT."""
    postgres = engine.dialect.name != "sqlite"
    operator = c.c.text.ilike if postgres else c.c.text.like
    statement = (
        cue_query("demo", lecture_id=None, ready_only=False)
        .where(operator(like_pattern(q), escape="\\"))
        .limit(limit)
    )
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        return sorted((row[0], row[4]) for row in conn.execute(statement))


def timed(function: Callable[[str], Any], qs: list[str]) -> list[float]:
    took = []
    for n in range(ROUNDS):
        q = qs[n % len(qs)]
        started = time.perf_counter()
        function(q)
        took.append((time.perf_counter() - started) * 1000)
    return took


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def bench(name: str, engine: Engine) -> None:
    rng = random.Random(21)
    words = vocabulary(rng)
    migrate.upgrade(engine)
    started = time.perf_counter()
    rows = load(engine, rng, words)
    print(f"{name}: {rows:,} cues of {LECTURES + OTHER_LECTURES:,} lectures loaded "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    index, qs = SqlTranscriptIndex(engine), queries(rng, words)
    for q in qs:  # the same answers, and warm caches for both
        ours = index.search("demo", q, lecture_id=None, ready_only=False, limit=20)
        theirs = plain_scan(engine, q, 20)
        # The first 20 either finds are not the same 20: that both find 20, or as many.
        assert len(ours) == len(theirs), q
    ours_ms = timed(
        lambda q: index.search("demo", q, lecture_id=None, ready_only=False, limit=20), qs
    )
    scan_ms = timed(lambda q: plain_scan(engine, q, 20), qs)
    trigram = [q for q in qs if len(q) >= 3]
    ours3 = timed(
        lambda q: index.search("demo", q, lecture_id=None, ready_only=False, limit=20), trigram
    )
    scan3 = timed(lambda q: plain_scan(engine, q, 20), trigram)
    print(f"  {'':28} {'p50 ms':>8} {'p99 ms':>8}")
    for label, values in (
        ("index, every query", ours_ms),
        ("LIKE scan, every query", scan_ms),
        ("index, 3+ characters", ours3),
        ("LIKE scan, 3+ characters", scan3),
    ):
        print(f"  {label:28} {p(values, 50):8.2f} {p(values, 99):8.2f}")
    print(f"  p99 ratio (scan / index): every query {p(scan_ms, 99) / p(ours_ms, 99):.1f}x, "
          f"3+ characters {p(scan3, 99) / p(ours3, 99):.1f}x")  # fmt: skip


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        engine = sqlite_engine(Path(directory) / "search.sqlite3")
        try:
            bench("SQLite (FTS5 trigram and bigram tokens)", engine)
        finally:
            engine.dispose()
    base = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL")
    if not base:
        print("PostgreSQL: skipped (run with `make bench`)", file=sys.stderr)
        return 0
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    engine = postgres_engine(base.rsplit("/", 1)[0] + "/" + DATABASE)
    try:
        bench("PostgreSQL (pg_trgm GIN and a bigram tsvector)", engine)
    finally:
        engine.dispose()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
