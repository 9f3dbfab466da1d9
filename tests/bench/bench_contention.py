"""Event store appends from 1, 2 and 4 writer processes on one PostgreSQL (issue 22).

Each process writes what a ``serve`` process writes (``contention_workload.py``): playback event
batches and progress flushes at once, from two threads, as fast as it can for ``SECONDS``. Per
process count and mode (``raw`` reference, ``before`` the recorder before issue 22, ``store``,
``serve`` with the projector), a fresh database each time, the best of ``REPEATS`` interleaved
runs; printed: saves/s and events/s (summed over processes and both kinds), the ratio to the
raw reference of the same process count, and where PostgreSQL's backends of the bench database
were, sampled every 2 ms from ``pg_stat_activity`` while they ran: running, waiting for a table
lock (``Lock: relation``, the library's ``LOCK TABLE … EXCLUSIVE``), for the commit lock every
``NOTIFY`` takes (``Lock: object``), for the WAL, or idle inside a transaction (the client's turn).
Also per save: PostgreSQL's committed transactions (its own count: the pool's pre-ping is one),
rows (events) and WAL bytes per event.

Run: ``PYTHONPATH=. .venv/bin/python tests/bench/bench_contention.py [--modes raw,store]
[--processes 1,2,4]`` with ``scripts/services``' environment. Records ``eventstore.*`` figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

import psycopg

from academy_video.app.config import Settings
from academy_video.bootstrap import build
from tests.bench import figures
from tests.bench.bench_persistence import fresh_database
from tests.bench.contention_workload import RAW_TABLES, run_writer

URL = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL", "")
SECONDS = 3.0
REPEATS = 2  # the best of
POOLS = (2_500, 40)  # saves prepared per process: playback, progress (more than it can do)
BENCH = "bench_contention.py"
STATES = {  # (state, wait_event_type, wait_event) → what the table calls it
    ("active", "Lock", "relation"): "table lock",
    ("active", "Lock", "object"): "NOTIFY lock",
    ("active", "Lock", "transactionid"): "row lock",
    ("active", "LWLock", "WALWrite"): "WAL",
    ("active", "IO", "WALSync"): "WAL",
    ("active", "IO", "WALWrite"): "WAL",
    ("idle in transaction", "Client", "ClientRead"): "client's turn",
}
SHOWN = ("running", "table lock", "NOTIFY lock", "row lock", "WAL", "client's turn", "other")


@dataclass
class Run:
    mode: str
    processes: int
    saves: dict[str, float] = field(default_factory=dict)  # per kind, per second
    events: dict[str, float] = field(default_factory=dict)
    states: Counter[str] = field(default_factory=Counter)
    per_save: dict[str, float] = field(default_factory=dict)

    @property
    def saves_per_s(self) -> float:
        return sum(self.saves.values())

    @property
    def events_per_s(self) -> float:
        return sum(self.events.values())

    def share(self, state: str) -> float:
        busy = sum(n for s, n in self.states.items() if s != "idle")
        return self.states[state] / busy if busy else 0.0


class Sampler(threading.Thread):
    """What the bench database's backends are doing, every ``interval`` seconds."""

    QUERY = (
        "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
        "WHERE datname = %s AND backend_type = 'client backend'"
    )

    def __init__(self, url: str, interval: float = 0.002) -> None:
        super().__init__(daemon=True)
        # From the server's first database: its queries are not counted as the bench's.
        self.url, self.interval = URL, interval
        self.database = url.rsplit("/", 1)[1]
        self.states: Counter[str] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(self.interval):
                for state, kind, name in conn.execute(self.QUERY, (self.database,)).fetchall():
                    self.states[classify(state, kind, name)] += 1


def classify(state: str | None, kind: str | None, name: str | None) -> str:
    if state == "idle":
        return "idle"
    if state == "active" and kind is None:
        return "running"
    return STATES.get((state or "", kind or "", name or ""), "other")


def counters(url: str) -> tuple[int, int]:
    """This database's committed transactions, and the WAL position."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit, pg_current_wal_lsn() - '0/0'::pg_lsn "
            "FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def clients(url: str) -> int:
    """How many other clients are connected to this database."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def prepare(mode: str, processes: int) -> str:
    """A fresh database, built once as ``serve`` builds it (tables, read models), + raw tables."""
    url = fresh_database(f"bench_contention_{mode}_{processes}")
    with tempfile.TemporaryDirectory() as data_dir:
        build(Settings(database_url=url, data_dir=Path(data_dir))).close()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in RAW_TABLES.values():
            conn.execute(
                f"CREATE TABLE {table} (originator_id uuid NOT NULL, originator_version bigint "
                "NOT NULL, topic text, state bytea, notification_id bigserial, "
                "PRIMARY KEY (originator_id, originator_version))"
            )
            conn.execute(f"CREATE UNIQUE INDEX ON {table} (notification_id)")
    return url


def wait_for(queue: Any, writers: list[Any]) -> Any:
    """The next message, unless a writer died (its traceback is on stderr)."""
    while True:
        try:
            return queue.get(timeout=1)
        except Empty:
            if any(w.exitcode not in (None, 0) for w in writers):
                raise SystemExit("a writer process failed") from None


