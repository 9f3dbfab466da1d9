"""Request ids, access lines and /metrics over real HTTP (Litestar's test client).

The metrics registry is the process's, shared by every test in the run: assertions compare a
scrape after the calls with one before them."""

from __future__ import annotations

import io
import json
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from academy_video.adapters.logs import JsonFormatter

from .conftest import STUDENTS, Api

# ---------------------------------------------------------------------------------------------
# A strict reader of the text exposition format 0.0.4 (what /metrics must parse as).

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_SAMPLE = re.compile(
    rf"(?P<name>{_NAME})(?:\{{(?P<labels>{_LABEL}(?:,{_LABEL})*)\}})? (?P<value>\S+)"
)
_VALUE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|Inf)|NaN")
_SUFFIXES = {"counter": ("",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}

Series = tuple[str, frozenset[tuple[str, str]]]


@dataclass
class Scrape:
    types: dict[str, str] = field(default_factory=dict)
    values: dict[Series, float] = field(default_factory=dict)

    def get(self, name: str, **labels: str) -> float:
        return self.values.get((name, frozenset(labels.items())), 0.0)

    def series(self, name: str) -> dict[frozenset[tuple[str, str]], float]:
        return {labels: value for (n, labels), value in self.values.items() if n == name}


def parse(text: str) -> Scrape:
    assert text.endswith("\n"), "the last line must end with a newline"
    scrape, family, helped = Scrape(), "", set()
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert re.fullmatch(_NAME, name) and name not in helped, line
            helped.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in _SUFFIXES and name not in scrape.types, line
            scrape.types[name], family = kind, name
        else:
            match = _SAMPLE.fullmatch(line)
            assert match and _VALUE.fullmatch(match["value"]), f"not a sample: {line!r}"
            name = match["name"]
            assert name in {family + s for s in _SUFFIXES[scrape.types[family]]}, line
            labels = frozenset(
                (pair.split("=", 1)[0], pair.split("=", 1)[1][1:-1])
                for pair in re.findall(_LABEL, match["labels"] or "")
            )
            assert (name, labels) not in scrape.values, f"a series twice: {line}"
            scrape.values[name, labels] = float(match["value"].replace("Inf", "inf"))
    return scrape


def scrape(api: Api) -> Scrape:
    response = api.client.get("/metrics")  # no token: Prometheus scrapes without one
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(response.text)


def check_histograms(result: Scrape) -> None:
    """Every histogram's buckets are cumulative and end at +Inf with its _count."""
    for name, kind in result.types.items():
        if kind != "histogram":
            continue
        buckets: dict[frozenset[tuple[str, str]], list[tuple[float, float]]] = {}
        for labels, value in result.series(name + "_bucket").items():
            le = dict(labels)["le"]
            rest = frozenset(pair for pair in labels if pair[0] != "le")
            buckets.setdefault(rest, []).append((float(le.replace("Inf", "inf")), value))
        assert buckets.keys() == result.series(name + "_count").keys(), name
        for labels, pairs in buckets.items():
            pairs.sort()
            counts = [count for _, count in pairs]
            assert counts == sorted(counts), (name, labels, pairs)
            assert pairs[-1][0] == math.inf
            assert counts[-1] == result.values[name + "_count", labels]
            assert result.values[name + "_sum", labels] >= 0


# ---------------------------------------------------------------------------------------------


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """The JSON lines the service writes while a test runs (formatted where they are logged,
    so with the request id in force there)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines_of(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_response_carries_a_request_id(api: Api) -> None:
    ids = [
        api.call("GET", "/api/v1/videos/").headers["x-request-id"],
        api.client.get("/health").headers["x-request-id"],
        api.client.get("/no/such/route").headers["x-request-id"],  # unrouted: 404
        api.client.delete("/health").headers["x-request-id"],  # 405
        api.call("GET", "/api/v1/videos/999").headers["x-request-id"],  # a handler's 404
    ]
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("sent", ["abc", "a.B-9_z", "x" * 128])
def test_a_sane_request_id_is_echoed(api: Api, sent: str) -> None:
    response = api.client.get("/api/v1/videos/", headers={**api.headers(), "X-Request-ID": sent})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == sent


@pytest.mark.parametrize("sent", ["x" * 129, "a b", 'a"b', "a/b", "é".encode(), ""])
def test_an_insane_request_id_is_replaced(api: Api, sent: str | bytes) -> None:
    # httpx takes str names with str values, or bytes with bytes.
    headers = {"X-Request-ID": sent} if isinstance(sent, str) else {b"X-Request-ID": sent}
    response = api.client.get("/health", headers=headers)
    assert response.headers["x-request-id"] != sent
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_the_access_line_has_the_request_id_and_no_query_string(
    api: Api, access_lines: io.StringIO
) -> None:
    api.client.get("/health?token=secret", headers={"X-Request-ID": "follow-me"})
    api.client.get("/no/such/route")
    access = [line for line in lines_of(access_lines) if line["logger"] == "academy_video.access"]
    first, second = access
    assert first["request_id"] == "follow-me"
    assert first["method"] == "GET" and first["path"] == "/health" and first["status"] == 200
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert first["msg"].startswith("GET /health 200 ")
    assert "secret" not in json.dumps(access)
    assert second["status"] == 404 and second["path"] == "/no/such/route"
    assert re.fullmatch(r"[0-9a-f]{32}", str(second["request_id"]))


def test_metrics_count_requests_by_route_template_and_status(api: Api) -> None:
    before = scrape(api)
    video = api.ready_video()
    for _ in range(3):
        assert api.call("GET", f"/api/v1/videos/{video}").status_code == 200
    assert api.call("GET", "/api/v1/videos/999999").status_code == 404
    assert api.client.get("/no/such/route").status_code == 404
    after = scrape(api)

    def delta(name: str, **labels: str) -> float:
        return after.get(name, **labels) - before.get(name, **labels)

    requests = "academy_video_http_requests_total"
    template = {"method": "GET", "route": "/api/v1/videos/{video_id}"}
    assert delta(requests, **template, status="200") == 3
    assert delta(requests, **template, status="404") == 1
    assert delta(requests, method="GET", route="unmatched", status="404") == 1
    # Raw paths are never label values.
    routes = {value for (_, labels) in after.values for name, value in labels if name == "route"}
    assert not routes & {f"/api/v1/videos/{video}", "/api/v1/videos/999999", "/no/such/route"}
    assert delta("academy_video_http_request_duration_seconds_count", **template) == 4
    assert after.types[requests] == "counter"
    assert after.types["academy_video_http_request_duration_seconds"] == "histogram"
    check_histograms(after)


def test_metrics_gauges_come_from_the_stores(api: Api) -> None:
    gauges = scrape(api)
    assert gauges.get("academy_video_transcode_queue_depth") == 0
    assert gauges.get("academy_video_playback_sessions_active") == 0
    assert gauges.get("academy_video_progress_buffered_students") == 0
    refused = "academy_video_progress_refused_heartbeats_total"
    assert gauges.get(refused) == 0
    assert gauges.types[refused] == "counter"  # it only grows: rate() applies, not a gauge
    assert {
        dict(labels)["application"]
        for labels in gauges.series("academy_video_projection_lag_events")
    } == {
        "Videos",
        "Grants",
        "PlaybackSessions",
        "Progresses",
        "Webhooks",
    }
    assert all(
        value == 0 for value in gauges.series("academy_video_projection_lag_events").values()
    )

    video = api.ready_video(title="Played")  # claimed and done: off the queue
    ticket = api.app.uploads.init(tenant="demo", session_id=10, title="Queued", filename="q.mp4")
    api.storage.put(ticket.file_key, b"video:100")
    api.app.uploads.complete(tenant="demo", video_id=ticket.video.video_id)  # queued, unclaimed
    assert scrape(api).get("academy_video_transcode_queue_depth") == 1

    started = api.call(
        "POST",
        "/api/v1/playback/start/",
        role="student",
        user=STUDENTS[101],
        json={"video_id": video, "enrollment_id": 101, "device_id": "d1"},
    )
    assert started.status_code == 201, started.text
    result = scrape(api)
    assert result.get("academy_video_playback_sessions_active") == 1
    assert result.types["academy_video_playback_sessions_active"] == "gauge"


def test_a_failing_gauge_is_left_out_and_counted(
    api: Api, access_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors = "academy_video_metrics_errors_total"
    lag = "academy_video_projection_lag_events"
    before = scrape(api).get(errors, gauge=lag)

    def down() -> dict[str, int]:
        raise ConnectionError("the database is down")

    assert api.app.projector is not None
    monkeypatch.setattr(api.app.projector, "lag", down)
    response = api.client.get("/metrics", headers={"X-Request-ID": "scrape-1"})
    assert response.status_code == 200
    result = parse(response.text)
    assert lag not in result.types
    assert result.get(errors, gauge=lag) == before + 1
    assert "academy_video_transcode_queue_depth" in result.types  # the others are there
    # Logged from the handler's thread, with the request's id.
    warning = next(line for line in lines_of(access_lines) if line["level"] == "WARNING")
    assert warning["request_id"] == "scrape-1"
    assert "the database is down" in str(warning["exc"])


def test_metrics_is_not_in_the_api_description(api: Api) -> None:
    assert "/metrics" not in api.client.get("/schema/openapi.json").json()["paths"]
