"""`academy-video serve` as a real process on 127.0.0.1, driven over HTTP, with nothing
configured but a data directory (the embedded default), and tokens from `academy-video token`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-m", "academy_video.adapters.cli"]
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMY_VIDEO_")}
    return {
        **env,
        "ACADEMY_VIDEO_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


class Server:
    def __init__(
        self, data_dir: Path, env: dict[str, str] | None = None, log: Path | None = None
    ) -> None:
        """``log``: write the output to this file (a pipe nobody reads fills up under load and
        blocks the server's logging); else a pipe, read by ``stop``."""
        self.data_dir = data_dir
        self.log = log
        self.env = env_for(data_dir, env)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        output = log.open("ab") if log is not None else subprocess.PIPE
        try:
            self.process = subprocess.Popen(
                [*CLI, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
        finally:
            if log is not None:
                output.close()  # type: ignore[union-attr]
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited: {self.process.communicate()[0]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                # Not listening yet: wait for the socket rather than a fixed time.
                with socket.socket() as probe:
                    probe.settimeout(0.2)
                    probe.connect_ex(("127.0.0.1", self.port))
        raise AssertionError("serve did not become healthy in time")

    def token(self, *args: str) -> str:
        out = subprocess.run(
            [*CLI, "token", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    def stop(self) -> str:
        """SIGTERM: uvicorn shuts the app down gracefully, then exits by the same signal.
        Returns what the process wrote."""
        self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=30)
        if self.log is not None:
            output = self.log.read_text()
        assert self.process.returncode in (0, -signal.SIGTERM), output
        assert "Application shutdown complete" in output, output
        assert "Traceback" not in output, output
        return output


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def test_serve_takes_requests_and_keeps_its_data_across_a_restart(server: Server) -> None:
    admin = {
        "Authorization": "Bearer "
        + server.token("--role", "admin", "--tenant", "demo", "--user", "1")
    }
    with httpx.Client(base_url=server.url, headers=admin, timeout=10) as http:
        assert http.get("/health").json()["status"] == "ok"
        assert http.put("/api/v1/directory/lectures/1/", json={"title": "Calculus"}).json() == {
            "id": 1,
            "title": "Calculus",
        }
        assert http.put("/api/v1/directory/sessions/10", json={"lecture_id": 1}).status_code == 200
        assert http.get("/api/v1/videos/").json() == []
        assert http.get("/api/v1/videos/1").json() == {"detail": "not_found"}
        assert http.get("/api/v1/videos/", headers={"Authorization": ""}).status_code == 401
        assert "/api/v1/videos" in http.get("/schema/openapi.json").json()["paths"]
        traced = http.get("/api/v1/videos/2?q=1", headers={"X-Request-ID": "trace-me-1"})
        assert traced.headers["x-request-id"] == "trace-me-1"
        assert "academy_video_http_requests_total" in http.get("/metrics").text
    output = server.stop()

    # Every line is a JSON object (ACADEMY_VIDEO_LOG_FORMAT's default), uvicorn's included; the
    # access lines are ours, with the request id.
    lines = [json.loads(line) for line in output.splitlines()]
    assert all({"ts", "level", "logger", "msg"} <= line.keys() for line in lines), output
    assert any(line["msg"] == "Application shutdown complete." for line in lines), output
    access = [line for line in lines if line["logger"] == "academy_video.access"]
    assert len(access) >= 9, output  # the calls above, and the health checks while starting
    (traced_line,) = [line for line in access if line["request_id"] == "trace-me-1"]
    assert {
        key: value for key, value in traced_line.items() if key not in ("ts", "msg", "duration_ms")
    } == {
        "level": "INFO",
        "logger": "academy_video.access",
        "request_id": "trace-me-1",
        "method": "GET",
        "path": "/api/v1/videos/2",  # never the query string
        "status": 404,
    }
    assert all(len(line["request_id"]) == 32 for line in access if line is not traced_line)

    again = Server(server.data_dir)
    try:
        with httpx.Client(base_url=again.url, headers=admin, timeout=10) as http:
            # Same secrets file, same stores: the old token still works and the roster is there.
            response = http.put("/api/v1/directory/sessions/11", json={"lecture_id": 1})
            assert response.status_code == 200, response.text
            bad = http.put("/api/v1/directory/sessions/12", json={"lecture_id": 2})
            assert bad.json() == {"detail": "unknown_lecture"}
    finally:
        again.stop()
    secrets = server.data_dir / "secrets.json"
    assert secrets.stat().st_mode & 0o777 == 0o600
