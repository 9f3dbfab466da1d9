"""Webhook deliveries, on one PostgreSQL and a receiver in its own process on 127.0.0.1:

- throughput: N deliveries queued (``video.uploaded`` of N videos), then a deliverer as `serve`
  embeds it sends them all; deliveries per second against a bare loop of N POSTs of the same
  body from the same client library (httpx) to the same receiver. Target ≥ 50 % of it.
- lag: videos uploaded at a steady rate while the deliverer runs; from each event's stored time
  to its arrival at the receiver, p50 and p99.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

from academy_video.adapters.webhooks.signing import new_secret, signed_headers
from academy_video.app.config import Settings
from academy_video.bootstrap import Adapters, build
from academy_video.bootstrap.webhooks import deliverer
from tests.fakes.media import FakeMediaProbe, InMemoryObjectStorage
from tests.unit.app.conftest import SESSION, TENANT, make_world

N = int(os.environ.get("BENCH_WEBHOOKS", "2000"))
LAG_EVENTS, LAG_RATE = 200, 20.0  # events, per second
TARGET = 0.5
RECEIVER = r"""
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = open(sys.argv[1], "a", buffering=1)

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        arrived = time.time()
        try:
            stamp = json.loads(body).get("timestamp", "")
        except ValueError:
            stamp = ""
        log.write(f"{self.headers.get('webhook-id', '-')} {stamp} {arrived}\n")
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def fresh_database(base: str, name: str) -> str:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def arrived(log: Path) -> int:
    """How many arrived: the lines counted, not parsed (this process's interpreter lock is the
    deliverer's too: the wait must cost it next to nothing)."""
    return log.read_bytes().count(b"\n")


def arrivals(log: Path) -> list[tuple[str, str, float]]:
    rows = []
    for line in log.read_text().splitlines():
        message_id, stamp, at = line.split(" ")
        rows.append((message_id, stamp, float(at)))
    return rows


def main() -> int:
    base = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL")
    if not base:
        print("run with `make bench` (PostgreSQL)", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    log = root / "arrivals.txt"
    receiver = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, str(log)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert receiver.stdout is not None
        url = f"http://127.0.0.1:{int(receiver.stdout.readline())}/hook"
        return run(root, url, log, base)
    finally:
        receiver.terminate()
        receiver.wait()


def run(root: Path, url: str, log: Path, base: str) -> int:
    settings = Settings(
        data_dir=root,
        database_url=fresh_database(base, "bench_webhooks"),
        playback_token_secret="p",
        webhook_allow_http=True,
        webhook_allow_list="127.0.0.1/32",
    )
    storage = InMemoryObjectStorage()
    world = make_world()  # only for its roster
    container = build(
        settings,
        Adapters(directory=world.directory, storage=storage, probe=FakeMediaProbe(storage)),
    )
    service, engine = container.webhook_service, container.engine
    assert service is not None and engine is not None
    service.create(
        tenant=TENANT, url=url, event_types=["video.uploaded"], description="bench", enabled=True
    )

    def upload() -> None:
        ticket = container.uploads.init(
            tenant=TENANT, session_id=SESSION, title="bench", filename="a.mp4"
        )
        storage.put(ticket.file_key, b"video:60")
        container.uploads.complete(tenant=TENANT, video_id=ticket.video.video_id)

    # The bare loop: the same number of POSTs of a delivery's size, one after another.
    secret = new_secret()
    body = b'{"id":"msg_x","type":"video.uploaded","timestamp":"2026-01-01T00:00:00Z",' + (
        b'"tenant":"demo","data":{"video_id":1,"session_id":10,"lecture_id":1}}'
    )
    with httpx.Client() as client:
        started = time.perf_counter()
        for _ in range(N):
            headers = signed_headers("msg_x", int(time.time()), body, [secret])
            assert client.post(url, content=body, headers=headers).status_code == 204
        bare = N / (time.perf_counter() - started)

    for _ in range(N):
        upload()
    # The planner's statistics, as autovacuum keeps them on a table that grew (this database
    # is minutes old): without them it may loop over the backlog once per row.
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    sender = deliverer(container.settings, container.webhooks, engine, container.clock, "bench")
    stop = threading.Event()
    thread = threading.Thread(target=sender.run, args=(stop,), kwargs={"idle_seconds": 0.05})
    before = arrived(log)
    started = time.perf_counter()
    thread.start()
    while arrived(log) - before < N:
        time.sleep(0.05)
    delivered = N / (time.perf_counter() - started)
    share = delivered / bare
    print(f"bare loop of {N} httpx POSTs        {bare:9,.0f} /s")
    print(
        f"deliveries of {N} queued events     {delivered:9,.0f} /s = {share:.0%} of the bare "
        f"loop (target ≥ {TARGET:.0%}; {settings.webhook_concurrency} at once, "
        f"{settings.webhook_per_host} per host)"
    )
    stop.set()
    thread.join()

    # Lag: the deliverer as `serve` embeds it (woken by its projector), events at a steady rate.
    assert container.projector is not None
    container.projector.on_queued.append(sender.wake)
    stop = threading.Event()
    thread = threading.Thread(target=sender.run, args=(stop,))
    thread.start()
    before = arrived(log)
    for _ in range(LAG_EVENTS):
        upload()
        time.sleep(1 / LAG_RATE)
    while arrived(log) - before < LAG_EVENTS:
        time.sleep(0.05)
    stop.set()
    thread.join()
    sender.close()
    from datetime import datetime

    lags = sorted(
        at - datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        for _, stamp, at in arrivals(log)[before:]
    )
    p50, p99 = statistics.median(lags), lags[int(len(lags) * 0.99) - 1]
    print(
        f"lag from an event's save to its arrival, {LAG_EVENTS} events at {LAG_RATE:g}/s: "
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (woken by the projector; separate "
        f"delivery processes poll every 0.5 s)"
    )
    container.close()
    return 0 if share >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