def measure(mode: str, processes: int) -> Run:
    url = prepare(mode, processes)
    spawn = multiprocessing.get_context("spawn")
    ready: Any = spawn.Queue()
    results: Any = spawn.Queue()
    go = spawn.Event()
    connected = clients(url)
    with tempfile.TemporaryDirectory() as data_dir:
        writers = [
            spawn.Process(
                target=run_writer,
                daemon=True,
                args=(mode, i, url, data_dir, POOLS, SECONDS, ready, go, results),
            )
            for i in range(processes)
        ]
        for writer in writers:
            writer.start()
        for _ in writers:
            wait_for(ready, writers)
        sampler = Sampler(url)
        before = counters(url)
        sampler.start()
        go.set()
        counts = [wait_for(results, writers)[1] for _ in writers]
        sampler.stop.set()
        sampler.join()
        for writer in writers:
            writer.join(timeout=60)
        while clients(url) > connected:  # a backend reports its counts when it exits
            time.sleep(0.05)
        after = counters(url)
    run = Run(mode, processes, states=sampler.states)
    for kind in ("PlaybackSessions", "Progresses"):
        run.saves[kind] = sum(c[kind][0] / c[kind][2] for c in counts)
        run.events[kind] = sum(c[kind][1] / c[kind][2] for c in counts)
    saves = sum(c[kind][0] for c in counts for kind in c)
    events = sum(c[kind][1] for c in counts for kind in c)
    commits, wal = (a - b for a, b in zip(after, before, strict=True))
    run.per_save = {
        "transactions": commits / saves,
        "rows": events / saves,
        "wal_bytes_per_event": wal / events,
    }
    return run


def report(runs: list[Run]) -> None:
    raw = {r.processes: r for r in runs if r.mode == "raw"}
    print(
        f"{'mode':>6} {'procs':>5} {'saves/s':>8} {'events/s':>9} {'vs raw':>6} "
        f"{'batches/s':>9} {'flushes/s':>9}  "
        + " ".join(f"{s:>13}" for s in SHOWN)
        + "  txn/save rows/save WAL B/event"
    )
    for r in runs:
        ref = raw.get(r.processes)
        ratio = f"{r.saves_per_s / ref.saves_per_s:>6.0%}" if ref and r is not ref else f"{'':>6}"
        print(
            f"{r.mode:>6} {r.processes:>5} {r.saves_per_s:>8,.0f} {r.events_per_s:>9,.0f} "
            f"{ratio} {r.saves['PlaybackSessions']:>9,.0f} {r.saves['Progresses']:>9,.1f}  "
            + " ".join(f"{r.share(s):>13.0%}" for s in SHOWN)
            + f"  {r.per_save['transactions']:>8.2f} {r.per_save['rows']:>9.1f}"
            f" {r.per_save['wal_bytes_per_event']:>11.0f}"
        )


def record(runs: list[Run]) -> None:
    raw = {r.processes: r for r in runs if r.mode == "raw"}
    for r in runs:
        n = f"{r.processes}proc"
        prefix = {
            "store": "eventstore.",
            "serve": "eventstore.serve_",
            "raw": "eventstore.raw_",
            "before": "eventstore.before_",
        }
        name = prefix[r.mode]
        note = f"{r.processes} writer processes, playback batches and progress flushes at once"
        figures.record(f"{name}saves_per_s_{n}", r.saves_per_s, "saves/s", bench=BENCH, note=note)
        figures.record(f"{name}events_per_s_{n}", r.events_per_s, "events/s", bench=BENCH)
        if r.mode != "raw" and r.processes in raw:
            ratio = r.saves_per_s / raw[r.processes].saves_per_s
            figures.record(f"{name}vs_raw_{n}", ratio, "ratio", bench=BENCH)
        if r.mode in ("store", "before"):
            waits = r.share("table lock") + r.share("NOTIFY lock")
            figures.record(
                f"{name}lock_wait_share_{n}",
                waits,
                "share of busy backend samples",
                bench=BENCH,
                note="waiting for the table lock or NOTIFY's commit lock (pg_stat_activity)",
            )
        if r.mode == "store" and r.processes == 1:
            figures.record("eventstore.pg_writes_per_save", r.per_save["rows"], "rows", bench=BENCH)
            figures.record(
                "eventstore.pg_transactions_per_save",
                r.per_save["transactions"],
                "transactions",
                bench=BENCH,
                note="the save's own and the pool's pre-ping",
            )
            figures.record(
                "eventstore.wal_bytes_per_event",
                r.per_save["wal_bytes_per_event"],
                "bytes",
                bench=BENCH,
            )


def main() -> int:
    if not URL:
        print("ACADEMY_VIDEO_TEST_DATABASE_URL is not set: run `make bench`", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", default="raw,before,store,serve")
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    runs = []
    for processes in (int(p) for p in args.processes.split(",")):
        tries: dict[str, list[Run]] = {}
        for _ in range(REPEATS):  # interleaved, so a burst of load elsewhere hits every mode
            for mode in args.modes.split(","):
                started = time.perf_counter()
                tries.setdefault(mode, []).append(measure(mode, processes))
                print(f"# {mode} × {processes}: {time.perf_counter() - started:.0f} s", flush=True)
        runs += [max(each, key=lambda r: r.saves_per_s) for each in tries.values()]
    report(runs)
    if not args.no_record:
        record(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
