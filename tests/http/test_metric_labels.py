"""Every label of /metrics takes values from a fixed set: callers inventing methods, paths, query
strings or request ids add no series, so the scrape (and the memory behind it) stays bounded."""

from __future__ import annotations

import random
import string

import pytest

from academy_video.adapters.http.observe import (
    METHODS,
    OTHER,
    UNMATCHED,
    method_label,
    status_label,
)

from .conftest import Api
from .test_observability import Scrape, scrape


def _word(rng: random.Random, alphabet: str = string.ascii_letters, size: int = 12) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def hostile_round(api: Api, rng: random.Random, n: int) -> None:
    """``n`` times each kind of request an anonymous (or any) caller can vary at will."""
    for _ in range(n):
        method = _word(rng, string.ascii_uppercase)
        assert api.client.request(method, f"/{_word(rng)}").status_code in (404, 405)
        assert api.client.request(method, "/health").status_code == 405  # a route, not its method
        assert api.client.request(method.lower(), "/metrics").status_code == 405
        assert api.client.get(f"/{_word(rng)}/{_word(rng)}").status_code == 404
        path = f"/api/v1/videos/{_word(rng, string.digits, 6)}"
        assert api.client.get(path).status_code == 401  # no token
        assert api.call("GET", path).status_code == 404
        assert api.call("GET", f"/api/v1/videos/{_word(rng)}").status_code in (400, 404)
        query = f"/health?{_word(rng)}={_word(rng)}"
        assert api.client.get(query, headers={"X-Request-ID": _word(rng)}).status_code == 200


def labels(result: Scrape, name: str) -> set[str]:
    return {value for (_, pairs) in result.values for label, value in pairs if label == name}


def test_invented_methods_and_paths_add_no_series(api: Api) -> None:
    rng = random.Random(17)
    hostile_round(api, rng, 20)
    scrape(api)  # the scrape's own series
    first = api.client.get("/metrics").text
    before = scrape(api)
    hostile_round(api, rng, 200)  # ten times as many, every method and path new
    second = api.client.get("/metrics").text
    after = scrape(api)

    assert after.values.keys() == before.values.keys()
    assert len(second.splitlines()) == len(first.splitlines())
    assert labels(after, "method") <= METHODS | {OTHER}
    assert OTHER in labels(after, "method")
    templates = {route.path_format for route in api.client.app.routes}
    assert labels(after, "route") <= templates | {UNMATCHED}
    assert all(status.isdigit() and 100 <= int(status) <= 599 for status in labels(after, "status"))

    # Still counted, all under one label: three invented methods a round.
    def others(result: Scrape) -> float:
        series = result.series("academy_video_http_requests_total")
        return sum(value for pairs, value in series.items() if ("method", OTHER) in pairs)

    assert others(after) - others(before) == 3 * 200


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_standard_method_is_its_own_label(method: str) -> None:
    assert method_label(method) == method


@pytest.mark.parametrize("method", ["get", "Get", "PROPFIND", "BREW", "", "G" * 10_000])
def test_any_other_method_is_other(method: str) -> None:
    assert method_label(method) == OTHER


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (100, "100"),
        (200, "200"),
        (404, "404"),
        (599, "599"),
        (99, "other"),
        (600, "other"),
        (0, "other"),
        (-200, "other"),
        (10**9, "other"),
    ],
)
def test_a_status_outside_100_to_599_is_other(status: int, label: str) -> None:
    assert status_label(status) == label
