"""A remote worker's completion carries each rung's delivery figures (``adapters/worker_api.py``
sends the transcoder's renditions whole): stored when all are sent and in range, left out when an
older worker sends none; a figure out of range is a 400, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from academy_video.app.ladder_inspection import LadderInspection

from .conftest import Api
from .test_worker_api import BASE, uploaded, worker

RUNG = {
    "name": "360p",
    "width": 640,
    "height": 360,
    "bandwidth": 900_000,
    "playlist": "hls/demo/videos/{video}/360p/index.m3u8",
}
FIGURES = {"average_bandwidth": 700_000, "bytes": 875_000, "seconds": 10.0, "segments": 3}


def complete(api: Api, rung: dict[str, Any]) -> tuple[int, Any]:
    video = uploaded(api)
    assert worker(api, "GET", f"{BASE}/next").status_code == 200
    body = {
        "hls_path": f"hls/demo/videos/{video}/master.m3u8",
        "duration": 10.0,
        "renditions": [{**rung, "playlist": rung["playlist"].format(video=video)}],
    }
    return video, worker(api, "POST", f"{BASE}/{video}/complete/", json=body)


def test_the_figures_a_worker_sends_are_stored(api: Api) -> None:
    video, response = complete(api, {**RUNG, **FIGURES})
    assert response.json() == {"ok": True, "reason": "ok"}
    (rung,) = LadderInspection(api.app.videos, api.storage).stored(video, "demo") or []
    assert (rung.bytes, rung.seconds, rung.segments, rung.average_bandwidth) == (
        875_000,
        10.0,
        3,
        700_000,
    )


def test_an_older_worker_sending_none_or_some_stores_none(api: Api) -> None:
    for rung in (RUNG, {**RUNG, "bytes": 5}):
        video, response = complete(api, rung)
        assert response.json() == {"ok": True, "reason": "ok"}
        assert api.app.videos.get(video).renditions[0].keys() == RUNG.keys()


@pytest.mark.parametrize(
    "bad", [{"bytes": -1}, {"seconds": 1e12}, {"segments": -3}, {"bytes": 2**60}]
)
def test_a_figure_out_of_range_is_a_400(api: Api, bad: dict[str, Any]) -> None:
    _, response = complete(api, {**RUNG, **FIGURES, **bad})
    assert response.status_code == 400
    assert "renditions" in response.json()["detail"]
