"""A tenant's creates and deletes of webhook subscriptions over HTTP are rate-limited: past the
bound, 429 with the contract's ``detail`` and ``Retry-After``, and nothing written."""

from __future__ import annotations

from academy_video.domain.webhook_roster_changes import ROSTER_CHANGES_PER_TENANT_PER_HOUR

from .conftest import Api
from .test_webhooks import HOOKS, TARGET, create


def test_creates_and_deletes_past_the_limit_are_429_with_retry_after(api: Api) -> None:
    kept = create(api).json()["id"]
    for _ in range((ROSTER_CHANGES_PER_TENANT_PER_HOUR - 1) // 2):
        made = create(api)
        assert made.status_code == 201, made.text
        assert api.call("DELETE", f"{HOOKS}/{made.json()['id']}").status_code == 204
    last = create(api).json()["id"]  # the hour's last change
    for refused in (create(api), api.call("DELETE", f"{HOOKS}/{kept}")):
        assert refused.status_code == 429
        assert refused.json() == {"detail": "rate_limited"}
        assert 0 < int(refused.headers["Retry-After"]) <= 2 * 3600 + 1
    assert [h["id"] for h in api.call("GET", HOOKS).json()] == [kept, last]
    other = api.call(
        "POST", HOOKS, tenant="other", json={"url": TARGET, "event_types": ["video.ready"]}
    )
    assert other.status_code == 201  # another tenant's changes are its own


def test_the_openapi_document_names_the_429s(api: Api) -> None:
    paths = api.client.get("/schema/openapi.json").json()["paths"]
    assert "rate_limited" in paths["/api/v1/webhooks"]["post"]["responses"]["429"]["description"]
    answers = paths["/api/v1/webhooks/{webhook_id}"]["delete"]["responses"]
    assert "rate_limited" in answers["429"]["description"]
