"""What several reliability tests share: reading the stack's event log in-process, uploading a
real source through the API and S3, and playback calls that survive a server's death."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from academy_video.app.config import Settings
from academy_video.bootstrap import Container, build
from academy_video.domain.playback_session import PlaybackSession

from .conftest import SESSION, Stack

Marker = tuple[int, int, int]  # (client, batch, item) carried in each event's payload


def open_container(stack: Stack) -> Container:
    """An in-process container on the stack's database (built, it catches the projections up):
    to read the event log and the read models from the test. Close it after use."""
    return build(
        Settings(
            data_dir=stack.root / "check",
            database_url=stack.env["ACADEMY_VIDEO_DATABASE_URL"],
            playback_token_secret=stack.env["ACADEMY_VIDEO_PLAYBACK_TOKEN_SECRET"],
        )
    )


def event_names(events: Iterable[object]) -> list[str]:
    return [type(e).__qualname__.rsplit(".", 1)[-1] for e in events]


def marker(payload: dict[str, Any]) -> Marker:
    return int(payload["c"]), int(payload["b"]), int(payload["i"])


def logged_markers(stack: Stack, session_ids: Iterable[str]) -> list[Marker]:
    """Every event item the log holds for these sessions, in log order (duplicates kept)."""
    container = open_container(stack)
    try:
        found: list[Marker] = []
        for sid in session_ids:
            for event in container.sessions.events.get(PlaybackSession.create_id(sid)):
                for item in getattr(event, "items", None) or []:
                    found.append(marker(item["payload"]))
        return found
    finally:
        container.close()


def stored_markers(stack: Stack, video: int) -> list[Marker]:
    """Every row of the ``playback_events`` read model for the video (duplicates kept)."""
    return [
        marker(p)
        for (p,) in stack.sql("SELECT payload FROM playback_events WHERE video_id = %s", video)
    ]


def judge(
    where: str,
    markers: list[Marker],
    batch: int,
    acknowledged: set[tuple[int, int]],
    undecided: set[tuple[int, int]],
) -> dict[tuple[int, int], int]:
    """Items per (client, batch) found in ``where``; asserts no duplicate item, no partial
    batch (each has ``batch`` items or is absent), every acknowledged batch there, and nothing
    but acknowledged and ``undecided`` (sent, no success answer) batches."""
    counts = Counter(markers)
    duplicates = [m for m, n in counts.items() if n > 1]
    assert not duplicates, f"{where}: duplicated items {duplicates[:5]}"
    per_batch = Counter((c, b) for c, b, _ in counts)
    partial = {key: n for key, n in per_batch.items() if n != batch}
    assert not partial, f"{where}: partial batches {partial}"
    missing = acknowledged - per_batch.keys()
    assert not missing, f"{where}: acknowledged batches missing {sorted(missing)[:5]}"
    unknown = per_batch.keys() - acknowledged - undecided
    assert not unknown, (
        f"{where}: batches stored though refused or never sent {sorted(unknown)[:5]}"
    )
    return dict(per_batch)


def upload(stack: Stack, http: httpx.Client, source: Path) -> int:
    """init → PUT to the presigned S3 URL → complete: the video is queued for transcoding."""
    init = http.post(
        "/api/v1/videos/upload/init",
        json={"session": SESSION, "title": source.name, "filename": "a.mp4"},
    )
    assert init.status_code == 201, init.text
    ticket = init.json()
    put = httpx.put(ticket["upload_url"], content=source.read_bytes(), timeout=60)
    assert put.status_code == 200, put.text
    video = int(ticket["video"]["id"])
    done = http.post(f"/api/v1/videos/{video}/upload/complete")
    assert done.status_code == 200, done.text
    return video


def poll(condition: Any, timeout: float, what: str) -> Any:
    """``condition()`` until it answers something truthy, within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s (last: {answer!r})")
        time.sleep(0.05)  # another process's state: nothing to await in-process
