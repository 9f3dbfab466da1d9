"""Webhook subscriptions over HTTP: admins only, within their tenant; the secret shown once;
every bound of a body tried; the audit trail of a subscription."""

from __future__ import annotations

from typing import Any

import pytest

from academy_video.domain.webhook_catalogue import EVENT_TYPES
from academy_video.domain.webhook_subscription import MAX_SUBSCRIPTIONS_PER_TENANT

from .conftest import Api

HOOKS = "/api/v1/webhooks"
TARGET = "https://hooks.example.org/academy"


def create(api: Api, **body: Any) -> Any:
    return api.call("POST", HOOKS, json={"url": TARGET, "event_types": ["video.ready"], **body})


def test_an_admin_creates_a_subscription_and_sees_its_secret_once(api: Api) -> None:
    created = create(api, description="grading")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["url"] == TARGET
    assert body["event_types"] == ["video.ready"]
    assert body["enabled"] is True
    assert body["disabled_reason"] == ""
    listed = api.call("GET", HOOKS).json()
    assert [h["id"] for h in listed] == [body["id"]]
    assert "secret" not in listed[0]
    detail = api.call("GET", f"{HOOKS}/{body['id']}").json()
    assert "secret" not in detail
    assert body["secret"] not in api.call("GET", f"/api/v1/audit/webhooks/{body['id']}/events").text


@pytest.mark.parametrize("role", ["staff", "student"])
def test_only_admins_manage_webhooks_and_read_the_feed(api: Api, role: Any) -> None:
    hook = create(api).json()
    assert create(api, **{}).status_code == 201
    for method, path in [
        ("GET", HOOKS),
        ("POST", HOOKS),
        ("GET", f"{HOOKS}/{hook['id']}"),
        ("PATCH", f"{HOOKS}/{hook['id']}"),
        ("DELETE", f"{HOOKS}/{hook['id']}"),
        ("POST", f"{HOOKS}/{hook['id']}/rotate-secret"),
        ("POST", f"{HOOKS}/{hook['id']}/test"),
        ("GET", f"{HOOKS}/{hook['id']}/deliveries"),
        ("GET", "/api/v1/feed"),
    ]:
        answer = api.call(method, path, role=role, json={} if method in ("POST", "PATCH") else None)
        assert answer.status_code == 403, (method, path, answer.text)


def test_another_tenants_subscription_is_not_found(api: Api) -> None:
    hook = create(api).json()
    for method, path in [
        ("GET", f"{HOOKS}/{hook['id']}"),
        ("PATCH", f"{HOOKS}/{hook['id']}"),
        ("DELETE", f"{HOOKS}/{hook['id']}"),
        ("POST", f"{HOOKS}/{hook['id']}/rotate-secret"),
        ("POST", f"{HOOKS}/{hook['id']}/test"),
        ("POST", f"{HOOKS}/{hook['id']}/replay?since=2026-01-01T00:00:00Z"),
        ("GET", f"{HOOKS}/{hook['id']}/deliveries"),
        ("GET", f"/api/v1/audit/webhooks/{hook['id']}/events"),
    ]:
        body = {"description": "mine now"} if method == "PATCH" else None
        answer = api.call(method, path, tenant="other", json=body)
        assert answer.status_code == 404, (method, path, answer.text)
    assert api.call("GET", HOOKS, tenant="other").json() == []
    assert api.call("GET", f"{HOOKS}/{hook['id']}").json()["description"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://hooks.example.org/x"}, "url"),  # http only when an operator allows it
        ({"url": "ftp://hooks.example.org/x"}, "url"),
        ({"url": "https://user:pw@hooks.example.org/x"}, "url"),
        ({"url": "https://hooks.example.org/" + "a" * 2100}, "url"),
        ({"url": ""}, "url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["video.exploded"]}, "event_types"),
        ({"event_types": ["webhook.ping"]}, "event_types"),
        ({"event_types": ["video.ready"] * 40}, "event_types"),
        ({"description": "x" * 501}, "description"),
        ({"secret": "whsec_mine"}, "secret"),  # the service makes the secret
        ({"tenant": "other"}, "tenant"),
        ({"url": 7}, "url"),
    ],
)
def test_a_bad_subscription_is_a_400_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    answer = create(api, **body)
    assert answer.status_code == 400, answer.text
    assert field in answer.json()["detail"]
    assert api.call("GET", HOOKS).json() == []


def test_a_tenant_has_at_most_so_many_subscriptions(api: Api) -> None:
    for _ in range(MAX_SUBSCRIPTIONS_PER_TENANT):
        assert create(api).status_code == 201
    refused = create(api)
    assert refused.status_code == 409, refused.text
    assert (
        refused.json()["detail"]
        == f"at most {MAX_SUBSCRIPTIONS_PER_TENANT} webhook subscriptions per tenant"
    )
    assert len(api.call("GET", HOOKS).json()) == MAX_SUBSCRIPTIONS_PER_TENANT
    other = {"url": TARGET, "event_types": ["video.ready"]}
    assert api.call("POST", HOOKS, tenant="other", json=other).status_code == 201


def test_change_disable_enable_rotate_and_delete(api: Api) -> None:
    hook = create(api).json()
    path = f"{HOOKS}/{hook['id']}"
    changed = api.call("PATCH", path, json={"event_types": list(EVENT_TYPES), "enabled": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == sorted(EVENT_TYPES)
    assert changed.json()["enabled"] is False
    assert changed.json()["disabled_reason"] == "admin"
    enabled = api.call("PATCH", path, json={"enabled": True}).json()
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, "")
    rotated = api.call("POST", f"{path}/rotate-secret")
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != hook["secret"]
    assert api.call("GET", path).json()["secret_rotated_at"] is not None
    history = api.call("GET", f"/api/v1/audit/webhooks/{hook['id']}/events").json()
    assert history[0]["type"] == "Created"
    assert rotated.json()["secret"] not in str(history)
    assert api.call("DELETE", path).status_code == 204
    assert api.call("GET", path).status_code == 404
    assert api.call("GET", HOOKS).json() == []
    assert api.call("PATCH", path, json={"enabled": True}).status_code == 404


def test_replay_needs_a_sane_range(api: Api) -> None:
    hook = create(api).json()
    path = f"{HOOKS}/{hook['id']}/replay"
    assert api.call("POST", path).status_code == 400  # since is required
    assert api.call("POST", f"{path}?since=yesterday").status_code == 400
    assert api.call("POST", f"{path}?since=2100-01-01T00:00:00Z").status_code == 400
    long_ago = api.call("POST", f"{path}?since=2000-01-01T00:00:00Z")
    assert long_ago.status_code == 400
    assert "days" in long_ago.json()["detail"]


def test_the_feed_is_bounded(api: Api) -> None:
    assert api.call("GET", "/api/v1/feed?limit=0").status_code == 400
    assert api.call("GET", "/api/v1/feed?limit=100000").status_code == 400
    assert api.call("GET", "/api/v1/feed?after=-1").status_code == 400
    assert api.call("GET", "/api/v1/feed").json() == {"events": [], "next_after": 0}
