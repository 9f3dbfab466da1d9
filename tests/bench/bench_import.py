"""``academy-video import django`` on the realistic old academy (50 videos, 2,000 enrollments,
200,000 playback events, progress and permissions of every kind; created by Django from the old
models and filled through the old ORM: tests/legacy_django), PostgreSQL, in one run:

- a plain ``COPY`` of the same rows: every old table streamed out (``COPY … TO STDOUT``, binary)
  and into a bare copy of it in another database (``COPY … FROM STDIN``) through this client,
  the floor of what moving these rows costs;
- the import into a fresh service database (events, read models, ids), as an operator runs it
  (the command, in a child process), then a second run and ``--verify`` over the last result.

The two take turns ``ROUNDS`` times (the machine is shared, and its speed moves between
minutes); the best import is compared with the best COPY. The import rate is old rows per
second of the whole command; the target is ≥ 25 % of the COPY's (the exit status).

Printed beside it, not instead of it: the same command on an empty old academy (the old tables
without a row) into a fresh database, in each turn: what the command costs before its first row
(the interpreter and its imports, the service's build and schema, a query per table). The COPY's
reference has almost none of it (a connection and a CREATE TABLE per table, in this process), so
the import less it, against the COPY, is the per-row share on its own (docs/benchmarks.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import psycopg

from tests.legacy_django import academy, database

VIDEOS, ENROLLMENTS, EVENTS = 50, 2_000, 200_000
# BENCH_IMPORT_EVENTS=30000 (say) while iterating: a smaller academy, the same videos and
# enrollments; the figures in docs/benchmarks.md are the realistic academy's.
EVENTS = int(os.environ.get("BENCH_IMPORT_EVENTS", EVENTS))
OLD, COPIED, NEW = "bench_import_old", "bench_import_copy", "bench_import_new"
EMPTY = "legacy_empty"  # the old tables, no rows (the command's fixed cost)
TARGET = 0.25
ROUNDS = 3


def fresh_database(base: str, name: str) -> str:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def old_database(base: str, name: str, schema: str) -> tuple[str, database.LegacyDatabase]:
    """A fresh database on the server at ``base`` holding the old tables, empty, in ``schema``."""
    url = fresh_database(base, name)
    return url, database.open_postgres(url, schema=schema)


def plain_copy(old_url: str, schema: str, target_url: str, tables: list[str]) -> int:
    """Every row of ``tables`` copied into bare tables of the same columns; the rows moved."""
    moved = 0
    with psycopg.connect(old_url) as src, psycopg.connect(target_url) as dst:
        for name in tables:
            columns = src.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (schema, name),
            ).fetchall()
            ddl = ", ".join(f'"{c}" {kind}' for c, kind in columns)
            dst.execute(f'CREATE TABLE "{name}" ({ddl})')
            with (
                src.cursor().copy(f'COPY "{schema}"."{name}" TO STDOUT (FORMAT binary)') as out,
                dst.cursor().copy(f'COPY "{name}" FROM STDIN (FORMAT binary)') as into,
            ):
                for block in out:
                    into.write(block)
            dst.commit()
            counted = src.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()
            moved += int(counted[0]) if counted else 0
    return moved


def command(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "academy_video.adapters.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"academy-video {' '.join(args)}: {done.returncode}\n{done.stderr}")
    return took, done.stdout


def main() -> int:
    base = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL")
    if not base:
        print("run with `make bench` (PostgreSQL)", file=sys.stderr)
        return 2
    old_url, old = old_database(base, OLD, "legacy")
    started = time.perf_counter()
    filled = academy.fill_academy(old, videos=VIDEOS, enrollments=ENROLLMENTS, events=EVENTS)
    empty = database.open_postgres(old_url, schema=EMPTY)
    rows = sum(filled.rows.values())
    print(
        f"old academy: {rows:,} rows in {len(filled.rows)} tables, written by Django's ORM in "
        f"{time.perf_counter() - started:.1f} s"
    )

    # The machine is shared: the COPY and the import take turns, and best is compared with best.
    copies: list[float] = []
    imports: list[float] = []
    fixed: list[float] = []
    env: dict[str, Any] = {**os.environ, "ACADEMY_VIDEO_LOG_FORMAT": "text"}
    dsn = ["import", "django", "--dsn", old_url, "--schema", "legacy"]
    out = ""
    for turn in range(1, ROUNDS + 1):
        copy_url = fresh_database(base, COPIED)
        started = time.perf_counter()
        moved = plain_copy(old_url, "legacy", copy_url, sorted(filled.rows))
        copies.append(time.perf_counter() - started)
        assert moved == rows, (moved, rows)
        env["ACADEMY_VIDEO_DATABASE_URL"] = fresh_database(base, NEW)
        fixed.append(command([*dsn[:-1], EMPTY], env)[0])
        env["ACADEMY_VIDEO_DATABASE_URL"] = fresh_database(base, NEW)
        import_s, out = command(dsn, env)
        imports.append(import_s)
        print(
            f"turn {turn}: plain COPY {copies[-1]:6.2f} s ({rows / copies[-1]:9,.0f} rows/s), "
            f"import {import_s:6.2f} s ({rows / import_s:7,.0f} rows/s), "
            f"empty academy {fixed[-1]:5.2f} s"
        )
    copy_rate, import_rate = rows / min(copies), rows / min(imports)
    share = import_rate / copy_rate
    print(f"plain COPY of the same rows, best  {min(copies):8.2f} s  {copy_rate:12,.0f} rows/s")
    print(
        f"import (the command, whole), best  {min(imports):8.2f} s  {import_rate:12,.0f} rows/s"
        f"  = {share:.1%} of COPY (target ≥ {TARGET:.0%})"
    )
    per_row = rows / (min(imports) - min(fixed)) / copy_rate
    print(
        f"the command on an empty academy, best {min(fixed):6.2f} s; the import less it "
        f"{min(imports) - min(fixed):6.2f} s = {per_row:.1%} of COPY (not the target's figure)"
    )
    print("  " + "\n  ".join(out.strip().splitlines()[-6:]))
    checked_s, checked = command(["projections", "verify"], env)
    print(f"projections verify after it        {checked_s:8.2f} s  {checked.strip()}")
    again_s, _ = command(dsn, env)
    print(f"a second run (nothing new)         {again_s:8.2f} s")
    verify_s, out = command([*dsn, "--verify"], env)
    print(f"--verify over the import           {verify_s:8.2f} s")
    print("  " + "\n  ".join(out.strip().splitlines()[-6:]))
    database.close(empty)
    database.close(old)
    return 0 if share >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
