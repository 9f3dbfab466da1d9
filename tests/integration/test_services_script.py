"""``scripts/services``: the Redis Cluster's ports are picked free, but another run may take one
before its node binds it; the start then tries again on new ports (at most three attempts)
instead of waiting a minute and failing the whole test run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "services"


def test_a_cluster_port_taken_meanwhile_is_left_for_new_ports(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (scripts/services start installs it)")
    picked = [socket.socket() for _ in range(12)]
    for held in picked:
        held.bind(("127.0.0.1", 0))
    ports = [held.getsockname()[1] for held in picked]
    for held in picked[1:]:
        held.close()
    # Another program took the first node's port between the pick and the start.
    taken = picked[0]
    taken.listen()
    env = {
        **os.environ,
        "ACADEMY_VIDEO_SERVICES_DIR": str(tmp_path / "services"),
        "ACADEMY_VIDEO_SERVICES_CLUSTER_PORTS": " ".join(map(str, ports)),
    }
    began = time.monotonic()
    try:
        started = subprocess.run(
            [SCRIPT, "start-redis-cluster"], env=env, capture_output=True, text=True, timeout=120
        )
        assert started.returncode == 0, started.stderr
        assert "was taken meanwhile (attempt 1 of 3)" in started.stderr
        assert time.monotonic() - began < 45  # not the minute's wait for a port
        url = started.stdout.strip().removeprefix("export ACADEMY_VIDEO_TEST_REDIS_CLUSTER_URL=")
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        assert port != taken.getsockname()[1]
        info = subprocess.run(
            ["redis-cli", "-p", str(port), "cluster", "info"], capture_output=True, text=True
        )
        assert "cluster_state:ok" in info.stdout
    finally:
        taken.close()
        subprocess.run([SCRIPT, "stop"], env=env, capture_output=True, timeout=60)
    assert not (tmp_path / "services").exists()
