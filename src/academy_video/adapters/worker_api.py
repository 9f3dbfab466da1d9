"""The worker API from the worker's side: a ``JobSource`` over HTTP (httpx).

Network errors and 5xx answers are retried with exponential backoff (up to ``max_backoff``
seconds between tries) until they succeed or the worker stops; a 409 means the job is no longer
ours (``LeaseLost``), so the worker drops it instead of retrying.
"""

from __future__ import annotations

import logging
import random
import threading
from typing import Any

import httpx

from academy_video.app.ports import TranscodeOutput
from academy_video.app.worker import JobGone, LeaseLost, WorkerJob

log = logging.getLogger(__name__)

PREFIX = "/api/v1/internal"


class ApiError(Exception):
    """The API refused a request in a way retrying will not fix."""


class HttpJobs:
    def __init__(
        self,
        api: str,
        *,
        token: str,
        worker_id: str,
        stop: threading.Event | None = None,
        timeout: float = 30.0,
        max_backoff: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client = httpx.Client(
            base_url=api.rstrip("/"),
            headers={"X-Worker-Token": token, "X-Worker-Id": worker_id},
            timeout=timeout,
            transport=transport,
        )
        self.stop = stop or threading.Event()
        self.max_backoff = max_backoff

    def claim(self) -> WorkerJob | None:
        response = self._send("GET", f"{PREFIX}/video-worker/next/")
        if response.status_code == 204:
            return None
        job = response.json()["job"]
        etag = job.get("source_etag")  # absent from an older API: nothing to check against
        return WorkerJob(
            int(job["video_id"]),
            str(job["file_key"]),
            str(job["tenant_code"]),
            str(etag) if etag else None,
        )

    def heartbeat(self, job: WorkerJob, progress: int | None) -> None:
        self._send(
            "POST", f"{PREFIX}/video-worker/{job.video_id}/heartbeat/", {"progress": progress}
        )

    def complete(self, job: WorkerJob, output: TranscodeOutput) -> None:
        self._send(
            "POST",
            f"{PREFIX}/video-worker/{job.video_id}/complete/",
            {
                "hls_path": output.hls_path,
                "duration": output.duration,
                "thumbnail_key": output.thumbnail_key,
                "renditions": output.renditions,
            },
        )

    def fail(self, job: WorkerJob, reason: str) -> None:
        self._send("POST", f"{PREFIX}/video-worker/{job.video_id}/fail/", {"reason": reason[:2000]})

    def close(self) -> None:
        self.client.close()

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        delay = 0.5
        while True:
            try:
                response = self.client.request(method, path, json=body)
            except httpx.TransportError as error:
                log.warning("worker api: %s %s failed (%s); retrying", method, path, error)
            else:
                if response.status_code == 409:
                    raise LeaseLost(response.text)
                if response.status_code == 404 and "/video-worker/" in path:
                    raise JobGone(response.text)  # the video was deleted meanwhile
                if response.status_code < 500:
                    if response.status_code >= 400:
                        raise ApiError(f"{method} {path}: {response.status_code} {response.text}")
                    return response
                log.warning(
                    "worker api: %s %s answered %s; retrying", method, path, response.status_code
                )
            if self.stop.wait(delay * random.uniform(0.5, 1.0)):
                raise ApiError("stopping")
            delay = min(delay * 2, self.max_backoff)
