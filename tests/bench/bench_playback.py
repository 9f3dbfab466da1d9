"""Playback over HTTP against the real server process (PostgreSQL + Redis), with wrk, 50
connections, in one run: a bare Litestar JSON endpoint served the same way vs
``/playback/heartbeat`` (the two alternating in slices, so that the machine's other load falls
on both), and ``/playback/events`` with 50-event batches. Prints req/s, p50/p99 and the ratio.
50 students each hold a session; wrk cycles through their tokens.

Targets, as ratios to the bare endpoint measured in the same run: the heartbeat's p99 at most
``P99_TARGET`` times the bare endpoint's. Also measured for the capacity model
(``tests/bench/figures.py``): each server's CPU per request (its process's CPU time over a run /
requests answered) and Redis commands per heartbeat and per event batch (Redis's own count)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import httpx
import redis
import redis.cluster

from tests.bench.figures import record
from tests.media import make_video

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "academy_video.adapters.cli"]
DURATION = 15  # seconds of wrk per endpoint
# The bare endpoint and the heartbeat alternate in this many slices of DURATION / ROUNDS each, so
# that a change in what else runs on the machine falls on both sides of the ratio.
ROUNDS = 3
STUDENTS = 50
P99_TARGET = 3.0  # the heartbeat's p99 against the bare endpoint's
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SCRIPTS = ("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall")

LUA = """
local tokens = {TOKENS}
local path, mode = "{PATH}", "{MODE}"
local batch = string.rep('{"type":"VISIBILITY_HIDDEN"},', 49) .. '{"type":"FOCUS_GAINED"}'
local i = 0
request = function()
  i = i + 1
  local t = tokens[(i % #tokens) + 1]
  local body
  if mode == "events" then
    body = '{"token":"' .. t[2] .. '","events":[' .. batch .. ']}'
  else
    body = '{"token":"' .. t[2] .. '","position":' .. (i % 600) .. '}'
  end
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. t[1]
  return wrk.format("POST", path, headers, body)
end
local told = false
response = function(status, headers, body)
  if status >= 300 and not told then
    told = true
    io.write("first non-2xx: " .. status .. " " .. body .. "\\n")
  end
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def wrk(url: str, script: Path, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    for line in out.splitlines():
        if line.startswith("first non-2xx"):
            print(f"  {url}: {line}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {
        "rps": rate,
        "requests": requests,
        "p50": ms("50%"),
        "p99": ms("99%"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def measure(
    url: str,
    script: Path,
    seconds: int,
    pid: int,
    store: redis.Redis | redis.cluster.RedisCluster,
) -> dict[str, float]:
    """One wrk run, with the server's CPU and Redis's work over it (totals, not yet per request)."""
    before, cpu = redis_counters(store), cpu_seconds(pid)
    result = wrk(url, script, seconds)
    result["cpu_s"] = cpu_seconds(pid) - cpu
    after = redis_counters(store)
    for key, begun, ended in zip(
        ("redis_ops", "redis_scripts", "redis_cpu_s"), before, after, strict=True
    ):
        result[key] = ended - begun
    return result


def combined(runs: list[dict[str, float]]) -> dict[str, float]:
    """Slices of one endpoint as one: rates and per-request costs over them all, latencies the
    median of the slices'."""
    requests = sum(r["requests"] for r in runs)
    return {
        "rps": sum(r["rps"] for r in runs) / len(runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "cpu_us": sum(r["cpu_s"] for r in runs) / requests * 1e6,
        "redis_ops": sum(r["redis_ops"] for r in runs) / requests,
        "redis_scripts": sum(r["redis_scripts"] for r in runs) / requests,
        "redis_cpu_us": sum(r["redis_cpu_s"] for r in runs) / requests * 1e6,
    }


def redis_counters(store: redis.Redis | redis.cluster.RedisCluster) -> tuple[int, int, float]:
    """Redis's own counts since it started (summed over a cluster's primaries): commands run
    (those a script runs included), the scripts called (EVAL/EVALSHA: the client's round trips
    that carry beats), CPU seconds."""
    commands, scripts, cpu = 0, 0, 0.0
    for node in ("stats", "commandstats", "cpu"):
        for info in redis_infos(store, node):
            if node == "stats":
                commands += int(info["total_commands_processed"])
            elif node == "commandstats":
                scripts += sum(int(info.get(f"cmdstat_{n}", {}).get("calls", 0)) for n in SCRIPTS)
            else:
                cpu += float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    return commands, scripts, cpu


def redis_infos(
    store: redis.Redis | redis.cluster.RedisCluster, section: str
) -> list[dict[str, Any]]:
    """``INFO section`` of the one Redis, or of each of a cluster's primaries."""
    if isinstance(store, redis.cluster.RedisCluster):
        per_node = store.info(section, target_nodes=redis.cluster.RedisCluster.PRIMARIES)
        return list(cast(dict[str, dict[str, Any]], per_node).values())
    return [cast(dict[str, Any], store.info(section))]


def report(
    results: dict[str, dict[str, float]],
    slices: dict[str, list[dict[str, float]]],
    cluster: bool,
) -> None:
    setup = f"server: 1 uvicorn worker, PostgreSQL, {'a Redis Cluster' if cluster else 'Redis'}"
    print(
        f"wrk 2 threads, 50 connections, {DURATION} s each; bare and heartbeat alternating in "
        f"{ROUNDS} slices (p50/p99: median of the slices'); {setup}"
    )
    print(
        f"{'':30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
        f"{'CPU µs/req':>10} {'Redis: commands':>15} {'scripts':>7} {'CPU µs':>6} (per req)"
    )
    for name, r in results.items():
        print(
            f"{name:30} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['errors']:8.0f} "
            f"{r['cpu_us']:10.0f} {r['redis_ops']:15.2f} {r['redis_scripts']:7.3f} "
            f"{r['redis_cpu_us']:6.1f}"
        )
    bare, heartbeat = results["bare endpoint"], results["/playback/heartbeat"]
    events = results["/playback/events (50/batch)"]
    print(f"heartbeat / bare: {heartbeat['rps'] / bare['rps']:.0%}")
    pairs = zip(slices["bare endpoint"], slices["/playback/heartbeat"], strict=True)
    each = ", ".join(f"{h['p99'] / b['p99']:.1f}x" for b, h in pairs)
    print(f"heartbeat p99 / bare p99, slice by slice: {each}")
    p99_ratio = heartbeat["p99"] / bare["p99"]
    verdict = "met" if p99_ratio <= P99_TARGET else "NOT met"
    print(f"heartbeat p99 / bare p99: {p99_ratio:.1f}x (target <= {P99_TARGET:.0f}x: {verdict})")
    ingested = events["rps"] * 50
    print(f"events ingested: {ingested:,.0f} client events/s")
    # The machine's speed moves both: events per bare request is the figure to compare.
    print(f"events ingested per bare request: {ingested / bare['rps']:.2f}")
    if cluster:  # the figures the capacity model reads are one Redis's
        return
    bench, one = "bench_playback", "one serve process (1 uvicorn worker), 50 connections"
    for key, value, unit in (
        ("playback.bare_rps", bare["rps"], "req/s"),
        ("playback.bare_p99_ms", bare["p99"], "ms"),
        ("playback.bare_cpu_us", bare["cpu_us"], "µs CPU/request"),
        ("playback.heartbeat_rps", heartbeat["rps"], "req/s"),
        ("playback.heartbeat_p99_ms", heartbeat["p99"], "ms"),
        ("playback.heartbeat_p99_ratio", p99_ratio, "ratio"),
        ("playback.heartbeat_cpu_us", heartbeat["cpu_us"], "µs CPU/heartbeat"),
        ("playback.events_per_s", ingested, "events/s"),
        ("playback.event_batch_cpu_us", events["cpu_us"], "µs CPU/batch of 50"),
        ("redis.ops_per_heartbeat", heartbeat["redis_ops"], "commands/heartbeat"),
        ("redis.scripts_per_heartbeat", heartbeat["redis_scripts"], "EVAL(SHA)s/heartbeat"),
        ("redis.cpu_us_per_heartbeat", heartbeat["redis_cpu_us"], "µs Redis CPU/heartbeat"),
        ("redis.ops_per_event_batch", events["redis_ops"], "commands/batch of 50"),
        ("redis.cpu_us_per_event_batch", events["redis_cpu_us"], "µs Redis CPU/batch of 50"),
    ):
        record(key, value, unit, bench=bench, note=one)


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is needed (apt-get install wrk)", file=sys.stderr)
        return 2
    # ACADEMY_VIDEO_BENCH_REDIS_CLUSTER=1: the same on the services' Redis Cluster.
    cluster = os.environ.get("ACADEMY_VIDEO_BENCH_REDIS_CLUSTER") == "1"
    database, redis_url = (
        os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL"),
        os.environ.get(f"ACADEMY_VIDEO_TEST_REDIS{'_CLUSTER' if cluster else ''}_URL"),
    )
    if not database or not redis_url:
        print("run with `make bench` (PostgreSQL and Redis)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="academy-video-bench-"))
    # A fresh deployment: no sessions, no versions.
    if cluster:
        redis.cluster.RedisCluster.from_url(redis_url).flushall()
    else:
        redis.Redis.from_url(redis_url).flushdb()
    subprocess.run(
        [
            "psql",
            database,
            "-q",
            "-c",
            "DROP DATABASE IF EXISTS bench_playback WITH (FORCE)",
            "-c",
            "CREATE DATABASE bench_playback",
        ],
        check=True,
        capture_output=True,
    )
    env = {
        **os.environ,
        "ACADEMY_VIDEO_DATA_DIR": str(work),
        "ACADEMY_VIDEO_DATABASE_URL": database.rsplit("/", 1)[0] + "/bench_playback",
        "ACADEMY_VIDEO_REDIS_URL": redis_url,
        "ACADEMY_VIDEO_REDIS_CLUSTER": "1" if cluster else "0",
        "ACADEMY_VIDEO_WORKER_TOKEN": "bench",
        "ACADEMY_VIDEO_EMBEDDED_WORKER": "0",
        "ACADEMY_VIDEO_JWT_SECRET": "bench-secret-of-32-bytes-or-more!",
        "ACADEMY_VIDEO_PLAYBACK_TOKEN_SECRET": "p",
        "ACADEMY_VIDEO_VIOLATION_REVOKE_RATIO": "2",
        "ACADEMY_VIDEO_VIOLATION_REVOKE_THRESHOLD": "1000000",
        # Thousands of events a second per student: past any real budget. The minute and day
        # limits stay on (their Redis call is part of the path measured), out of reach.
        "ACADEMY_VIDEO_EVENT_RATE_PER_MINUTE": "1000000000",
        "ACADEMY_VIDEO_EVENT_STUDENT_DAY_MAX": "1000000000",
        "ACADEMY_VIDEO_EVENT_SESSION_MAX": "0",
    }
    port, bare_port = free_port(), free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bare = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.bench.bare_app:app",
            "--port",
            str(bare_port),
            # An access line per request, as `serve` writes one (its own, JSON).
            "--log-level",
            "info",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health")
        wait_for(f"http://127.0.0.1:{bare_port}/")

        def token(role: str, user: int) -> str:
            return subprocess.run(
                [*CLI, "token", "--role", role, "--tenant", "demo", "--user", str(user)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()

        http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token('admin', 1)}"}, timeout=30
        )
        http.put("/api/v1/directory/lectures/1", json={"title": "L"})
        http.put("/api/v1/directory/sessions/10", json={"lecture_id": 1})
        ticket = http.post(
            "/api/v1/videos/upload/init", json={"session": 10, "title": "T", "filename": "a.mp4"}
        ).json()
        video = ticket["video"]["id"]
        source = make_video(work / "source.mp4", seconds=2)
        put = httpx.put(ticket["upload_url"], content=source.read_bytes(), timeout=30)
        put.raise_for_status()
        http.post(f"/api/v1/videos/{video}/upload/complete").raise_for_status()
        worker = {"X-Worker-Token": "bench", "X-Worker-Id": "bench"}
        # READY without media: the benchmark measures the playback API, not the player.
        http.post(
            f"/api/v1/internal/videos/{video}/processing-complete/",
            headers=worker,
            json={"hls_path": f"hls/demo/videos/{video}/master.m3u8", "duration": 600},
        )
        pairs = []
        for n in range(STUDENTS):
            user, enrollment = 1000 + n, 100 + n
            http.put(f"/api/v1/directory/students/{enrollment}", json={"user_id": user})
            http.put(
                f"/api/v1/directory/enrollments/{enrollment}",
                json={"student_id": enrollment, "lecture_id": 1, "status": "ACTIVE"},
            )
            http.put(
                "/api/v1/directory/session-access",
                json={"session_id": 10, "enrollment_id": enrollment, "granted": True},
            )
            bearer = token("student", user)
            started = http.post(
                "/api/v1/playback/start",
                headers={"Authorization": f"Bearer {bearer}"},
                json={"video_id": video, "enrollment_id": enrollment, "device_id": "d"},
            )
            started.raise_for_status()
            pairs.append([bearer, started.json()["token"]])
        store: redis.Redis | redis.cluster.RedisCluster = (
            redis.cluster.RedisCluster.from_url(redis_url)
            if cluster
            else redis.Redis.from_url(redis_url)
        )
        targets = {
            "bare endpoint": (f"http://127.0.0.1:{bare_port}", "heartbeat", bare.pid),
            "/playback/heartbeat": (base, "heartbeat", server.pid),
            "/playback/events (50/batch)": (base, "events", server.pid),
        }
        for mode, path in (("heartbeat", "heartbeat"), ("events", "events")):
            (work / f"{mode}.lua").write_text(
                LUA.replace("{TOKENS}", json.dumps(pairs).replace("[", "{").replace("]", "}"))
                .replace("{PATH}", f"/api/v1/playback/{path}")
                .replace("{MODE}", mode)
            )
        slices: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        slice_seconds = DURATION // ROUNDS
        order = [*["bare endpoint", "/playback/heartbeat"] * ROUNDS, "/playback/events (50/batch)"]
        for name in order:
            url, mode, pid = targets[name]
            seconds = DURATION if mode == "events" else slice_seconds
            slices[name].append(measure(url, work / f"{mode}.lua", seconds, pid, store))
        report({name: combined(runs) for name, runs in slices.items()}, slices, cluster)
    finally:
        for process in (server, bare):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
