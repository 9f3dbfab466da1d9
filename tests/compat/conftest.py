"""The old app's clients against this service: the HTTP suite's world (``tests/http/conftest.py``:
tenant ``demo``, lecture 1, session 10, enrollments 101–103), with a CDN base URL configured as
the old app's settings had (``CDN_HLS_BASE_URL``), so ``hls_url`` and ``thumbnail_url`` are
answered as it answered them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.http.conftest import WORKER_TOKEN, Api, serving

CDN = "https://cdn.example"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serving(tmp_path, cdn_base_url=CDN) as api:
        yield api


def old_worker(api: Api, method: str, path: str, **kwargs: Any) -> Any:
    """A request as the old workers sent it: their token and name headers."""
    headers = {"X-Worker-Token": WORKER_TOKEN, "X-Worker-Id": "old-worker-1"}
    headers.update(kwargs.pop("headers", {}))
    return api.client.request(method, path, headers=headers, **kwargs)
